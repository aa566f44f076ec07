package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** When recording a step's failure fails too, the original error still surfaces and the job recovers. */
class BookkeepingFailureIT {

    @AfterEach
    void disarm() {
        Faults.reset();
    }

    @Test
    void failedErrorBookkeepingStillSurfacesTheOriginalErrorAndTheJobRecovers() throws Exception {
        Logger driverLog = (Logger) LoggerFactory.getLogger("dev.acidic.processor.internal.engine");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        driverLog.addAppender(logs);
        try (Harness h = new Harness("bookkeeping", Map.of())) {
            h.start();
            String key = h.key("k");
            AtomicInteger hits = new AtomicInteger();
            Faults.arm(Faults.Point.RECORD_FAILURE, (p, k) -> {
                if (k.equals(key) && hits.incrementAndGet() == 1) {
                    throw new java.sql.SQLException("injected: cannot record the failure", "08006");
                }
            });
            Completion c = h.client().submit(key, JobRequest.of("test.flaky", Map.of("failTimes", 1, "failStep", "second")))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, c.status());
            assertEquals(List.of("first", "second", "third"), h.effects(key));

            ILoggingEvent logged = logs.list.stream()
                    .filter(e -> e.getLevel() == Level.ERROR && e.getFormattedMessage().contains("recording that failure"))
                    .findFirst().orElseThrow(() -> new AssertionError("no error logged for the failed bookkeeping"));
            IThrowableProxy t = logged.getThrowableProxy();
            assertEquals(IllegalStateException.class.getName(), t.getClassName(), "the original error is what is reported");
            assertTrue(t.getMessage().contains("planned failure 1"), t.getMessage());
            assertEquals(1, t.getSuppressed().length);
            assertTrue(t.getSuppressed()[0].getMessage().contains("injected"), "the bookkeeping failure rides along");

            h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), java.time.Duration.ofSeconds(30),
                    "terminal event");
            List<JobEvent> failures = h.eventsOf(key).stream().filter(e -> e.type() == EventType.STEP_FAILED).toList();
            assertEquals(1, failures.size(), "only the failure whose bookkeeping succeeded is journaled");
            assertEquals(2, hits.get(), "bookkeeping was attempted again for the repeated failure");
        } finally {
            driverLog.detachAppender(logs);
        }
    }
}
