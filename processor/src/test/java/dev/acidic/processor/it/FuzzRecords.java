package dev.acidic.processor.it;

import static dev.acidic.processor.it.FuzzBytes.concat;
import static dev.acidic.processor.it.FuzzBytes.hex;
import static dev.acidic.processor.it.FuzzBytes.printable;
import static dev.acidic.processor.it.FuzzBytes.strictUtf8;
import static dev.acidic.processor.it.FuzzBytes.utf8;

import dev.acidic.api.Completion;
import dev.acidic.api.JobDefinition;
import dev.acidic.processor.internal.engine.JobRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records FuzzIT sends, drawn from one {@link Random} so a seed repeats a run byte for byte:
 * valid requests, random and mutated ones, and what must happen to each ({@link #classify}).
 * Compressed and over-limit records come from {@link FuzzLimits}, which draws on this one.
 */
final class FuzzRecords {
    static final String JOB = "test.three-steps";
    /**
     * The processor's producer's {@code max.request.size} (Kafka's default, which FuzzIT keeps):
     * no record the processor sends may be larger, so a DLQ copy of a larger record is cut.
     */
    static final int MAX_RECORD = 1_048_576;
    /**
     * Longest {@code acidic.request.id} header the processor takes (RequestDecoder.REQUEST_ID_MAX_BYTES,
     * package-private there): a longer one is refused INVALID_REQUEST, and not echoed.
     */
    static final int REQUEST_ID_MAX = 256;
    /** What the rejection of a request id over {@link #REQUEST_ID_MAX} says. */
    static final String REQUEST_ID_TOO_LONG = "header " + Completion.REQUEST_ID_HEADER + " of ";
    /** What the rejection of a job name over JobRegistry.NAME_MAX_CHARS says. */
    static final String JOB_NAME_TOO_LONG = "job name of ";

    /** The processor's limits on a request, as FuzzIT configures them. */
    record Limits(int keyMax, int requestMax, int maxDepth) {}
    static final byte[][] BAD_UTF8 = {
        {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xC1, (byte) 0xBF},
        {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0xC3, (byte) 0x28},
    };
    private static final String[] ALPHABET = {
        "a", "b", "z", "Q", "0", "7", " ", "-", ":", "/", ".", "_", "'", "%", "$", "{", "}", "[", "]",
        "\"", "\\", "\t", "\n", "\u00e9", "\u00fc", "\u4e2d", "\u05e9", "\u0627", "\u200b", "\u0301", "\ufeff", "\uffff",
        "\ud83d\ude80", "\ud83e\udd84", "\u2028", "\u0007", "\u001f",
    };
    static final String[] GARBAGE_TOKENS = {
        "{", "}", "[", "]", ":", ",", "\"job\"", "\"args\"", "\"x\"", "\"\"", "null", "true", "false", "1", "-0.5e3",
        " ", "\n", "\"", "\\", "\"\u00e9\"", "\"\\u0000\"", "\"\\ud800\"", "NaN", "'", "//", "/*", "\u0000",
    };

    enum Expect {
        /** A valid request: SUCCEEDED once, its three effects once. */
        SUCCEED,
        /** REJECTED with INVALID_REQUEST and a DLQ copy. */
        INVALID,
        /** REJECTED with UNKNOWN_JOB, no DLQ copy. */
        UNKNOWN_JOB,
        /** REJECTED with INVALID_REQUEST or UNKNOWN_JOB (which one depends on Jackson's coercions). */
        REJECTED,
        /** Any one terminal completion (a mutation may still be a valid request). */
        ANY,
        /** Null or non-UTF-8 key: a DLQ copy only. */
        DLQ_ONLY,
        /**
         * A key so long that no completion naming it fits the producer's largest record: a DLQ copy
         * (its key cut) only, and one error line saying the completion could not be sent.
         */
        UNANSWERABLE
    }

    /** One produced record and what must happen to it. */
    static final class Rec {
        final String kind;
        final byte[] key;
        final byte[] value;
        final List<Header> headers;
        final String keyText;
        Expect expect;
        /** Text the rejection message (and DLQ reason) must contain, or null. */
        String marker;
        /** The compression.type of the producer that sends it ("none", "gzip", "zstd", "lz4"). */
        String codec = "none";
        int partition;
        long offset;
        long timestamp;

        Rec(String kind, byte[] key, byte[] value, List<Header> headers) {
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.headers = headers;
            this.keyText = key == null ? null : strictUtf8(key);
        }

        /**
         * The request id its rejection must echo: the last request-id header (what Kafka's
         * lastHeader gives), but none when that is over {@link #REQUEST_ID_MAX} (the request was
         * refused for it, and is not echoed); null without one.
         */
        byte[] echoedRequestId() {
            byte[] id = requestId();
            return id != null && id.length > REQUEST_ID_MAX ? null : id;
        }

        /** The value of the record's last request-id header (what Kafka's lastHeader gives), or null. */
        byte[] requestId() {
            byte[] last = null;
            for (Header h : headers) {
                if (h.key().equals(Completion.REQUEST_ID_HEADER)) {
                    last = h.value();
                }
            }
            return last;
        }

        /** Bytes of key, value and headers: what a producer's max.request.size is checked against, about. */
        long size() {
            long n = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
            for (Header h : headers) {
                n += utf8(h.key()).length + (h.value() == null ? 0 : h.value().length);
            }
            return n;
        }

        String describe() {
            return kind + " expect=" + expect + (marker == null ? "" : "(" + marker + ")") + " " + codec + " at " + partition + "@"
                    + offset + " key=" + hex(key, 80) + (keyText == null ? "" : " '" + printable(keyText, 80) + "'")
                    + (key != null && key.length > 80 ? " (" + key.length + " bytes)" : "") + " value=" + hex(value, 120)
                    + (value == null ? "" : " '" + printable(new String(value, 0, Math.min(value.length, 400),
                    StandardCharsets.UTF_8), 160) + "' (" + value.length + " bytes)") + " headers=" + headers.stream()
                    .map(h -> printable(h.key(), 40) + "=" + hex(h.value(), 24)).toList();
        }

        /** Whether its rejection names no job: refused before its job name was taken (request id) or for that name. */
        boolean rejectedWithoutJob() {
            return expect == Expect.INVALID && (REQUEST_ID_TOO_LONG.equals(marker) || JOB_NAME_TOO_LONG.equals(marker));
        }
    }

    final Random rnd;
    final Limits limits;
    /** Every key that could reach Postgres starts with it; from the seed, so a run repeats byte for byte. */
    final String keyPrefix;
    final Set<String> usedKeys = new HashSet<>();
    private final Set<String> registered = new HashSet<>();
    int seq;

    FuzzRecords(Random rnd, String keyPrefix, Limits limits) {
        this.rnd = rnd;
        this.keyPrefix = keyPrefix;
        this.limits = limits;
        for (JobDefinition d : TestJobs.all()) {
            registered.add(d.name());
        }
    }

    Rec valid() {
        int n = seq++;
        int variant = rnd.nextInt(40);
        String kind = "valid";
        String key;
        String json;
        if (variant == 0) {
            kind = "valid-key-255-bytes";
            key = padTo(key("v" + n + "-"), limits.keyMax());
            json = validJson(n);
        } else if (variant == 1) {
            kind = "valid-args-depth-" + limits.maxDepth();
            key = uniqueKey("v" + n);
            json = "{\"job\":\"" + JOB + "\",\"args\":" + nest(limits.maxDepth(), "{\"n\":" + n + "}") + "}";
        } else if (variant == 2) {
            kind = "valid-request-at-size-limit";
            key = uniqueKey("v" + n);
            String head = "{\"job\":\"" + JOB + "\",\"args\":{\"n\":" + n + ",\"pad\":\"";
            json = head + "p".repeat(limits.requestMax() - head.length() - 3) + "\"}}";
        } else if (variant == 3) {
            kind = "valid-args-null";
            key = uniqueKey("v" + n);
            json = "{\"args\":null,\"job\":\"" + JOB + "\"}";
        } else {
            key = uniqueKey("v" + n + (rnd.nextBoolean() ? "" : "-" + randomText(rnd.nextInt(8))));
            json = validJson(n);
        }
        byte[] k = utf8(key);
        if (!key.equals(strictUtf8(k)) || k.length > limits.keyMax() || key.indexOf('\0') >= 0 || !usedKeys.add(key)) {
            return valid(); // a random suffix broke the key (a lone surrogate, say): draw again
        }
        List<Header> headers = randomHeaders();
        return new Rec(kind, k, utf8(json), headers);
    }

    String validJson(int n) {
        StringBuilder args = new StringBuilder("{");
        List<String> fields = new ArrayList<>(List.of("\"n\":" + n, "\"s\":" + quote(randomText(rnd.nextInt(12)), rnd.nextBoolean())));
        if (rnd.nextInt(4) == 0) {
            fields.add("\"x\":[1,2.50,-0,1e2,true,false,null,{\"y\":\"\\u00e9\\ud83d\\ude80\"}]");
        }
        Collections.shuffle(fields, rnd);
        String ws = rnd.nextInt(5) == 0 ? " \n\t" : "";
        args.append(String.join("," + ws, fields)).append('}');
        return rnd.nextBoolean()
                ? "{" + ws + "\"job\"" + ws + ":" + ws + "\"" + JOB + "\"," + ws + "\"args\":" + args + ws + "}"
                : "{\"args\":" + args + ",\"job\":\"" + JOB + "\"}" + ws;
    }

    Rec bad() {
        int n = seq++;
        int pick = rnd.nextInt(1000);
        if (pick < 110) {
            return new Rec("random-bytes-value", utf8(uniqueKey("rb" + n)), randomValueBytes(), randomHeaders());
        }
        if (pick < 150) {
            byte[] key = randomBytes(rnd.nextInt(40));
            String text = strictUtf8(key);
            if (text != null && (usedKeys.contains(text) || !text.isEmpty() && text.indexOf('\0') < 0 && key.length <= limits.keyMax())) {
                // would be a usable key: keep it unique to this run (other test classes share Postgres)
                key = concat(utf8(key("rk" + n + ":")), key);
                text = strictUtf8(key);
                if (text != null && !usedKeys.add(text)) {
                    return bad();
                }
            } else if (text != null) {
                usedKeys.add(text);
            }
            return new Rec("random-bytes-key-and-value", key, randomValueBytes(), randomHeaders());
        }
        if (pick < 250) {
            StringBuilder b = new StringBuilder();
            for (int i = rnd.nextInt(30); i >= 0; i--) {
                b.append(GARBAGE_TOKENS[rnd.nextInt(GARBAGE_TOKENS.length)]);
            }
            return new Rec("garbage-tokens", utf8(uniqueKey("gt" + n)), utf8(b.toString()), randomHeaders());
        }
        if (pick < 530) {
            return new Rec("mutated-value", utf8(uniqueKey("mv" + n)), mutate(utf8(validJson(n))), randomHeaders());
        }
        if (pick < 600) {
            // a valid request under a mutated key: the key decides its fate
            byte[] prefix = utf8(key("mk" + n + ":"));
            byte[] key = concat(prefix, mutate(utf8(randomText(1 + rnd.nextInt(10)))));
            String text = strictUtf8(key);
            if (text != null && !usedKeys.add(text)) {
                return bad();
            }
            return new Rec("mutated-key", key, utf8(validJson(n)), randomHeaders());
        }
        if (pick < 700) {
            return wrongShape(n);
        }
        if (pick < 730) {
            String[] dups = {
                "{\"job\":\"" + JOB + "\",\"job\":\"" + JOB + "\",\"args\":{}}",
                "{\"job\":\"" + JOB + "\",\"args\":{},\"args\":{}}",
                "{\"job\":\"" + JOB + "\",\"args\":{\"a\":1,\"b\":2,\"a\":1}}",
                "{\"job\":\"" + JOB + "\",\"args\":{\"o\":{\"p\":[{\"q\":1,\"q\":2}]}}}",
                "{\"job\":\"no.such\",\"job\":\"" + JOB + "\"}",
            };
            Rec r = new Rec("duplicate-fields", utf8(uniqueKey("df" + n)), utf8(dups[rnd.nextInt(dups.length)]), randomHeaders());
            return expect(r, Expect.INVALID, "Duplicate field");
        }
        if (pick < 760) {
            int depth = rnd.nextInt(3) == 0 ? 1001 + rnd.nextInt(3000) : limits.maxDepth() + 1 + rnd.nextInt(60);
            String json = "{\"job\":\"" + JOB + "\",\"args\":" + nest(depth, rnd.nextBoolean() ? "{}" : "[]") + "}";
            Rec r = new Rec("args-too-deep", utf8(uniqueKey("dp" + n)), utf8(json), randomHeaders());
            return expect(r, Expect.INVALID, depth <= 1000 ? "acidic.args.max.depth" : null);
        }
        if (pick < 770) {
            int size = limits.requestMax() + 1 + (rnd.nextBoolean() ? 0 : rnd.nextInt(8000));
            byte[] value;
            if (rnd.nextBoolean()) {
                String head = "{\"job\":\"" + JOB + "\",\"args\":{\"big\":\"";
                value = utf8(head + "x".repeat(size - head.length() - 3) + "\"}}");
            } else {
                value = randomBytes(size);
            }
            return new Rec("oversized-request", utf8(uniqueKey("os" + n)), value, randomHeaders());
        }
        if (pick < 860) {
            return unknownJob(n);
        }
        if (pick < 890) {
            String[] nul = {
                "{\"job\":\"" + JOB + "\",\"args\":{\"s\":\"a\\u0000b\"}}",
                "{\"job\":\"" + JOB + "\",\"args\":{\"a\\u0000\":1}}",
                "{\"job\":\"" + JOB + "\",\"args\":{\"l\":[1,{\"m\":\"\\u0000\"}]}}",
            };
            Rec r = new Rec("nul-in-args", utf8(uniqueKey("na" + n)), utf8(nul[rnd.nextInt(nul.length)]), randomHeaders());
            return expect(r, Expect.INVALID, "Postgres");
        }
        if (pick < 910) {
            // a valid request but for an invalid UTF-8 sequence inside an args string
            byte[] bad = BAD_UTF8[rnd.nextInt(BAD_UTF8.length)];
            byte[] value = concat(utf8("{\"job\":\"" + JOB + "\",\"args\":{\"s\":\"a"), bad, utf8("b\"}}"));
            return new Rec("invalid-utf8-in-value", utf8(uniqueKey("iu" + n)), value, randomHeaders());
        }
        if (pick < 930) {
            String[] numbers = {"1e999", "1e1000", "1e1001", "-1e1000", "1e-1000", "1e-1001", "1e131072", "1e999999999",
                "1" + "0".repeat(999), "1" + "0".repeat(1000), "0." + "0".repeat(998) + "1", "123456789012345678901234567890e-30"};
            String json = "{\"job\":\"" + JOB + "\",\"args\":{\"n\":" + numbers[rnd.nextInt(numbers.length)] + "}}";
            return expect(new Rec("extreme-number-in-args", utf8(uniqueKey("xn" + n)), utf8(json), randomHeaders()), Expect.ANY, null);
        }
        if (pick < 955) {
            return new Rec("null-key", null, randomValueOrRequest(n), randomHeaders());
        }
        if (pick < 980) {
            byte[] bad = BAD_UTF8[rnd.nextInt(BAD_UTF8.length)];
            byte[] base = utf8(key("nu" + n));
            int at = rnd.nextInt(base.length + 1);
            byte[] key = concat(Arrays.copyOfRange(base, 0, at), bad, Arrays.copyOfRange(base, at, base.length));
            return new Rec("non-utf8-key", key, randomValueOrRequest(n), randomHeaders());
        }
        if (!usedKeys.contains("") && rnd.nextInt(5) == 0) {
            usedKeys.add("");
            return new Rec("empty-key", new byte[0], utf8(validJson(n)), randomHeaders());
        }
        if (rnd.nextBoolean()) {
            String base = uniqueKey("nk" + n);
            int at = rnd.nextInt(base.length() + 1);
            String key = base.substring(0, at) + "\0" + base.substring(at);
            usedKeys.add(key);
            return new Rec("nul-in-key", utf8(key), utf8(validJson(n)), randomHeaders());
        }
        String filler = new String[] {"k", "\u00e9", "\u4e2d", "\ud83d\ude80"}[rnd.nextInt(4)];
        StringBuilder key = new StringBuilder(uniqueKey("lk" + n) + "-");
        int target = rnd.nextBoolean() ? limits.keyMax() + 1 : limits.keyMax() + 1 + rnd.nextInt(600);
        while (utf8(key.toString()).length < target) {
            key.append(utf8(key.toString()).length + filler.length() * 4 <= target ? filler : "k");
        }
        usedKeys.add(key.toString());
        return new Rec("key-too-long", utf8(key.toString()), utf8(validJson(n)), randomHeaders());
    }

    private Rec wrongShape(int n) {
        String j = "\"job\":\"" + JOB + "\"";
        Object[][] shapes = {
            {"[]", Expect.INVALID, null}, {"[{" + j + "}]", Expect.INVALID, null}, {"123", Expect.INVALID, null},
            {"-1.5e10", Expect.INVALID, null}, {"\"" + JOB + "\"", Expect.INVALID, null}, {"true", Expect.INVALID, null},
            {"false", Expect.INVALID, null}, {"null", Expect.INVALID, null}, {" null\n", Expect.INVALID, null},
            {"{}", Expect.INVALID, null}, {"{\"job\":null}", Expect.INVALID, null}, {"{\"job\":\"\"}", Expect.INVALID, null},
            {"{\"job\":\"  \"}", Expect.INVALID, null}, {"{\"job\":[\"" + JOB + "\"]}", Expect.INVALID, null},
            {"{\"job\":{\"name\":\"" + JOB + "\"}}", Expect.INVALID, null}, {"{\"job\":123}", Expect.REJECTED, null},
            {"{\"job\":true}", Expect.REJECTED, null}, {"{" + j + ",\"args\":[1,2]}", Expect.INVALID, "must be a JSON object"},
            {"{" + j + ",\"args\":\"a\"}", Expect.INVALID, "must be a JSON object"}, {"{" + j + ",\"args\":42}", Expect.INVALID,
                "must be a JSON object"}, {"{" + j + ",\"args\":false}", Expect.INVALID, "must be a JSON object"},
            {"{\"args\":{}}", Expect.INVALID, null}, {"{" + j + ",\"args\":{}} {}", Expect.INVALID, null},
            {"{" + j + ",\"args\":{}}]", Expect.INVALID, null}, {"{" + j + "}x", Expect.INVALID, null},
            {"/* c */{" + j + "}", Expect.INVALID, null}, {"{'job':'" + JOB + "'}", Expect.INVALID, null},
            {"{job:\"" + JOB + "\"}", Expect.INVALID, null}, {"{" + j + ",\"args\":{\"x\":NaN}}", Expect.INVALID, null},
            {"{" + j + ",\"args\":{\"a\":1,}}", Expect.INVALID, null}, {"{" + j + ",}", Expect.INVALID, null},
            {"", Expect.INVALID, null}, {"   \n", Expect.INVALID, null}, {null, Expect.INVALID, "no value"},
            {"{" + j, Expect.INVALID, null}, {"{\"job\":\"" + JOB, Expect.INVALID, null},
            {"\"" + "s".repeat(2000) + "\"", Expect.INVALID, null},
            {"[" + "[".repeat(rnd.nextInt(2000)), Expect.INVALID, null},
        };
        Object[] s = shapes[rnd.nextInt(shapes.length)];
        Rec r = new Rec("wrong-shape", utf8(uniqueKey("ws" + n)), s[0] == null ? null : utf8((String) s[0]), randomHeaders());
        return expect(r, (Expect) s[1], (String) s[2]);
    }

    private Rec unknownJob(int n) {
        String[] names = {
            "test.three-step", "Test.three-steps", "test.three-steps ", " test.three-steps", "test.three-steps\\u0000",
            "test.three-steps\\n", "test.three\\u2010steps", "\\ud800", "x\\udc00y", "../../etc/passwd", "${jndi:ldap://x/a}",
            "java.lang.Runtime", "acidic.requests", "\\u0000", "\\u0007\\u001b[31m", "test.child.", "test", "*", "%s%n",
            "t".repeat(1 + rnd.nextInt(3000)), jsonEscape(randomText(1 + rnd.nextInt(20)), rnd.nextBoolean()),
            // at and just over JobRegistry.NAME_MAX_CHARS, counted in UTF-16 units as Java does (the
            // last one is 256 code points, 257 units)
            "t".repeat(JobRegistry.NAME_MAX_CHARS), "t".repeat(JobRegistry.NAME_MAX_CHARS + 1),
            "\\u00e9".repeat(JobRegistry.NAME_MAX_CHARS - 1) + "\\ud83d\\ude80",
        };
        String name = names[rnd.nextInt(names.length)];
        String json = "{\"job\":\"" + name + "\",\"args\":{\"n\":" + n + "}}";
        String decoded;
        try {
            decoded = dev.acidic.api.Wire.mapper().readTree(json).get("job").asText();
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
        if (registered.contains(decoded) || decoded.isBlank()) {
            return unknownJob(n);
        }
        Rec r = new Rec("unknown-job", utf8(uniqueKey("uj" + n)), utf8(json), randomHeaders());
        // no job can have a name that long: invalid, not unknown (its answer would echo it, twice)
        return decoded.length() > JobRegistry.NAME_MAX_CHARS ? expect(r, Expect.INVALID, JOB_NAME_TOO_LONG)
                : expect(r, Expect.UNKNOWN_JOB, null);
    }

    private byte[] randomValueOrRequest(int n) {
        return rnd.nextBoolean() ? utf8(validJson(n)) : randomValueBytes();
    }

    private byte[] randomValueBytes() {
        int r = rnd.nextInt(20);
        if (r == 0) {
            return null;
        }
        if (r == 1) {
            return new byte[0];
        }
        return randomBytes(1 + rnd.nextInt(r < 4 ? 2000 : 200));
    }

    byte[] randomBytes(int len) {
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        return b;
    }

    byte[] mutate(byte[] in) {
        byte[] b = in;
        for (int m = 1 + rnd.nextInt(4); m > 0; m--) {
            int len = b.length;
            switch (rnd.nextInt(7)) {
                case 0 -> b = Arrays.copyOf(b, len == 0 ? 0 : rnd.nextInt(len)); // truncate
                case 1 -> { // flip a bit
                    if (len > 0) {
                        b = b.clone();
                        b[rnd.nextInt(len)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2 -> { // replace a byte
                    if (len > 0) {
                        b = b.clone();
                        b[rnd.nextInt(len)] = interestingByte();
                    }
                }
                case 3 -> { // insert bytes
                    int at = rnd.nextInt(len + 1);
                    byte[] ins = rnd.nextInt(4) == 0 ? BAD_UTF8[rnd.nextInt(BAD_UTF8.length)] : new byte[] {interestingByte()};
                    b = concat(Arrays.copyOfRange(b, 0, at), ins, Arrays.copyOfRange(b, at, len));
                }
                case 4 -> { // delete a range
                    if (len > 0) {
                        int at = rnd.nextInt(len);
                        int end = Math.min(len, at + 1 + rnd.nextInt(6));
                        b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, end, len));
                    }
                }
                case 5 -> { // duplicate a range
                    if (len > 0) {
                        int at = rnd.nextInt(len);
                        int end = Math.min(len, at + 1 + rnd.nextInt(12));
                        b = concat(Arrays.copyOfRange(b, 0, end), Arrays.copyOfRange(b, at, len));
                    }
                }
                default -> { // swap two bytes
                    if (len > 1) {
                        b = b.clone();
                        int i = rnd.nextInt(len);
                        int k = rnd.nextInt(len);
                        byte t = b[i];
                        b[i] = b[k];
                        b[k] = t;
                    }
                }
            }
        }
        return b;
    }

    private byte interestingByte() {
        byte[] special = utf8("{}[]\":,\\ 0-e.nt\u00e9");
        return rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : rnd.nextInt(8) == 0 ? 0 : special[rnd.nextInt(special.length)];
    }

    List<Header> randomHeaders() {
        List<Header> out = new ArrayList<>();
        if (rnd.nextInt(10) < 7) {
            return out;
        }
        String[] names = {Completion.REQUEST_ID_HEADER, Completion.REQUEST_ID_HEADER, "acidic.reason", "acidic.source.offset",
            "acidic.source.partition", "", "h\u00e9\ud83d\ude80", "x-trace"};
        for (int i = rnd.nextInt(4); i >= 0; i--) {
            String name = rnd.nextInt(4) == 0 ? randomText(rnd.nextInt(10)) : names[rnd.nextInt(names.length)];
            byte[] value = switch (rnd.nextInt(5)) {
                case 0 -> null;
                case 1 -> new byte[0];
                case 2 -> utf8(new java.util.UUID(rnd.nextLong(), rnd.nextLong()).toString());
                default -> randomBytes(rnd.nextInt(64));
            };
            out.add(new RecordHeader(name, value));
        }
        return out;
    }

    String randomText(int len) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) {
            b.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    String key(String label) {
        return keyPrefix + label;
    }

    /** A key of this run, not used before. */
    String uniqueKey(String label) {
        String key = key(label);
        if (usedKeys.contains(key)) {
            throw new IllegalStateException("generated the same key twice: " + key);
        }
        return key;
    }

    static String padTo(String prefix, int bytes) {
        StringBuilder b = new StringBuilder(prefix);
        String[] fill = {"\u00e9", "\u4e2d", "\ud83d\ude80"};
        int i = 0;
        while (utf8(b.toString()).length < bytes) {
            String f = fill[i++ % fill.length];
            b.append(utf8(b.toString()).length + utf8(f).length <= bytes ? f : "k");
        }
        return b.toString();
    }

    static String nest(int depth, String inner) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < depth; i++) {
            b.append(i % 2 == 0 ? "[" : "{\"d\":");
        }
        b.append(inner);
        for (int i = depth - 1; i >= 1; i--) {
            b.append(i % 2 == 0 ? "]" : "}");
        }
        return b.toString();
    }

    private String quote(String s, boolean asciiOnly) {
        return "\"" + jsonEscape(s, asciiOnly) + "\"";
    }

    static String jsonEscape(String s, boolean asciiOnly) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static Rec expect(Rec r, Expect e, String marker) {
        r.expect = e;
        r.marker = marker;
        return r;
    }

    /**
     * What must happen to a record, from the contract's rules in the order the processor applies
     * them: the key (null or not UTF-8: DLQ only; empty, too long, NUL: invalid; too long for any
     * completion to name: unanswerable), then the request-id header (over {@link #REQUEST_ID_MAX}:
     * invalid), then the size, then the value (which must be UTF-8 JSON), then what its generator
     * made of it.
     */
    void classify(Rec r) {
        if (r.key == null) {
            expect(r, Expect.DLQ_ONLY, "null key");
        } else if (r.keyText == null) {
            expect(r, Expect.DLQ_ONLY, "not valid UTF-8");
        } else if (r.keyText.isEmpty()) {
            expect(r, Expect.INVALID, "empty key");
        } else if (r.key.length > limits.keyMax()) {
            // a completion names its key in its value too: past half the record, none can fit
            expect(r, r.key.length > MAX_RECORD / 2 ? Expect.UNANSWERABLE : Expect.INVALID, "acidic.key.max.bytes");
        } else if (r.keyText.indexOf('\0') >= 0) {
            expect(r, Expect.INVALID, "NUL");
        } else if (r.requestId() != null && r.requestId().length > REQUEST_ID_MAX) {
            expect(r, Expect.INVALID, REQUEST_ID_TOO_LONG);
        } else if (r.value != null && r.value.length > limits.requestMax()) {
            expect(r, Expect.INVALID, "acidic.request.max.bytes");
        } else if (r.value != null && strictUtf8(r.value) == null) {
            expect(r, Expect.INVALID, null); // RFC 8259 and the wire contract: a request value is UTF-8
        } else if (r.expect == null) {
            switch (r.kind) {
                case "mutated-value", "mutated-key" -> expect(r, Expect.ANY, null);
                case "garbage-tokens" -> expect(r, Expect.REJECTED, null);
                case "random-bytes-value", "random-bytes-key-and-value" -> expect(r, Expect.INVALID, null);
                default -> {
                    if (r.kind.startsWith("valid")) {
                        expect(r, Expect.SUCCEED, null);
                    } else {
                        throw new IllegalStateException("no expectation for " + r.describe());
                    }
                }
            }
        }
        if (r.kind.equals("mutated-key") && r.expect == Expect.ANY) {
            r.expect = Expect.SUCCEED; // a usable key with a valid request
        }
    }
}
