package dev.acidic.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void requestRoundTripsAndDefaultsMissingArgsToAnEmptyObject() {
        JobRequest r = JobRequest.of("rides.create", Map.of("user_id", 7));
        JobRequest back = JobRequest.decode(r.encode());
        assertEquals(r, back);
        assertTrue(JobRequest.decode(utf8("{\"job\":\"a\"}")).args().isObject());
    }

    @Test
    void malformedRequestsAreRefusedWithTheReason() {
        assertTrue(assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8("{\"args\":{}}"))).getMessage().contains("\"job\""));
        assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8("not json")));
        assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8("[1,2]")));
        assertThrows(WireFormatException.class, () -> JobRequest.decode(null));
        assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8("{\"job\":\"a\"} trailing")));
        WireFormatException dup = assertThrows(WireFormatException.class,
                () -> JobRequest.decode(utf8("{\"job\":\"a\",\"job\":\"b\"}")));
        assertTrue(dup.getMessage().toLowerCase().contains("duplicate"), dup.getMessage());
    }

    @Test
    void classNamesInInputAreNeverInstantiated() {
        JobRequest r = JobRequest.decode(utf8("{\"job\":\"a\",\"args\":{\"@class\":\"java.lang.ProcessBuilder\",\"x\":[\"rm\"]}}"));
        assertEquals("java.lang.ProcessBuilder", r.args().get("@class").asText(), "kept as plain data");
    }

    @Test
    void eventsAndCompletionsRoundTrip() {
        JobEvent e = new JobEvent("k", 3, EventType.STEP_FAILED, "j", "s", "s", 2, Instant.parse("2026-01-01T00:00:00Z"), null,
                new JobError("java.lang.IllegalStateException", "boom", "s", 2), Instant.parse("2026-01-01T00:00:01Z"));
        assertEquals(e, JobEvent.decode(e.encode()));
        assertTrue(new String(e.encode(), StandardCharsets.UTF_8).contains("\"at\":\"2026-01-01T00:00:00Z\""));
        Completion c = Completion.rejected("k", "j", Completion.UNKNOWN_JOB, "no such job");
        Completion back = Completion.decode(c.encode());
        assertEquals(c, back);
        assertEquals(CompletionStatus.REJECTED, back.status());
        assertNull(back.result());
    }
}
