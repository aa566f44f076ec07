package dev.acidic.processor.it;

import static dev.acidic.processor.it.FuzzBytes.utf8;
import static dev.acidic.processor.it.FuzzRecords.JOB;
import static dev.acidic.processor.it.FuzzRecords.JOB_NAME_TOO_LONG;
import static dev.acidic.processor.it.FuzzRecords.MAX_RECORD;
import static dev.acidic.processor.it.FuzzRecords.REQUEST_ID_MAX;

import dev.acidic.api.Completion;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.it.FuzzRecords.Expect;
import dev.acidic.processor.it.FuzzRecords.Limits;
import dev.acidic.processor.it.FuzzRecords.Rec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Compressed and over-limit records for FuzzIT. A record over every limit can still reach the
 * processor: the broker checks a batch's compressed size, so a producer with {@code compression.type}
 * gzip (and a raised {@code max.request.size}) gets a 3 MiB request of repetitive JSON through the
 * broker's 1 MiB limit. The processor must answer it as any other bad record, and every record it
 * sends for it must fit its own producer's {@code max.request.size}: a DLQ copy is cut, with headers
 * giving the original's size and SHA-256. Records just under a limit must be accepted and run,
 * those just over it answered INVALID_REQUEST: the request size, the key, the args' depth, the
 * request-id header ({@link FuzzRecords#REQUEST_ID_MAX} bytes, not echoed when over) and the job
 * name (JobRegistry.NAME_MAX_CHARS; a longer one is invalid, not unknown, and its answer names no
 * job). A valid request at the size limit, queued for a batch, is written again whole in the
 * pending store's changelog, with its key and request id: that record must fit too (FuzzIT checks
 * that some went that way). Everything is drawn from the {@link FuzzRecords}' Random, so the seed
 * repeats it.
 */
final class FuzzLimits {
    /** The compressed producers' types; besides them one producer sends uncompressed. */
    static final List<String> CODECS = List.of("gzip", "zstd", "lz4");
    /** Records larger than this (key, value, headers) go compressed: a plain producer would refuse them. */
    static final int PLAIN_MAX = 1_000_000;
    /** Where Replies starts cutting a DLQ copy: its room for headers (16 KiB). A probe point; no check relies on it. */
    private static final int COPY_ROOM = 16_384;
    private static final String[] UNITS = {"x", "ab", "{\\\"a\\\":[1,2]},", "\u00e9\u4e2d", "\ud83d\ude80 ", "\\n\\t\\\"\\\\"};

    private final FuzzRecords g;
    private final Random rnd;
    private final Limits limits;

    FuzzLimits(FuzzRecords g) {
        this.g = g;
        this.rnd = g.rnd;
        this.limits = g.limits;
    }

    /** A record over a limit or just under one, under a key of its own; most of them compressible. */
    Rec next() {
        int n = g.seq++;
        int pick = rnd.nextInt(100);
        if (pick < 12) {
            return hugeValue(n, "huge-request", true);
        }
        if (pick < 20) {
            return hugeValue(n, "huge-garbage", false);
        }
        if (pick < 30) {
            return overRequestMax(n);
        }
        if (pick < 42) {
            return keyOverLimit(n);
        }
        if (pick < 44) {
            return giantKey(n);
        }
        if (pick < 54) {
            return argsTooDeep(n);
        }
        if (pick < 70) {
            return nearLimits(n);
        }
        if (pick < 78) {
            return longJobName(n);
        }
        if (pick < 90) {
            return bigHeader(n, Completion.REQUEST_ID_HEADER, "big-request-id");
        }
        return bigHeader(n, "x-trace", "big-header");
    }

    /**
     * Picks the producer of a record: a share of every kind goes compressed (gzip most), and all
     * those too large for a plain producer do.
     */
    void assignCodec(Rec r) {
        int c = rnd.nextInt(r.size() > PLAIN_MAX ? 9 : 20);
        r.codec = c < 5 ? CODECS.get(0) : c < 7 ? CODECS.get(1) : c < 9 ? CODECS.get(2) : "none";
    }

    // ---------------------------------------------------------------- kinds

    /** A value over the request limit and (mostly) over the producer's max.request.size: JSON or garbage. */
    private Rec hugeValue(int n, String kind, boolean json) {
        String key = g.uniqueKey(kind.substring(0, 2) + n);
        g.usedKeys.add(key);
        int size = Math.max(limits.requestMax() + 1, hugeSize(utf8(key).length));
        return new Rec(kind, utf8(key), json ? bigRequest(n, size) : garbage(size), g.randomHeaders());
    }

    /**
     * Over the request limit by a few bytes, or by more while a copy of it still fits whole under the
     * producer's limit (past it when there is no such room: the largest request limit allowed).
     */
    private Rec overRequestMax(int n) {
        String key = g.uniqueKey("om" + n);
        g.usedKeys.add(key);
        int room = MAX_RECORD - COPY_ROOM - 1_000 - limits.requestMax();
        int size = rnd.nextInt(3) == 0 ? limits.requestMax() + 1 + rnd.nextInt(4)
                : room <= 0 ? hugeSize(utf8(key).length) : limits.requestMax() + 1 + rnd.nextInt(room);
        size = Math.max(limits.requestMax() + 1, size);
        return new Rec("over-request-max", utf8(key), rnd.nextBoolean() ? bigRequest(n, size) : garbage(size), g.randomHeaders());
    }

    /** A key over acidic.key.max.bytes, from just over to 300 KB, that a completion can still name. */
    private Rec keyOverLimit(int n) {
        int[] sizes = {limits.keyMax() + 1, limits.keyMax() + 2 + rnd.nextInt(64), 2_048, 2_049, 16_384, 65_536,
            100_000 + rnd.nextInt(300_000)};
        String key = longText(g.key("ko" + n + "-"), sizes[rnd.nextInt(sizes.length)]);
        g.usedKeys.add(key);
        byte[] value = rnd.nextInt(5) == 0 ? bigRequest(n, hugeSize(utf8(key).length)) : utf8(g.validJson(n));
        return new Rec("key-over-limit", utf8(key), value, g.randomHeaders());
    }

    /** A key so long that no completion naming it fits a record (see Expect.UNANSWERABLE); its DLQ copy's key is cut. */
    private Rec giantKey(int n) {
        String key = longText(g.key("gk" + n + "-"), MAX_RECORD / 2 + 80_000 + rnd.nextInt(MAX_RECORD));
        g.usedKeys.add(key);
        byte[] value = rnd.nextBoolean() ? utf8(g.validJson(n)) : bigRequest(n, hugeSize(utf8(key).length));
        return new Rec("giant-key", utf8(key), value, g.randomHeaders());
    }

    /** Args nested past acidic.args.max.depth: just past, far past, past Jackson's own limit, and huge. */
    private Rec argsTooDeep(int n) {
        int[] depths = {limits.maxDepth() + 1, limits.maxDepth() + 2 + rnd.nextInt(1000 - limits.maxDepth() - 1),
            1001 + rnd.nextInt(20_000), 200_000 + rnd.nextInt(400_000)};
        int depth = depths[rnd.nextInt(depths.length)];
        String key = g.uniqueKey("ad" + n);
        g.usedKeys.add(key);
        String json = "{\"job\":\"" + JOB + "\",\"args\":" + FuzzRecords.nest(depth, rnd.nextBoolean() ? "{}" : "[]") + "}";
        Rec r = new Rec("args-too-deep-" + (depth <= 1000 ? "under-1000" : "over-1000"), utf8(key), utf8(json), g.randomHeaders());
        return FuzzRecords.expect(r, Expect.INVALID, depth <= 1000 ? "acidic.args.max.depth" : null);
    }

    /**
     * A valid request at or just under the limits: a key of exactly acidic.key.max.bytes (multibyte
     * characters to the last byte), args exactly acidic.args.max.depth deep, a value of exactly
     * acidic.request.max.bytes or a few bytes less; all of them or one at a time. Half of them carry
     * a request id of the longest size taken, which the pending store keeps with the request.
     */
    private Rec nearLimits(int n) {
        int which = rnd.nextInt(4); // 0: all three, 1: key, 2: depth, 3: size
        return nearLimits(n, which, rnd.nextInt(3) == 0 ? 1 : 0, rnd.nextBoolean() ? 0 : rnd.nextInt(16), rnd.nextBoolean());
    }

    /**
     * A valid request as large as the limits let it be: key, depth and size exactly at them, and a
     * request id of the longest size taken. Its pending-store entry is the largest record the
     * processor writes for a request; FuzzIT sends a few in every run, so that some queue for a batch.
     */
    Rec largestValid() {
        return nearLimits(g.seq++, -1, 0, 0, true);
    }

    /**
     * @param which 0: all three limits, 1: key, 2: depth, 3: size; -1: all three, exactly ("largest")
     * @param keyShort bytes under acidic.key.max.bytes, for a key at the limit
     * @param sizeShort bytes under acidic.request.max.bytes, for a value at the limit
     * @param longestId whether to carry a request id of {@link FuzzRecords#REQUEST_ID_MAX} bytes
     */
    private Rec nearLimits(int n, int which, int keyShort, int sizeShort, boolean longestId) {
        boolean all = which <= 0;
        String key = all || which == 1 ? longText(g.key("nl" + n + "-"), limits.keyMax() - keyShort) : g.uniqueKey("nl" + n);
        g.usedKeys.add(key);
        int depth = all || which == 2 ? limits.maxDepth() : 1 + rnd.nextInt(3);
        String inner = "{\"n\":" + n + ",\"pad\":\"@@\"}";
        String json = "{\"job\":\"" + JOB + "\",\"args\":" + FuzzRecords.nest(depth, inner) + "}";
        int size = all || which == 3 ? limits.requestMax() - sizeShort : json.length() + rnd.nextInt(1000);
        int at = json.indexOf("@@");
        byte[] value = FuzzBytes.concat(utf8(json.substring(0, at)), filler(size - json.length() + 2),
                utf8(json.substring(at + 2)));
        List<Header> headers = g.randomHeaders();
        if (longestId) {
            headers.removeIf(h -> h.key().equals(Completion.REQUEST_ID_HEADER));
            headers.add(rnd.nextInt(headers.size() + 1), new RecordHeader(Completion.REQUEST_ID_HEADER, g.randomBytes(REQUEST_ID_MAX)));
        }
        return new Rec("valid-near-limits-" + new String[] {"largest", "all", "key", "depth", "size"}[which + 1], utf8(key), value,
                headers);
    }

    /**
     * A request for an unknown job whose name is exactly JobRegistry.NAME_MAX_CHARS long (unknown:
     * its answer names it), just over that, or up to as long as the request limit allows (invalid:
     * no job can have it, and its answer names none); a third with args too deep, which a name over
     * the limit is refused before.
     */
    private Rec longJobName(int n) {
        String key = g.uniqueKey("jn" + n);
        g.usedKeys.add(key);
        boolean deep = rnd.nextInt(3) == 0;
        String args = deep ? FuzzRecords.nest(limits.maxDepth() + 1, "{}") : "{\"n\":" + n + "}";
        String head = "{\"job\":\"";
        String tail = "\",\"args\":" + args + "}";
        int max = limits.requestMax() - head.length() - tail.length();
        int limit = JobRegistry.NAME_MAX_CHARS;
        int[] lengths = {limit, limit + 1, limit + 2 + rnd.nextInt(5_000), max - rnd.nextInt(8), max / 4 + rnd.nextInt(max - max / 4)};
        int length = lengths[rnd.nextInt(lengths.length)];
        String name = ("no.such." + "job".repeat(length / 3 + 1)).substring(0, length);
        boolean tooLong = length > limit;
        Rec r = new Rec("long-job-name" + (tooLong ? "" : "-at-limit") + (deep ? "-args-too-deep" : ""), utf8(key),
                utf8(head + name + tail), g.randomHeaders());
        if (tooLong) {
            return FuzzRecords.expect(r, Expect.INVALID, JOB_NAME_TOO_LONG);
        }
        return deep ? FuzzRecords.expect(r, Expect.INVALID, "acidic.args.max.depth") : FuzzRecords.expect(r, Expect.UNKNOWN_JOB, null);
    }

    /**
     * A request (valid, or rejected) with one large header: the request id (at its limit, which a
     * rejection echoes; over it, which is refused and not echoed), or one the processor ignores;
     * from 256 bytes to past the producer's max.request.size.
     */
    private Rec bigHeader(int n, String header, String kind) {
        String key = g.uniqueKey("bh" + n);
        g.usedKeys.add(key);
        int[] sizes = {REQUEST_ID_MAX, REQUEST_ID_MAX + 1, 1_024, COPY_ROOM, 100_000 + rnd.nextInt(300_000),
            MAX_RECORD - 1_000 + rnd.nextInt(2_000), MAX_RECORD + rnd.nextInt(MAX_RECORD)};
        byte[] big = garbage(sizes[rnd.nextInt(sizes.length)]);
        List<Header> headers = new ArrayList<>(g.randomHeaders());
        headers.removeIf(h -> h.key().equals(header));
        headers.add(rnd.nextInt(headers.size() + 1), new RecordHeader(header, big));
        boolean valid = rnd.nextBoolean();
        Rec r = new Rec((valid ? "valid-" : "") + kind, utf8(key), utf8(valid ? g.validJson(n) : "{\"job\":\"" + JOB + "\","),
                headers);
        return valid ? r : FuzzRecords.expect(r, Expect.INVALID, null);
    }

    // ---------------------------------------------------------------- payloads

    /** A size past the producer's default max.request.size, or at its edges, for a record under a key of this length. */
    private int hugeSize(int keyLength) {
        return switch (rnd.nextInt(7)) {
            case 0 -> MAX_RECORD;
            case 1 -> MAX_RECORD + 1;
            case 2 -> MAX_RECORD - 1 - rnd.nextInt(300);
            case 3 -> MAX_RECORD - COPY_ROOM - keyLength - 1 + rnd.nextInt(3);
            default -> MAX_RECORD + 2 + rnd.nextInt(MAX_RECORD + MAX_RECORD / 2);
        };
    }

    /** A well-formed request for the known job of exactly {@code size} bytes: a huge, repetitive string arg. */
    private byte[] bigRequest(int n, int size) {
        byte[] head = utf8("{\"job\":\"" + JOB + "\",\"args\":{\"n\":" + n + ",\"big\":\"");
        byte[] tail = utf8("\"}}");
        return FuzzBytes.concat(head, filler(size - head.length - tail.length), tail);
    }

    /** Exactly {@code bytes} of JSON string content: one unit (escapes, multibyte characters) repeated, then 'x'. */
    private byte[] filler(int bytes) {
        byte[] unit = utf8(rnd.nextInt(3) == 0 ? FuzzRecords.jsonEscape(g.randomText(1 + rnd.nextInt(40)), true)
                : UNITS[rnd.nextInt(UNITS.length)]);
        byte[] out = new byte[Math.max(0, bytes)];
        int at = 0;
        for (; at + unit.length <= out.length; at += unit.length) {
            System.arraycopy(unit, 0, out, at, unit.length);
        }
        java.util.Arrays.fill(out, at, out.length, (byte) 'x');
        return out;
    }

    /**
     * Compressible garbage of exactly {@code size} bytes: a random chunk (at most 4 KiB, within
     * every codec's window) repeated, sometimes after a request's beginning, with a few bytes flipped.
     */
    private byte[] garbage(int size) {
        byte[] chunk = g.randomBytes(1 + rnd.nextInt(4_096));
        byte[] out = new byte[size];
        for (int at = 0; at < size; at += chunk.length) {
            System.arraycopy(chunk, 0, out, at, Math.min(chunk.length, size - at));
        }
        if (rnd.nextBoolean()) {
            byte[] head = utf8("{\"job\":\"" + JOB + "\",\"args\":{\"s\":\"");
            System.arraycopy(head, 0, out, 0, Math.min(head.length, size));
        }
        for (int i = rnd.nextInt(20); i > 0 && size > 0; i--) {
            out[rnd.nextInt(size)] = (byte) rnd.nextInt(256);
        }
        return out;
    }

    /** {@code prefix}, then multibyte characters and ASCII to exactly {@code bytes} UTF-8 bytes (a valid, NUL-free key). */
    private String longText(String prefix, int bytes) {
        StringBuilder b = new StringBuilder(prefix);
        int have = utf8(prefix).length;
        String[] fill = {"\u00e9", "\u4e2d", "\ud83d\ude80", "k"};
        String unit = fill[rnd.nextInt(fill.length)];
        int unitBytes = utf8(unit).length;
        for (; have + unitBytes <= bytes; have += unitBytes) {
            b.append(unit);
        }
        for (; have < bytes; have++) {
            b.append('k');
        }
        return b.toString();
    }
}
