package dev.acidic.processor.it;

import static dev.acidic.processor.it.FuzzBytes.hex;
import static dev.acidic.processor.it.FuzzBytes.printable;
import static dev.acidic.processor.it.FuzzBytes.sha256;
import static dev.acidic.processor.it.FuzzBytes.utf8;
import static dev.acidic.processor.it.FuzzRecords.JOB;
import static dev.acidic.processor.it.FuzzRecords.MAX_RECORD;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.it.FuzzRecords.Expect;
import dev.acidic.processor.it.FuzzRecords.Rec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * FuzzIT's verdict on a run: each record got what its {@link Expect} says (one completion per
 * answerable key, a DLQ copy of each malformed record, cut to fit the producer's largest record
 * with the original's size and SHA-256 in headers), every valid job's effects once, nothing else.
 */
final class FuzzChecks {
    private static final List<String> STEPS = List.of("first", "second", "third");
    /** Headers of a cut DLQ copy (Replies). */
    static final String TRUNCATED = "acidic.truncated";
    static final String ORIGINAL_SIZE = "acidic.original.size";
    static final String ORIGINAL_SHA256 = "acidic.original.sha256";
    static final String ORIGINAL_KEY_SIZE = "acidic.original.key.size";
    static final String ORIGINAL_KEY_SHA256 = "acidic.original.key.sha256";

    private final Harness h;
    private final String keyPrefix;

    FuzzChecks(Harness h, String keyPrefix) {
        this.h = h;
        this.keyPrefix = keyPrefix;
    }

    void check(List<Rec> recs, Map<String, List<ConsumerRecord<byte[], byte[]>>> completions, int completionCount,
            Map<String, List<ConsumerRecord<byte[], byte[]>>> dlq, int dlqCount, List<String> failures) throws Exception {
        Map<String, List<String>> effects = effects();
        int keyed = 0;
        int expectedCopies = 0;
        Set<String> ran = new HashSet<>();
        for (Rec r : recs) {
            List<ConsumerRecord<byte[], byte[]>> copies = dlq.getOrDefault(r.partition + "@" + r.offset, List.of());
            if (r.expect == Expect.DLQ_ONLY || r.expect == Expect.UNANSWERABLE) {
                expectedCopies++;
                checkCopy(r, copies, r.marker, failures);
                if (r.keyText != null && completions.containsKey(r.keyText)) {
                    failures.add(completions.get(r.keyText).size() + " completions under a key no completion can fit: " + r.describe());
                }
                continue;
            }
            keyed++;
            List<ConsumerRecord<byte[], byte[]>> answers = completions.getOrDefault(r.keyText, List.of());
            if (answers.size() != 1) {
                failures.add(answers.size() + " completions instead of 1: " + r.describe() + " " + decodeAll(answers));
                if (answers.isEmpty()) {
                    continue;
                }
            }
            ConsumerRecord<byte[], byte[]> answer = answers.get(0);
            Completion c;
            try {
                c = Completion.decode(answer.value());
            } catch (RuntimeException e) {
                failures.add("undecodable completion " + hex(answer.value(), 200) + ": " + r.describe());
                continue;
            }
            if (!r.keyText.equals(c.key())) {
                failures.add("completion names key " + printable(c.key(), 80) + ": " + r.describe());
            }
            boolean rejected = c.status() == CompletionStatus.REJECTED;
            String reason = c.reason();
            String message = c.error() == null ? null : c.error().message();
            String what = c.status() + (reason == null ? "" : "/" + reason) + (c.replay() ? " replay" : "") + " "
                    + (message == null ? "" : printable(message, 300)) + ": " + r.describe();
            switch (r.expect) {
                case SUCCEED -> {
                    if (c.status() != CompletionStatus.SUCCEEDED || c.replay() || !JOB.equals(c.job())) {
                        failures.add("a valid request got " + what);
                    }
                }
                case INVALID -> {
                    if (!rejected || !Completion.INVALID_REQUEST.equals(reason)) {
                        failures.add("expected REJECTED/INVALID_REQUEST, got " + what + stored(r.keyText));
                    }
                }
                case UNKNOWN_JOB -> {
                    if (!rejected || !Completion.UNKNOWN_JOB.equals(reason)) {
                        failures.add("expected REJECTED/UNKNOWN_JOB, got " + what);
                    }
                }
                case REJECTED -> {
                    if (!rejected || !(Completion.INVALID_REQUEST.equals(reason) || Completion.UNKNOWN_JOB.equals(reason))) {
                        failures.add("expected REJECTED (INVALID_REQUEST or UNKNOWN_JOB), got " + what);
                    }
                }
                case ANY -> {
                    if (c.replay() || rejected && Completion.MISMATCHED_ARGUMENTS.equals(reason)) {
                        failures.add("a fresh unique key got " + what);
                    }
                }
                default -> throw new IllegalStateException(r.expect.toString());
            }
            if (rejected) {
                if (message == null || message.isBlank() || c.error().type() == null || !c.error().type().equals(reason)) {
                    failures.add("a rejection without its reason and message: " + what);
                }
                if (r.marker != null && (message == null || !message.contains(r.marker))) {
                    failures.add("the rejection does not say '" + r.marker + "': " + what);
                }
                if (r.rejectedWithoutJob() && c.job() != null) {
                    failures.add("the rejection names job " + printable(c.job(), 80) + " instead of none: " + what);
                }
                if (c.job() != null && c.job().length() > JobRegistry.NAME_MAX_CHARS) {
                    failures.add("the rejection names a job of " + c.job().length() + " characters, over "
                            + JobRegistry.NAME_MAX_CHARS + ": " + what);
                }
                Header rid = answer.headers().lastHeader(Completion.REQUEST_ID_HEADER);
                byte[] want = r.echoedRequestId();
                if (!Arrays.equals(want, rid == null ? null : rid.value())) {
                    failures.add("the rejection carries request id " + hex(rid == null ? null : rid.value(), 64) + " instead of "
                            + hex(want, 64) + ": " + r.describe());
                }
            } else if (!c.replay() && answer.headers().lastHeader(Completion.REQUEST_ID_HEADER) != null) {
                failures.add("a job's own completion carries a request id: " + what);
            }
            if (c.status() == CompletionStatus.SUCCEEDED && !c.replay() && JOB.equals(c.job())) {
                ran.add(r.keyText);
                if (!STEPS.equals(effects.get(r.keyText))) {
                    failures.add("effects " + effects.get(r.keyText) + " instead of " + STEPS + " once each: " + what);
                }
            }
            if (rejected && Completion.INVALID_REQUEST.equals(reason)) {
                expectedCopies++;
                // the header holds the reason's UTF-8 bytes: an unpaired surrogate in it becomes '?'
                checkCopy(r, copies, message == null ? null : new String(utf8(Completion.INVALID_REQUEST + ": " + message),
                        StandardCharsets.UTF_8), failures);
            } else if (!copies.isEmpty()) {
                failures.add(copies.size() + " DLQ copies of a record answered " + what);
            }
        }
        for (String k : effects.keySet()) {
            if (!ran.contains(k)) {
                failures.add("effects " + effects.get(k) + " for key '" + printable(k, 80) + "', which did not succeed");
            }
        }
        if (completionCount != keyed) {
            failures.add(completionCount + " completion records for " + keyed + " records with a key (answers to nothing?)");
        }
        if (dlqCount != expectedCopies) {
            failures.add(dlqCount + " DLQ records where " + expectedCopies + " were expected");
        }
    }

    /**
     * The pending store's changelog: every entry a request of this run (its key, value, request id,
     * topic, partition, offset, timestamp, as Pending.encode writes them), each deleted once
     * answered; and some valid requests at the size limit went through it, queued for their batch,
     * in records larger than the ones they came in. That path looped a stream thread when such a
     * record did not fit the producer's max.request.size, so a run that never takes it checks little.
     */
    static void checkPendingStore(List<Rec> recs, List<ConsumerRecord<byte[], byte[]>> changelog, String requestsTopic,
            int requestMax, List<String> failures) {
        Map<String, Rec> byCoordinates = new HashMap<>();
        recs.forEach(r -> byCoordinates.put(r.partition + "@" + r.offset, r));
        Map<String, Boolean> kept = new HashMap<>(); // store key -> whether its last changelog record holds an entry
        Set<Rec> queued = new HashSet<>();
        long largest = 0;
        for (ConsumerRecord<byte[], byte[]> c : changelog) {
            String storeKey = hex(c.key(), 1_000);
            kept.put(storeKey, c.value() != null);
            if (c.value() == null) {
                continue;
            }
            largest = Math.max(largest, (long) length(c.key()) + c.value().length);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(c.value());
            String topic;
            int partition;
            long offset;
            try {
                skip(b, b.getInt()); // key
                skip(b, b.getInt()); // value
                int rid = b.getInt();
                skip(b, Math.max(0, rid)); // request id, -1 for none
                byte[] t = new byte[b.getInt()];
                b.get(t);
                topic = new String(t, StandardCharsets.UTF_8);
                partition = b.getInt();
                offset = b.getLong();
            } catch (RuntimeException e) {
                failures.add("an unreadable pending-store entry (" + e + "): " + hex(c.value(), 120));
                continue;
            }
            Rec r = topic.equals(requestsTopic) ? byCoordinates.get(partition + "@" + offset) : null;
            if (r == null) {
                failures.add("a pending-store entry for " + printable(topic, 200) + "-" + partition + "@" + offset
                        + ", which is no record of this run");
            } else {
                queued.add(r); // accepted by the decoder; Postgres may still refuse it (a NUL in its args)
            }
        }
        long left = kept.values().stream().filter(x -> x).count();
        if (left > 0) {
            failures.add(left + " pending-store entries left after every request was answered");
        }
        List<Rec> atLimit = recs.stream().filter(r -> r.expect == Expect.SUCCEED && r.value != null
                && r.value.length == requestMax).toList();
        List<Rec> nearLimit = recs.stream().filter(r -> r.expect == Expect.SUCCEED && r.value != null
                && r.value.length > requestMax - 16).toList();
        long atLimitQueued = atLimit.stream().filter(queued::contains).count();
        long nearLimitQueued = nearLimit.stream().filter(queued::contains).count();
        System.out.printf("FuzzIT pending store: %d valid requests went through it, %d of the %d at acidic.request.max.bytes (%d),"
                + " %d of the %d within 16 bytes of it; its largest record %d bytes of key and value (max.request.size %d)%n",
                queued.size(), atLimitQueued, atLimit.size(), requestMax, nearLimitQueued, nearLimit.size(), largest, MAX_RECORD);
        if (atLimitQueued == 0) {
            failures.add("none of the " + atLimit.size() + " valid requests of exactly acidic.request.max.bytes (" + requestMax
                    + ") waited for its batch in the pending store: the largest records it writes were not tried");
        }
    }

    private static void skip(java.nio.ByteBuffer b, int n) {
        b.position(b.position() + n);
    }

    /** What Postgres holds for a key that should not have run, for the failure message. */
    private String stored(String key) throws Exception {
        Map<String, Object> row = h.keyRow(key);
        return row == null ? "" : "; Postgres stored job '" + printable(String.valueOf(row.get("job")), 60) + "' args "
                + printable(String.valueOf(row.get("args")), 200);
    }

    /**
     * A DLQ copy: the record's own key and value bytes (or, when they cannot fit the producer's
     * largest record, their beginnings with headers giving the original's size and SHA-256), its
     * timestamp, and headers naming why and where from.
     */
    private void checkCopy(Rec r, List<ConsumerRecord<byte[], byte[]>> copies, String reason, List<String> failures) {
        if (copies.size() != 1) {
            failures.add(copies.size() + " DLQ copies instead of 1: " + r.describe());
            return;
        }
        ConsumerRecord<byte[], byte[]> d = copies.get(0);
        List<String> wrong = new ArrayList<>();
        List<String> truncated = headers(d, TRUNCATED);
        boolean cut = !truncated.isEmpty();
        long original = (long) length(r.key) + length(r.value);
        if (cut && !truncated.equals(List.of("true"))) {
            wrong.add(TRUNCATED + " " + truncated);
        }
        if (!cut && original >= MAX_RECORD) {
            wrong.add("no " + TRUNCATED + " header, though its key and value (" + original + " bytes) cannot fit in one record");
        }
        boolean keyCut = checkPart("key", r.key, d.key(), headers(d, ORIGINAL_KEY_SIZE), headers(d, ORIGINAL_KEY_SHA256), wrong);
        boolean valueCut = checkPart("value", r.value, d.value(), headers(d, ORIGINAL_SIZE), headers(d, ORIGINAL_SHA256), wrong);
        if (cut != (keyCut || valueCut)) {
            wrong.add(cut ? "marked cut, but neither key nor value says so" : "key or value cut without " + TRUNCATED);
        }
        long size = (long) length(d.key()) + length(d.value());
        for (Header x : d.headers()) {
            size += utf8(x.key()).length + length(x.value());
        }
        if (size > MAX_RECORD) {
            wrong.add("a copy of " + size + " bytes, over the producer's max.request.size (" + MAX_RECORD + ")");
        }
        if (d.timestamp() != r.timestamp) {
            wrong.add("timestamp " + d.timestamp() + " instead of " + r.timestamp);
        }
        for (String[] hv : new String[][] {{"acidic.source.topic", h.config.requestsTopic()},
            {"acidic.source.partition", Integer.toString(r.partition)}, {"acidic.source.offset", Long.toString(r.offset)}}) {
            if (!headers(d, hv[0]).equals(List.of(hv[1]))) {
                wrong.add(hv[0] + " " + headers(d, hv[0]));
            }
        }
        List<String> reasons = headers(d, "acidic.reason");
        boolean byKeyOnly = r.expect == Expect.DLQ_ONLY || r.expect == Expect.UNANSWERABLE;
        boolean reasonOk = reasons.size() == 1 && (byKeyOnly ? reasons.get(0).contains(reason) : reasons.get(0).equals(reason));
        if (!reasonOk) {
            wrong.add("acidic.reason " + reasons.stream().map(x -> printable(x, 300)).toList() + " (expected "
                    + (byKeyOnly ? "to contain " : "") + printable(reason, 300) + ")");
        }
        if (!wrong.isEmpty()) {
            failures.add("DLQ copy has " + wrong + ": " + r.describe());
        }
    }

    /** Checks a copy's key or value against the original's; returns whether the copy says it was cut. */
    private static boolean checkPart(String what, byte[] original, byte[] copy, List<String> sizes, List<String> shas,
            List<String> wrong) {
        if (sizes.isEmpty() && shas.isEmpty()) {
            if (!Arrays.equals(original, copy)) {
                wrong.add(what + " " + hex(copy, 80) + " (" + length(copy) + " bytes, the original " + length(original) + ")");
            }
            return false;
        }
        if (original == null) {
            wrong.add(what + " said to be cut, but the original had none");
            return true;
        }
        if (!sizes.equals(List.of(Integer.toString(original.length)))) {
            wrong.add(what + " size headers " + sizes + " instead of [" + original.length + "]");
        }
        if (!shas.equals(List.of(sha256(original)))) {
            wrong.add(what + " SHA-256 headers " + shas + " instead of [" + sha256(original) + "]");
        }
        if (copy == null || copy.length >= original.length || !FuzzBytes.startsWith(original, copy)) {
            wrong.add(what + " cut to " + length(copy) + " bytes that are not the beginning of the original's " + original.length);
        }
        return true;
    }

    private Map<String, List<String>> effects() throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT idempotency_key, step FROM test_effects WHERE starts_with(idempotency_key, ?) ORDER BY at")) {
            ps.setString(1, keyPrefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Prints, per kind of input, what it got: completion status/reason, DLQ reasons and cut copies, and codecs. */
    static void summarize(List<Rec> recs, Map<String, List<ConsumerRecord<byte[], byte[]>>> completions,
            Map<String, List<ConsumerRecord<byte[], byte[]>>> dlq) {
        Map<String, Map<String, Integer>> table = new TreeMap<>();
        Map<String, Integer> codecs = new TreeMap<>();
        for (Rec r : recs) {
            codecs.merge(r.codec, 1, Integer::sum);
            String kind = r.kind.startsWith("valid") && !r.kind.startsWith("valid-near") && !r.kind.startsWith("valid-big")
                    ? "valid" : r.kind;
            Map<String, Integer> row = table.computeIfAbsent(kind, k -> new TreeMap<>());
            row.merge("count", 1, Integer::sum);
            if (!r.codec.equals("none")) {
                row.merge("compressed", 1, Integer::sum);
            }
            if (r.keyText != null) {
                for (ConsumerRecord<byte[], byte[]> a : completions.getOrDefault(r.keyText, List.of())) {
                    Completion c = Completion.decode(a.value());
                    row.merge(c.status() + (c.reason() == null ? "" : "/" + c.reason()), 1, Integer::sum);
                }
            }
            for (ConsumerRecord<byte[], byte[]> d : dlq.getOrDefault(r.partition + "@" + r.offset, List.of())) {
                row.merge("dlq[" + reasonClass(header(d, "acidic.reason")) + "]", 1, Integer::sum);
                if (d.headers().lastHeader(TRUNCATED) != null) {
                    row.merge("dlq-cut", 1, Integer::sum);
                }
            }
        }
        StringBuilder b = new StringBuilder("FuzzIT outcomes by kind of input (records by codec: " + codecs + "):");
        table.forEach((k, v) -> b.append("\n  ").append(k).append(": ").append(v));
        System.out.println(b);
    }

    private static String reasonClass(String reason) {
        if (reason == null) {
            return "none";
        }
        String r = reason.replaceAll("[0-9]+", "N");
        int cut = r.indexOf(':', r.startsWith(Completion.INVALID_REQUEST + ":") ? Completion.INVALID_REQUEST.length() + 1 : 0);
        r = cut < 0 ? r : r.substring(0, cut);
        return r.length() > 70 ? r.substring(0, 70) : r;
    }

    private static List<String> decodeAll(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> printable(new String(r.value(), StandardCharsets.UTF_8), 300)).toList();
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return FuzzBytes.header(r.headers().lastHeader(name));
    }

    /** Every value of a header, in order. */
    private static List<String> headers(ConsumerRecord<byte[], byte[]> r, String name) {
        List<String> all = new ArrayList<>();
        r.headers().headers(name).forEach(x -> all.add(FuzzBytes.header(x)));
        return all;
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
