package dev.acidic.processor.internal.streams;

import dev.acidic.api.JobCommand;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.engine.Engine;
import java.sql.SQLException;

/**
 * Applies a command record (signal, cancel, resume) through the engine and maps what it did to
 * outputs: a refusal is answered REJECTED with the record's request id; a key homed elsewhere is
 * forwarded home; the journal the command wrote is published (a cancel's CANCELLED event with the
 * job's completion); a cancel for an ended job gets the stored outcome again.
 */
final class Commands {
    private final Engine engine;
    private final JournalPublisher publisher;
    private final Replies replies;
    private final Forwarding forwarding;
    private final int partition;

    Commands(Engine engine, JournalPublisher publisher, Replies replies, Forwarding forwarding, int partition) {
        this.engine = engine;
        this.publisher = publisher;
        this.replies = replies;
        this.forwarding = forwarding;
        this.partition = partition;
    }

    /**
     * @return whether the key should be driven now (a signal woke it, a resume released it)
     * @throws SQLException when Postgres cannot be reached: nothing was applied
     */
    boolean run(Pending src, String key, JobCommand command) throws SQLException {
        Engine.CommandOutcome o = engine.command(key, command, partition);
        if (o.rejectReason() != null) {
            replies.reject(src, key, null, o.rejectReason(), o.rejectMessage(), false);
            return false;
        }
        DriveResult d = o.result();
        if (d.kind() == DriveResult.Kind.ELSEWHERE) {
            forwarding.stored(key, src.key(), src, d.row().partition());
            return false;
        }
        boolean terminalPublished = publisher.publish(key, src.key(), d);
        if (o.replay() && !terminalPublished) {
            replies.completion(src.key(), Replies.replay(key, d.row()), src.requestId());
        }
        return o.driveNext();
    }
}
