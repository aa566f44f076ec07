package dev.acidic.processor.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.TerminalJobException;
import dev.acidic.api.Wire;
import java.util.List;
import java.util.Map;

/** Test jobs for child jobs: a parent that fans out and gathers, and its children. Effects go to {@code test_effects}. */
final class ChildJobs {
    private ChildJobs() {}

    static List<JobDefinition> all() {
        return List.of(fanOut(), kid());
    }

    /** The key of child {@code i} of {@code parent}. */
    static String kidKey(String parent, int i) {
        return parent + "/kid-" + i;
    }

    /**
     * test.fanout, args {"children": n, "fail": [i...], "halt": [i...], "sleepMs": m, "childJob": j}:
     * "spawn" spawns n children of job j (test.kid by default) (child i fails for good if listed in fail, halts if in halt,
     * sleeps m ms) and waits for them; "gather" finishes with what ctx.children() reports: their
     * count, how many succeeded, failed and were cancelled, the sum of their results, and the
     * child keys in the order reported.
     */
    static JobDefinition fanOut() {
        return JobDefinition.named("test.fanout")
                .step("spawn", ctx -> {
                    int n = ctx.args().path("children").asInt();
                    for (int i = 0; i < n; i++) {
                        ObjectNode args = Wire.mapper().createObjectNode().put("i", i)
                                .put("fail", contains(ctx.args().path("fail"), i))
                                .put("halt", contains(ctx.args().path("halt"), i))
                                .put("sleepMs", ctx.args().path("sleepMs").asLong(0));
                        ctx.spawn(kidKey(ctx.idempotencyKey(), i), new JobRequest(ctx.args().path("childJob").asText("test.kid"), args));
                    }
                    TestJobs.effect(ctx);
                    return PhaseResult.awaitChildren();
                })
                .step("gather", ctx -> {
                    TestJobs.effect(ctx);
                    Map<String, Completion> kids = ctx.children();
                    ObjectNode out = Wire.mapper().createObjectNode().put("count", kids.size());
                    for (CompletionStatus st : List.of(CompletionStatus.SUCCEEDED, CompletionStatus.FAILED, CompletionStatus.CANCELLED)) {
                        out.put(st.name().toLowerCase(java.util.Locale.ROOT), kids.values().stream().filter(c -> c.status() == st).count());
                    }
                    out.put("sum", kids.values().stream().filter(Completion::succeeded).mapToLong(c -> c.result().asLong()).sum());
                    kids.keySet().forEach(out.putArray("keys")::add);
                    return PhaseResult.finish(out);
                })
                .build();
    }

    /**
     * test.kid, args {"i": i, "fail": bool, "halt": bool, "sleepMs": m}: "work" writes its effect,
     * sleeps, then fails for good or halts if told; "done" writes its effect and finishes with i * i.
     */
    static JobDefinition kid() {
        return JobDefinition.named("test.kid")
                .step("work", ctx -> {
                    TestJobs.effect(ctx);
                    long sleep = ctx.args().path("sleepMs").asLong(0);
                    if (sleep > 0) {
                        Thread.sleep(sleep);
                    }
                    if (ctx.args().path("fail").asBoolean()) {
                        throw new TerminalJobException("kid " + ctx.args().path("i").asInt() + " was told to fail");
                    }
                    return ctx.args().path("halt").asBoolean() ? PhaseResult.halt() : PhaseResult.next();
                })
                .step("done", ctx -> {
                    TestJobs.effect(ctx);
                    int i = ctx.args().path("i").asInt();
                    return PhaseResult.finish(i * i);
                })
                .build();
    }

    private static boolean contains(com.fasterxml.jackson.databind.JsonNode list, int i) {
        for (com.fasterxml.jackson.databind.JsonNode n : list) {
            if (n.asInt() == i) {
                return true;
            }
        }
        return false;
    }
}
