package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.StagedJob;
import java.util.List;

/**
 * What one phase (or a failure's bookkeeping) committed, and whether the drive stops there.
 *
 * @param stop why the drive stops after this phase; null to go on at {@code nextRecoveryPoint}
 */
record Phase(DriveResult.Kind stop, String nextRecoveryPoint, List<JournalEntry> written, List<StagedJob> staged,
        long retryInMillis) {
    static Phase stop(DriveResult.Kind kind, List<JournalEntry> written, long retryIn) {
        return new Phase(kind, null, written, List.of(), retryIn);
    }
}
