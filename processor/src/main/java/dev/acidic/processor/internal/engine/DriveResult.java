package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.StagedJob;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.UUID;

/**
 * What driving a key did, and what the caller must now publish and schedule.
 *
 * @param jobId identity of the key's job instance (null when the key does not exist)
 * @param seqBefore the key's last journal seq before this drive touched it
 * @param lastSeq the key's last journal seq after this drive
 * @param written journal entries this drive committed, in order (seqBefore+1 .. lastSeq)
 * @param staged staged jobs this drive committed, in order (stagedBefore+1 .. stagedSeq)
 * @param retryInMillis for {@link Kind#WAIT}: when to drive the key again
 * @param row the key row as the claim found it (for replays and rejections); null if absent
 */
public record DriveResult(
        Kind kind,
        UUID jobId,
        String job,
        long seqBefore,
        long lastSeq,
        List<JournalEntry> written,
        long stagedBefore,
        long stagedSeq,
        List<StagedJob> staged,
        long retryInMillis,
        boolean wasFinished,
        KeyRow row) {

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
        MISSING
    }
}
