package dev.acidic.processor.internal.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.Wire;

/**
 * What the health endpoints answer (pure). Live: the process answers. Ready: the Kafka Streams
 * client is RUNNING and Postgres answers; otherwise not ready, with each reason named.
 *
 * @param streamsState the Kafka Streams client's state (CREATED, REBALANCING, RUNNING, ...)
 * @param postgresDown whether the processor is degraded: Postgres did not answer and has not since
 * @param threadReplacements stream threads replaced since start (reported, not judged)
 */
record Health(String streamsState, boolean postgresDown, long threadReplacements) {

    boolean ready() {
        return "RUNNING".equals(streamsState) && !postgresDown;
    }

    /** {@code {"status":"UP"|"DOWN","streams":..,"postgres":"reachable"|"unreachable","degraded":[..],..}} */
    ObjectNode readiness() {
        ObjectNode n = Wire.objectNode().put("status", ready() ? "UP" : "DOWN").put("streams", streamsState)
                .put("postgres", postgresDown ? "unreachable" : "reachable").put("threadReplacements", threadReplacements);
        ArrayNode degraded = n.putArray("degraded");
        if (!"RUNNING".equals(streamsState)) {
            degraded.add("kafka streams is " + streamsState + (streamsState.equals("REBALANCING")
                    ? " (partitions are being assigned; it passes)" : ""));
        }
        if (postgresDown) {
            degraded.add("postgres is unreachable: requests wait (nothing is lost) until it answers again");
        }
        return n;
    }

    static ObjectNode liveness() {
        return Wire.objectNode().put("status", "UP");
    }
}
