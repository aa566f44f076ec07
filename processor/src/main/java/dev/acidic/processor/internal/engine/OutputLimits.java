package dev.acidic.processor.internal.engine;

import dev.acidic.api.PhaseResult;
import dev.acidic.processor.internal.store.StagedJob;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a step may hand on to Kafka: its result travels in events and completions, its staged jobs
 * as requests. Each must fit the producer's largest record: one the producer refuses puts an
 * exactly-once transaction in error, and its stream thread fails and comes back to the same
 * record, forever. A step over a limit fails its attempt, with an error that says which and why.
 *
 * @param resultMaxBytes largest result as UTF-8 JSON ({@code acidic.result.max.bytes})
 * @param requestMaxBytes largest staged request ({@code acidic.request.max.bytes}, as for any request)
 * @param keyMaxBytes longest staged job's key ({@code acidic.key.max.bytes})
 */
public record OutputLimits(int resultMaxBytes, int requestMaxBytes, int keyMaxBytes) {

    /** Why what step {@code step} of {@code job} returned and staged cannot go out; null if it can. */
    String problem(String job, String step, String key, PhaseResult result, List<StagedJob> staged) {
        if (result instanceof PhaseResult.Finish f && f.result() != null) {
            long size = PhaseRunner.utf8Length(f.result());
            if (size > resultMaxBytes) {
                return "step '" + step + "' of job '" + job + "' (key '" + key + "') finished with a result of " + size
                        + " bytes of JSON, over acidic.result.max.bytes (" + resultMaxBytes + "): results travel in events and"
                        + " completions; keep large data in your own tables and return a reference to it";
            }
        }
        for (StagedJob s : staged) {
            int keyBytes = s.targetKey().getBytes(StandardCharsets.UTF_8).length;
            if (keyBytes > keyMaxBytes) {
                return "step '" + step + "' of job '" + job + "' (key '" + key + "') staged a job under a key of " + keyBytes
                        + " bytes, over acidic.key.max.bytes (" + keyMaxBytes + ")";
            }
            int size = s.request().encode().length;
            if (size > requestMaxBytes) {
                return "step '" + step + "' of job '" + job + "' (key '" + key + "') staged a request of " + size + " bytes for key '"
                        + s.targetKey() + "', over acidic.request.max.bytes (" + requestMaxBytes + "); pass a reference to large"
                        + " data, not the data";
            }
        }
        return null;
    }
}
