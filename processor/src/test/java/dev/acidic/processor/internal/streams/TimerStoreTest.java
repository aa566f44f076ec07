package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The timer punctuator runs when the earliest timer is due, not every interval: Kafka Streams
 * commits a task after each punctuation, so a retry minutes away used to cost an exactly-once
 * transaction every 100 ms until it came due.
 */
class TimerStoreTest {
    private static final long T0 = 1_000_000;
    private final MockProcessorContext<byte[], byte[]> ctx = new MockProcessorContext<>();
    private final List<String> fired = new ArrayList<>();
    private TimerStore timers;

    @BeforeEach
    void setUp() {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("timers"), Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        ctx.setCurrentSystemTimeMs(T0);
        timers = new TimerStore(ctx, store, Duration.ofMillis(100), Duration.ofSeconds(1), (key, due) -> fired.add(key));
    }

    private List<MockProcessorContext.CapturedPunctuator> live() {
        return ctx.scheduledPunctuators().stream().filter(p -> !p.cancelled()).toList();
    }

    private List<Duration> intervals() {
        return live().stream().map(MockProcessorContext.CapturedPunctuator::getInterval).toList();
    }

    private void punctuateAt(long now) {
        ctx.setCurrentSystemTimeMs(now);
        live().get(0).getPunctuator().punctuate(now);
    }

    @Test
    void theTaskWakesWhenTheEarliestTimerIsDueNotEveryInterval() {
        timers.schedule("later", 300_000);
        assertEquals(List.of(Duration.ofMinutes(5)), intervals(), "no punctuation before the timer is due");
        timers.schedule("soon", 250);
        assertEquals(List.of(Duration.ofMillis(250)), intervals(), "moved up for an earlier timer, one punctuator only");
        timers.schedule("between", 10_000);
        assertEquals(List.of(Duration.ofMillis(250)), intervals(), "a later timer leaves it alone");

        punctuateAt(T0 + 250);
        assertEquals(List.of("soon"), fired);
        assertEquals(List.of(Duration.ofMillis(9_750)), intervals(), "then it sleeps until the next one");
        punctuateAt(T0 + 10_000);
        punctuateAt(T0 + 300_000);
        assertEquals(List.of("soon", "between", "later"), fired);
        assertEquals(List.of(), intervals(), "no timers, no punctuator");
    }

    @Test
    void aTimerDueAtOnceWaitsOneIntervalSoRecordsGetTheirTurn() {
        timers.schedule("now", 0);
        assertEquals(List.of(Duration.ofMillis(100)), intervals());
        punctuateAt(T0 + 100);
        assertEquals(List.of("now"), fired);
    }

    @Test
    void aFiredTimerThatSchedulesAnotherKeepsThePunctuatorOnIt() {
        List<String> order = new ArrayList<>();
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("timers2"), Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        TimerStore[] self = new TimerStore[1];
        self[0] = new TimerStore(ctx, store, Duration.ofMillis(100), Duration.ofSeconds(1), (key, due) -> {
            order.add(key);
            if (key.equals("retry")) {
                self[0].schedule("retry-again", 2_000); // a drive that waits again, as a failed attempt does
            }
        });
        self[0].schedule("retry", 500);
        punctuateAt(T0 + 500);
        assertEquals(List.of(Duration.ofMillis(2_000)), intervals());
        punctuateAt(T0 + 2_500);
        assertEquals(List.of("retry", "retry-again"), order);
        assertEquals(List.of(), intervals());
    }

    /** A task (re)started with timers in its store looks after one interval: its context's clock is not set during init. */
    @Test
    void aRestoredStoreIsLookedAtAfterOneIntervalThenTheEarliestTimerIsFollowed() {
        timers.schedule("restored", 60_000);
        ctx.scheduledPunctuators().forEach(MockProcessorContext.CapturedPunctuator::cancel); // the task is revived
        timers.resume();
        assertEquals(List.of(Duration.ofMillis(100)), intervals());
        punctuateAt(T0 + 100);
        assertEquals(List.of(), fired, "not due yet");
        assertEquals(List.of(Duration.ofMillis(59_900)), intervals());
    }
}
