package dev.acidic.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
    void jsonNullNonTextJobNamesAndLenientUtf8AreRefused() {
        for (String json : List.of("null", " null\n")) {
            WireFormatException e = assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8(json)));
            assertTrue(e.getMessage().contains("null"), e.getMessage());
            assertThrows(WireFormatException.class, () -> Completion.decode(utf8(json)));
        }
        for (String job : List.of("123", "1.5", "true")) {
            assertThrows(WireFormatException.class, () -> JobRequest.decode(utf8("{\"job\":" + job + "}")), job);
        }
        // overlong '/', encoded surrogate, past U+10FFFF, a 5-byte lead: a lenient decoder reads
        // some of these as other characters ("a/b"); all are malformed UTF-8
        for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80})) {
            byte[] head = utf8("{\"job\":\"a\",\"args\":{\"s\":\"a");
            byte[] tail = utf8("b\"}}");
            byte[] json = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, json, 0, head.length);
            System.arraycopy(bad, 0, json, head.length, bad.length);
            System.arraycopy(tail, 0, json, head.length + bad.length, tail.length);
            WireFormatException e = assertThrows(WireFormatException.class, () -> JobRequest.decode(json));
            assertTrue(e.getMessage().contains("not valid UTF-8") && e.getMessage().contains("at byte " + head.length), e.getMessage());
        }
        assertEquals("a\u00e9\ud83d\ude80b", JobRequest.decode(utf8("{\"job\":\"a\",\"args\":{\"s\":\"a\u00e9\ud83d\ude80b\"}}"))
                .args().get("s").asText(), "valid multi-byte UTF-8 still reads");
    }

    @Test
    void classNamesInInputAreNeverInstantiated() {
        JobRequest r = JobRequest.decode(utf8("{\"job\":\"a\",\"args\":{\"@class\":\"java.lang.ProcessBuilder\",\"x\":[\"rm\"]}}"));
        assertEquals("java.lang.ProcessBuilder", r.args().get("@class").asText(), "kept as plain data");
    }

    @Test
    void eventsAndCompletionsRoundTrip() {
        JobEvent e = new JobEvent("k", 3, EventType.STEP_FAILED, "j", "s", "s", 2, Instant.parse("2026-01-01T00:00:00Z"), null,
                new JobError("java.lang.IllegalStateException", "boom", "s", 2), Instant.parse("2026-01-01T00:00:01Z"), 2);
        assertEquals(e, JobEvent.decode(e.encode()));
        assertTrue(new String(e.encode(), StandardCharsets.UTF_8).contains("\"at\":\"2026-01-01T00:00:00Z\""));
        Completion c = Completion.rejected("k", "j", Completion.UNKNOWN_JOB, "no such job");
        Completion back = Completion.decode(c.encode());
        assertEquals(c, back);
        assertEquals(CompletionStatus.REJECTED, back.status());
        assertNull(back.result());
    }

    @Test
    void reconfiguringTheHandedOutMapperDoesNotChangeTheWireFormat() throws Exception {
        Map<String, Object> value = Map.of("at", Instant.parse("2026-01-02T03:04:05Z"));
        String before = new String(Wire.encode(value), StandardCharsets.UTF_8);

        com.fasterxml.jackson.databind.ObjectMapper mine = Wire.mapper();
        mine.enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        mine.disable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());

        assertTrue(mine.writeValueAsString(value).matches(".*\\d{10}.*"), "the copy took the change");
        assertEquals(before, new String(Wire.encode(value), StandardCharsets.UTF_8));
        assertEquals("{\"at\":\"2026-01-02T03:04:05Z\"}", Wire.toJson(value));
        assertThrows(WireFormatException.class, () -> Wire.parse("{\"a\":1,\"a\":2}"), "duplicates still refused");
        assertTrue(Wire.mapper() != Wire.mapper(), "every caller gets its own copy");
    }

    @Test
    void treesAndTextConvertWithTheWireSettings() {
        record Point(int x, int y) {}
        assertEquals(new Point(1, 2), Wire.fromTree(Wire.parse("{\"x\":1,\"y\":2,\"extra\":true}"), Point.class));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Wire.fromTree(Wire.parse("{\"x\":\"no\"}"), Point.class))
                .getMessage().contains("Point"));
        assertEquals("{}", Wire.toJson(Wire.objectNode()));
        assertThrows(WireFormatException.class, () -> Wire.parse("{"));
    }

    @Test
    void signalNamesStartingWithTheReservedPrefixAreRefusedOnTheWireAndInAwaitSignal() {
        org.junit.jupiter.api.Assertions.assertThrows(WireFormatException.class,
                () -> JobCommand.decode("{\"command\":\"signal\",\"name\":\"$children\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PhaseResult.awaitSignal("$children", java.time.Duration.ofSeconds(1)));
        org.junit.jupiter.api.Assertions.assertEquals("a$b", JobCommand.signal("a$b", null).name(), "only a leading $ is reserved");
    }

    @Test
    void aChildRequestCarriesItsParentWhichIsOptionalOnTheWire() {
        JobRequest child = JobRequest.of("rides.refund", java.util.Map.of("ride", 1)).withParent("order-7");
        JobRequest back = JobRequest.decode(child.encode());
        org.junit.jupiter.api.Assertions.assertEquals("order-7", back.parent());
        org.junit.jupiter.api.Assertions.assertEquals(child, back);
        org.junit.jupiter.api.Assertions.assertFalse(new String(JobRequest.of("j", null).encode(), java.nio.charset.StandardCharsets.UTF_8)
                .contains("parent"), "absent when there is none");
    }
}
