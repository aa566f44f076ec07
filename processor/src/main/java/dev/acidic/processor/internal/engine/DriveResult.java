package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.StagedJob;
import java.util.List;
import java.util.UUID;

/**
 * What driving a key did, and what the caller must now publish and schedule.
 *
 * <p>Everything else is derived: a drive's journal entries are contiguous, so the key's last seq
 * after it is {@code seqBefore + written.size()}, and its staged jobs continue the row's staged
 * ordinal the same way.
 *
 * @param row the key row as the claim found it (for replays and rejections); null if absent
 * @param seqBefore the key's last journal seq before this drive touched it
 * @param written journal entries this drive committed, in order (seqBefore+1 .. lastSeq)
 * @param staged staged jobs this drive committed, in order (stagedBefore+1 .. stagedSeq)
 * @param retryInMillis for {@link Kind#WAIT}: when to drive the key again
 */
public record DriveResult(Kind kind, KeyRow row, long seqBefore, List<JournalEntry> written, List<StagedJob> staged,
        long retryInMillis) {

    public enum Kind {
        /** The job is finished (now, or it was already). */
        DONE,
        /** The request's arguments or job differ from the stored job; nothing changed. */
        MISMATCH,
        /** Drive again in {@code retryInMillis} (deferred, retry backoff, waitUntil, not yet due). */
        WAIT,
        /** The time budget ran out; continue soon, after other keys had their turn. */
        CONTINUE,
        /** Another owner holds the key now; it carries the job on. */
        LOST,
        /** No such key (a timer or continuation outlived it). */
        MISSING,
        /** The job is halted: nothing runs until a resume command (a request for it is absorbed). */
        HALTED,
        /**
         * The job waits for its children: nothing runs until the last one ends (each child's end
         * drives it again; a request for it is absorbed).
         */
        AWAITING,
        /**
         * The key's home is another partition's task ({@code row.partition()}): only that task
         * drives it, so that one cursor alone publishes its journal. Nothing changed.
         */
        ELSEWHERE
    }

    public DriveResult {
        written = List.copyOf(written);
        staged = List.copyOf(staged);
    }

    /** Identity of the key's job instance; null when the key does not exist. */
    public UUID jobId() {
        return row == null ? null : row.jobId();
    }

    public String job() {
        return row == null ? null : row.job();
    }

    /** The key's last journal seq after this drive. */
    public long lastSeq() {
        return seqBefore + written.size();
    }

    /** The key's last staged-job ordinal before this drive. */
    public long stagedBefore() {
        return row == null ? 0 : row.stagedSeq();
    }

    /** The key's last staged-job ordinal after this drive. */
    public long stagedSeq() {
        return stagedBefore() + staged.size();
    }

    /** Whether the key had finished before this drive (a request for it is a replay). */
    public boolean wasFinished() {
        return row != null && row.finished();
    }
}
