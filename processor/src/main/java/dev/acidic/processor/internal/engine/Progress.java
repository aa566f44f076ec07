package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.StagedJob;
import java.util.ArrayList;
import java.util.List;

/** What one drive of a key has committed so far: the journal entries and staged jobs to publish. */
final class Progress {
    private final KeyRow row;
    private final long seqBefore;
    private final List<JournalEntry> written = new ArrayList<>();
    private final List<StagedJob> staged = new ArrayList<>();

    /**
     * @param row the key row as the claim found it
     * @param seqBefore the key's last seq before the drive
     * @param claimed what the claim itself journaled (ACCEPTED)
     */
    Progress(KeyRow row, long seqBefore, List<JournalEntry> claimed) {
        this.row = row;
        this.seqBefore = seqBefore;
        written.addAll(claimed);
    }

    void add(Phase p) {
        written.addAll(p.written());
        staged.addAll(p.staged());
    }

    KeyRow row() {
        return row;
    }

    DriveResult result(DriveResult.Kind kind, long retryInMillis) {
        return new DriveResult(kind, row, seqBefore, written, staged, retryInMillis);
    }
}
