package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fan-out and fan-in across a kill -9: a parent spawns 100 children, and the processor JVM halts
 * (no shutdown hooks) right after a Postgres commit whose Kafka transaction never commits, in the
 * middle of the children's phases. The next processor finishes the rest: every child's steps ran
 * once, every child has one completion, and the parent gathers once, seeing all 100.
 */
class ChildJobsCrashIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int CHILDREN = 100;

    @Test
    void aFanOutOf100ChildrenAndItsFanInSurviveAKillInTheMiddle() throws Exception {
        try (Harness h = new Harness("children-crash", Map.of("acidic.stream.threads", "1"))) {
            String parent = h.key("parent");
            try (ChildProcessor doomed = ChildProcessor.start(h.config, "children-crash",
                    Map.of(Faults.ENV, Faults.Point.AFTER_PHASE_COMMIT.spec() + "=halt@60"))) {
                doomed.awaitReady(Duration.ofSeconds(60));
                h.completions();
                h.events();
                h.client().send(parent, JobRequest.of("test.fanout", Map.of("children", CHILDREN, "sleepMs", 20)).encode()).get();
                assertEquals(86, doomed.awaitExit(WAIT), "the processor halted at the 60th phase commit");
            }
            long endedBefore = h.completions().records().size();
            try (ChildProcessor survivor = ChildProcessor.start(h.config, "children-crash", Map.of())) {
                survivor.awaitReady(Duration.ofSeconds(60));
                h.completions().await(rs -> !h.completionsOf(parent).isEmpty(), WAIT, "the parent's completion");
            }
            Completion c = h.completionsOf(parent).get(0);
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
            assertEquals(CHILDREN, c.result().path("count").asInt(), c.toString());
            assertEquals(CHILDREN, c.result().path("succeeded").asInt(), c.toString());
            assertEquals(List.of("spawn", "gather"), h.effects(parent), "the parent spawned once and gathered once");
            assertEquals(1, h.completionsOf(parent).size(), "one completion of the parent");
            ChildJobsIT.assertEachChildOnce(h, parent, CHILDREN, List.of());
            ChildJobsIT.assertContiguous(h, parent);
            for (int i = 0; i < CHILDREN; i++) {
                ChildJobsIT.assertContiguous(h, ChildJobs.kidKey(parent, i));
            }
            System.out.printf("children-crash: %d completions were out before the kill%n", endedBefore);
        }
    }
}
