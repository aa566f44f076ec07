package com.example.greetings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.acidic.testkit.AcidicKit;
import dev.acidic.testkit.AcidicTest;
import dev.acidic.testkit.Effect;
import dev.acidic.testkit.JobRun;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs greetings.send through Acidic's engine on a real (embedded) Postgres, then crashes it at every boundary. */
@AcidicTest
class GreetingsTest {

    @Test
    void sendsAGreeting(AcidicKit acidic) {
        JobRun run = acidic.run(Greetings.definition(), Map.of("name", "Ada"))
                .assertSucceeded()
                .assertResult(Map.of("message", "Hello, Ada!"));
        assertEquals(1, acidic.count("SELECT count(*) FROM greetings WHERE idempotency_key = ? AND sent_at IS NOT NULL", run.key()));
        assertEquals(1, acidic.count("SELECT count(*) FROM greeting_outbox WHERE idempotency_key = ?", run.key()));
    }

    @Test
    void survivesACrashAtEveryBoundary(AcidicKit acidic) {
        acidic.crashAtEveryBoundary(Greetings.definition(), Map.of("name", "Ada"),
                Effect.sql("greeting", "SELECT count(*) FROM greetings WHERE idempotency_key = ?"),
                Effect.sql("queued email", "SELECT count(*) FROM greeting_outbox WHERE idempotency_key = ?"));
    }
}
