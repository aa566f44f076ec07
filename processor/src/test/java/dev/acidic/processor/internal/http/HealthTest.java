package dev.acidic.processor.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class HealthTest {
    @Test
    void readyOnlyWhenStreamsRunsAndPostgresAnswersWithEachReasonNamedOtherwise() {
        Health up = new Health("RUNNING", false, 0);
        assertTrue(up.ready());
        assertEquals("UP", up.readiness().path("status").asText());
        assertEquals(0, up.readiness().path("degraded").size());

        Health pgDown = new Health("RUNNING", true, 2);
        assertFalse(pgDown.ready());
        ObjectNode body = pgDown.readiness();
        assertEquals("DOWN", body.path("status").asText());
        assertEquals("unreachable", body.path("postgres").asText());
        assertTrue(body.path("degraded").get(0).asText().startsWith("postgres is unreachable"), body.toString());
        assertEquals(2, body.path("threadReplacements").asInt());

        Health rebalancing = new Health("REBALANCING", true, 0);
        assertFalse(rebalancing.ready());
        assertEquals(2, rebalancing.readiness().path("degraded").size(), rebalancing.readiness().toString());
        assertTrue(rebalancing.readiness().path("degraded").get(0).asText().contains("REBALANCING"));
    }
}
