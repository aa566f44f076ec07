package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.store.KeyStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.Wire;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.it.TestInfra;
import dev.acidic.processor.it.TestJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad records get a clear answer and a DLQ copy; good records around them still run. Topology test driver + real Postgres. */
class RequestValidationIT {
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> requests;
    private TestOutputTopic<byte[], byte[]> completions;
    private TestOutputTopic<byte[], byte[]> dlq;
    private TestOutputTopic<byte[], byte[]> events;
    private String prefix;

    @BeforeEach
    void setUp() {
        open(java.util.Map.of());
    }

    private void open(java.util.Map<String, String> settings) {
        TestInfra infra = TestInfra.get();
        prefix = "ttd-" + UUID.randomUUID().toString().substring(0, 8);
        AcidicConfig cfg = AcidicConfig.defaults().withApplicationId(prefix).withInstanceId(prefix)
                .withStateDir(Path.of("target", "test-state", prefix))
                .with(AcidicConfig.COMPLETER_IDLE, "0") // the shared Postgres holds other tests' unfinished keys
                .with(AcidicConfig.RETENTION, "0"); // and finished ones
        for (var e : settings.entrySet()) {
            cfg = cfg.with(e.getKey(), e.getValue());
        }
        JobRegistry jobs = new JobRegistry(TestJobs.all());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Path.of("target", "test-state", prefix).toAbsolutePath().toString());
        driver = new TopologyTestDriver(AcidicTopology.build(cfg, jobs, infra.db), p);
        var ser = new ByteArraySerializer();
        var de = new ByteArrayDeserializer();
        requests = driver.createInputTopic(cfg.requestsTopic(), ser, ser);
        completions = driver.createOutputTopic(cfg.completionsTopic(), de, de);
        dlq = driver.createOutputTopic(cfg.dlqTopic(), de, de);
        events = driver.createOutputTopic(cfg.eventsTopic(), de, de);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** Lets the batch linger pass, so requests waiting in the pending store are driven. */
    private void drainBatches() {
        driver.advanceWallClockTime(Duration.ofMillis(50));
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void nullAndNonUtf8KeysGoToTheDlqOnly() {
        requests.pipeInput(null, utf8("{\"job\":\"test.child\"}"));
        requests.pipeInput(new byte[] {(byte) 0xC3, (byte) 0x28}, utf8("{\"job\":\"test.child\"}"));
        List<TestRecord<byte[], byte[]>> out = dlq.readRecordsToList();
        assertEquals(2, out.size());
        assertTrue(header(out.get(0), "acidic.reason").contains("null key"));
        assertTrue(header(out.get(1), "acidic.reason").contains("UTF-8"));
        assertEquals("1", header(out.get(1), "acidic.source.offset"));
        assertTrue(completions.isEmpty(), "nothing can be answered by key");
    }

    @Test
    void undecodableValuesAreRejectedAsInvalidAndCopiedToTheDlq() {
        String[] bad = {"not json", "[1]", "{\"args\":{}}", "{\"job\":\"test.child\",\"args\":[1]}",
                "{\"job\":\"a\",\"job\":\"b\"}", null};
        for (int i = 0; i < bad.length; i++) {
            requests.pipeInput(utf8(prefix + ":bad" + i), utf8(bad[i]));
        }
        List<TestRecord<byte[], byte[]>> answers = completions.readRecordsToList();
        assertEquals(bad.length, answers.size());
        for (TestRecord<byte[], byte[]> r : answers) {
            Completion c = Completion.decode(r.value());
            assertEquals(CompletionStatus.REJECTED, c.status());
            assertEquals(Completion.INVALID_REQUEST, c.reason());
            assertFalse(c.error().message().isBlank());
        }
        List<TestRecord<byte[], byte[]>> copies = dlq.readRecordsToList();
        assertEquals(bad.length, copies.size());
        assertEquals("not json", new String(copies.get(0).value(), StandardCharsets.UTF_8), "raw bytes kept");
        assertEquals("acidic.requests", header(copies.get(0), "acidic.source.topic"));
        assertEquals("0", header(copies.get(0), "acidic.source.partition"));
        assertTrue(events.isEmpty(), "rejections are not job events");
    }

    /** Inputs the fuzz test found crashing a stream thread (JSON null, 1e1000) or accepted altered (lenient UTF-8). */
    @Test
    void jsonNullHugeExponentsNonTextJobsAndMalformedUtf8AreRejectedNotCrashing() {
        List<byte[]> bad = new java.util.ArrayList<>();
        bad.add(utf8("null"));
        for (String n : List.of("1e1000", "-1e1000", "1e-1000", "1e1001")) {
            bad.add(utf8("{\"job\":\"test.three-steps\",\"args\":{\"n\":" + n + "}}"));
        }
        bad.add(utf8("{\"job\":123}"));
        byte[] overlong = utf8("{\"job\":\"test.three-steps\",\"args\":{\"s\":\"a??b\"}}");
        int at = new String(overlong, StandardCharsets.UTF_8).indexOf("??");
        overlong[at] = (byte) 0xC0; // an overlong '/': a lenient decoder stores "a/b"
        overlong[at + 1] = (byte) 0xAF;
        bad.add(overlong);
        for (int i = 0; i < bad.size(); i++) {
            requests.pipeInput(utf8(prefix + ":odd" + i), bad.get(i));
        }
        String good = prefix + ":after";
        requests.pipeInput(utf8(good), utf8("{\"job\":\"test.three-steps\",\"args\":{\"n\":1e300}}"));
        drainBatches();
        List<Completion> answers = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(bad.size() + 1, answers.size());
        for (int i = 0; i < bad.size(); i++) {
            assertEquals(prefix + ":odd" + i, answers.get(i).key());
            assertEquals(Completion.INVALID_REQUEST, answers.get(i).reason(), answers.get(i).toString());
        }
        assertTrue(answers.get(0).error().message().contains("JSON null"), answers.get(0).error().message());
        assertTrue(answers.get(1).error().message().contains("1001 digits"), answers.get(1).error().message());
        assertTrue(answers.get(bad.size() - 1).error().message().contains("not valid UTF-8"), answers.get(bad.size() - 1).error().message());
        assertEquals(bad.size(), dlq.readRecordsToList().size());
        Completion after = answers.get(bad.size());
        assertEquals(good, after.key());
        assertEquals(CompletionStatus.SUCCEEDED, after.status(), "a 301-digit number is fine, and the thread is alive");
        // what Postgres prints back for a stored number is plain: the store reads it without Jackson's 1000-digit limit
        assertEquals(1001, KeyStore.parse("{\"n\": 1" + "0".repeat(1000) + "}").get("n").bigIntegerValue().toString().length());
    }

    @Test
    void unknownJobEmptyKeyOversizedKeyAndNulCharactersAreRejected() {
        requests.pipeInput(utf8(prefix + ":unknown"), utf8("{\"job\":\"no.such.job\",\"args\":{}}"));
        requests.pipeInput(utf8(""), utf8("{\"job\":\"test.child\"}"));
        requests.pipeInput(utf8("k".repeat(300)), utf8("{\"job\":\"test.child\"}"));
        requests.pipeInput(utf8(prefix + ":nul"), utf8("{\"job\":\"test.child\",\"args\":{\"s\":\"a\\u0000b\"}}"));
        drainBatches();
        List<Completion> answers = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(List.of(Completion.UNKNOWN_JOB, Completion.INVALID_REQUEST, Completion.INVALID_REQUEST,
                Completion.INVALID_REQUEST), answers.stream().map(Completion::reason).toList());
        assertTrue(answers.get(0).error().message().contains("test.three-steps"), "names the known jobs");
        assertEquals(3, dlq.readRecordsToList().size(), "unknown jobs are well-formed: no DLQ copy");
    }

    @Test
    void goodRequestsAroundBadOnesStillRunExactlyOnce() {
        requests.pipeInput(utf8(prefix + ":bad"), utf8("garbage"));
        requests.pipeInput(utf8(prefix + ":good"), utf8("{\"job\":\"test.three-steps\",\"args\":{\"n\":1}}"));
        requests.pipeInput(null, utf8("garbage"));
        requests.pipeInput(utf8(prefix + ":good"), utf8("{\"job\":\"test.three-steps\",\"args\":{\"n\":1}}"));
        drainBatches();
        List<Completion> answers = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(3, answers.size());
        assertEquals(CompletionStatus.REJECTED, answers.get(0).status());
        assertEquals(CompletionStatus.SUCCEEDED, answers.get(1).status());
        assertFalse(answers.get(1).replay());
        assertTrue(answers.get(2).replay());
        List<JobEvent> ev = events.readValuesToList().stream().map(JobEvent::decode).toList();
        assertEquals(List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT,
                EventType.SUCCEEDED), ev.stream().map(JobEvent::type).toList());
        assertNull(ev.get(0).error());
    }

    @Test
    void keySizeRequestSizeAndNestingLimitsAreConfigurableAndNamedInTheAnswer() {
        driver.close();
        open(java.util.Map.of(AcidicConfig.KEY_MAX_BYTES, "40", AcidicConfig.REQUEST_MAX_BYTES, "200",
                AcidicConfig.ARGS_MAX_DEPTH, "3"));
        String okKey = prefix + ":ok";
        requests.pipeInput(utf8(prefix + ":" + "k".repeat(30)), utf8("{\"job\":\"test.child\",\"args\":{}}"));
        requests.pipeInput(utf8(prefix + ":big"), utf8("{\"job\":\"test.child\",\"args\":{\"s\":\"" + "x".repeat(200) + "\"}}"));
        requests.pipeInput(utf8(prefix + ":deep"), utf8("{\"job\":\"test.child\",\"args\":{\"a\":{\"b\":[[1]]}}}"));
        requests.pipeInput(utf8(okKey), utf8("{\"job\":\"test.child\",\"args\":{\"a\":{\"b\":{}}}}"));
        drainBatches();
        List<Completion> answers = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(4, answers.size());
        assertEquals(Completion.INVALID_REQUEST, answers.get(0).reason());
        assertTrue(answers.get(0).error().message().contains("acidic.key.max.bytes"), answers.get(0).error().message());
        assertEquals(Completion.INVALID_REQUEST, answers.get(1).reason());
        assertTrue(answers.get(1).error().message().contains("acidic.request.max.bytes"), answers.get(1).error().message());
        assertEquals(Completion.INVALID_REQUEST, answers.get(2).reason());
        assertTrue(answers.get(2).error().message().contains("nest 4 levels"), answers.get(2).error().message());
        assertEquals(okKey, answers.get(3).key());
        assertEquals(CompletionStatus.SUCCEEDED, answers.get(3).status(), "nested exactly to the limit is accepted");
        List<TestRecord<byte[], byte[]>> copies = dlq.readRecordsToList();
        assertEquals(3, copies.size(), "each rejected request is kept in the DLQ");
        assertEquals(236, copies.get(1).value().length, "the oversized request's raw bytes, whole");
    }

    @Test
    void theDefaultKeyLimitIs255Bytes() {
        String at255 = prefix + ":" + "k".repeat(255 - prefix.length() - 1);
        requests.pipeInput(utf8(at255), utf8("{\"job\":\"test.child\"}"));
        requests.pipeInput(utf8(at255 + "k"), utf8("{\"job\":\"test.child\"}"));
        drainBatches();
        List<Completion> answers = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(2, answers.size());
        assertEquals(CompletionStatus.SUCCEEDED, answers.get(0).status());
        assertEquals(Completion.INVALID_REQUEST, answers.get(1).reason());
    }

    @Test
    void hostileKeysAndArgumentsAreDataAndRoundTripUnchanged() throws Exception {
        String[] hostile = {
            prefix + ":'; DROP TABLE acidic_keys; --",
            prefix + ":\"quoted\" \\ back\\slash $1 ? %s {}",
            prefix + ":\u05e9\u05dc\u05d5\u05dd \ud83d\ude80 \u00e9\u0301 \u200b",
            prefix + ":" + "\u00fc".repeat(120), // 2-byte characters up to 253 bytes
        };
        for (String key : hostile) {
            String json = Wire.mapper().writeValueAsString(java.util.Map.of("job", "test.child", "args",
                    java.util.Map.of("s", key, "@class", "java.lang.ProcessBuilder", "sql", "') OR 1=1; --")));
            requests.pipeInput(utf8(key), utf8(json));
        }
        drainBatches();
        List<TestRecord<byte[], byte[]>> answers = completions.readRecordsToList();
        assertEquals(hostile.length, answers.size());
        for (int i = 0; i < hostile.length; i++) {
            Completion c = Completion.decode(answers.get(i).value());
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), hostile[i]);
            assertEquals(hostile[i], c.key(), "the completion carries the key unchanged");
            assertEquals(hostile[i], new String(answers.get(i).key(), StandardCharsets.UTF_8), "and so does the record key");
        }
        try (java.sql.Connection c = TestInfra.get().db.getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement(
                        "SELECT args->>'s', args->>'@class', args->>'sql' FROM acidic_keys WHERE idempotency_key = ?")) {
            for (String key : hostile) {
                ps.setString(1, key);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "stored under exactly its key: " + key);
                    assertEquals(key, rs.getString(1));
                    assertEquals("java.lang.ProcessBuilder", rs.getString(2), "a class name in input is only a string");
                    assertEquals("') OR 1=1; --", rs.getString(3));
                }
            }
        }
        List<JobEvent> ev = events.readValuesToList().stream().map(JobEvent::decode).toList();
        for (String key : hostile) {
            assertTrue(ev.stream().anyMatch(e -> e.key().equals(key) && e.type() == EventType.SUCCEEDED), key);
        }
    }
}
