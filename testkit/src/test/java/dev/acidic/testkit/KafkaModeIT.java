package dev.acidic.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.EventType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kit with {@code kafka = true}: jobs run through a real processor, requests and events through real topics. */
@AcidicTest(kafka = true, providers = KitJobs.class)
class KafkaModeIT {

    @Test
    void runsAJobThroughARealProcessorAndReadsItsEventsFromTheTopic(AcidicKit acidic) throws InterruptedException {
        assertNotNull(acidic.bootstrapServers());
        JobRun run = acidic.run(KitJobs.order(), Map.of("items", 4))
                .assertSucceeded()
                .assertEvents(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT,
                        EventType.SUCCEEDED);
        assertEquals(4, run.result().path("items").asInt());
        assertEquals(3, acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", run.key()));
        // the staged job was published to the requests topic once the phase committed, and ran
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", "thanks:" + run.key()) == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", "thanks:" + run.key()));
    }

    @Test
    void aJobWaitingForASignalRestsAndGoesOnWhenItArrives(AcidicKit acidic) {
        JobRun waiting = acidic.run(KitJobs.approval(), Map.of());
        assertFalse(waiting.finished());
        assertEquals(EventType.WAITING, waiting.eventTypes().get(waiting.eventTypes().size() - 1));
        acidic.signal(waiting.key(), "approval", Map.of("ok", true)).assertSucceeded().assertResult(Map.of("approved", true));
    }

    @Test
    void crashAtEveryBoundaryWorksInKafkaModeToo(AcidicKit acidic) {
        assertTrue(acidic.crashAtEveryBoundary(KitJobs.order(), Map.of("items", 1), CrashCheck.effects(
                Effect.sql("rows", "SELECT count(*) FROM kit_rows WHERE idempotency_key = ?")).ignoringResultFields("reservation"))
                .passed());
    }
}
