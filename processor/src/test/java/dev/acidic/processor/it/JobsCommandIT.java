package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.Completion;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import dev.acidic.processor.AcidicConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's commands ({@code jobs list|show|stats|cancel|retry|resume|signal}, {@code submit})
 * as a user runs them, against a real processor on real Kafka and a Postgres database of the
 * class's own (a list must see no other test's jobs): what they print, in each format, and their
 * exit codes. The commands that change a job go through the requests topic; their answers come
 * back from the completions topic or, for a job that comes to rest, from its journal.
 */
class JobsCommandIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String WAIT_ARG = "60s";

    private static Harness h;
    private static HikariDataSource db;
    private static Map<String, String> env;

    @BeforeAll
    static void processor() throws Exception {
        TestInfra infra = TestInfra.get();
        db = infra.ownDatabase("jobs_cli_it", 2);
        String url = db.getJdbcUrl();
        h = new Harness("jobs-cli", Map.of(AcidicConfig.JDBC_URL, url));
        h.start();
        // configured as an operator would: the processor's own settings, as ACIDIC_* variables
        Map<String, String> given = new HashMap<>();
        for (String setting : List.of(AcidicConfig.BOOTSTRAP_SERVERS, AcidicConfig.JDBC_URL, AcidicConfig.JDBC_USER, AcidicConfig.JDBC_PASSWORD,
                AcidicConfig.REQUESTS_TOPIC, AcidicConfig.COMPLETIONS_TOPIC)) {
            AcidicConfig.Setting s = AcidicConfig.SETTINGS.stream().filter(x -> x.key().equals(setting)).findFirst().orElseThrow();
            given.put(s.envName(), h.config.toMap().get(setting));
        }
        env = Map.copyOf(given);
    }

    @AfterAll
    static void close() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    static CliRun cli(String... args) throws Exception {
        return CliRun.of(env, args);
    }

    private static Instant dbNow() throws java.sql.SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT now()");
                java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }

    private static Completion submitAndWait(String key, String job, Map<String, ?> args) throws Exception {
        return h.client().submit(key, JobRequest.of(job, args)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<String> keys(JsonNode jobs) {
        List<String> out = new ArrayList<>();
        jobs.forEach(j -> out.add(j.path("key").asText()));
        return out;
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void listFiltersByStatusJobAndSinceAndPagesNewestFirstWithTheCursorItPrints() throws Exception {
        Instant start = dbNow(); // the other tests' jobs are older
        List<String> done = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String key = h.key("list-ok-" + i);
            assertTrue(submitAndWait(key, "test.three-steps", Map.of("i", i)).succeeded());
            done.add(0, key); // newest first
        }
        String failed = h.key("list-failed");
        submitAndWait(failed, "test.terminal", Map.of());

        CliRun first = cli("jobs", "list", "--job", "test.three-steps", "--since", start.toString(), "--limit", "2", "-o", "json");
        assertEquals(0, first.rc(), first.toString());
        assertEquals(done.subList(0, 2), keys(first.json().path("jobs")), first.toString());
        String token = first.json().path("next").asText();
        CliRun second = cli("jobs", "list", "--job", "test.three-steps", "--since", start.toString(), "--limit", "2", "-o", "json",
                "--before", token);
        assertEquals(done.subList(2, 4), keys(second.json().path("jobs")), second.toString());
        CliRun last = cli("jobs", "list", "--job", "test.three-steps", "--since", start.toString(), "--limit", "2", "-o", "json",
                "--before", second.json().path("next").asText());
        assertEquals(done.subList(4, 5), keys(last.json().path("jobs")), last.toString());
        assertTrue(last.json().path("next").isNull(), "the last page has no next");

        // the table says how to get the next page, as a command that works
        CliRun table = cli("jobs", "list", "--since", start.toString(), "--limit", "4");
        assertEquals(0, table.rc(), table.toString());
        Matcher next = Pattern.compile("next page: (acidic jobs list .*)").matcher(table.out());
        assertTrue(next.find(), table.toString());
        assertTrue(table.out().contains(failed) && table.out().contains("TerminalJobException: card declined"), table.toString());
        String[] words = next.group(1).split(" "); // a cursor and an instant need no quotes
        CliRun page2 = cli(java.util.Arrays.copyOfRange(words, 1, words.length));
        assertEquals(0, page2.rc(), page2.toString());
        assertTrue(page2.out().contains(done.get(3)) && page2.out().contains(done.get(4)), page2.toString());
        assertTrue(page2.out().endsWith("2 job(s), the last page\n"), page2.toString());

        CliRun onlyFailed = cli("jobs", "list", "--status", "failed", "--status", "CANCELLED", "--since", start.toString(), "-o", "jsonl");
        assertEquals(0, onlyFailed.rc(), onlyFailed.toString());
        assertEquals(List.of(failed), onlyFailed.out().lines().map(l -> Wire.parse(l).path("key").asText()).toList(), onlyFailed.toString());
    }

    @Test
    void showOfAFailedJobPrintsItsErrorWithTheStackAndItsTimeline() throws Exception {
        String key = h.key("show-failed");
        assertEquals("FAILED", submitAndWait(key, "test.terminal", Map.of("why", "test")).status().name());

        CliRun table = cli("jobs", "show", key);
        assertEquals(0, table.rc(), table.toString());
        assertTrue(table.out().startsWith("key             " + key + "\n"), table.toString());
        assertTrue(table.out().contains("\nstatus          FAILED\n"), table.toString());
        assertTrue(table.out().contains("\nrecovery point  second\n"), "where a retry would start: " + table);
        assertTrue(table.out().contains("\nerror\n  in step second, attempt 1\n  dev.acidic.api.TerminalJobException: card declined for " + key),
                table.toString());
        assertTrue(table.out().contains("\tat dev.acidic.processor.it.TestJobs"), "the stack, from the row: " + table);
        assertTrue(table.out().contains("\narguments\n  {\n    \"why\" : \"test\"\n  }"), table.toString());
        assertTrue(table.out().contains("ACCEPTED") && table.out().contains("RECOVERY_POINT"), table.toString());
        assertTrue(Pattern.compile("FAILED\\s+second\\s+.*TerminalJobException: card declined").matcher(table.out()).find(), table.toString());

        CliRun json = cli("jobs", "show", key, "-o", "json");
        JsonNode d = json.json();
        assertEquals(List.of("summary", "jobId", "args", "result", "errorStack", "steps", "lockedBy", "lockedAt", "partition", "values",
                "valuesTotal", "timeline", "timelineOmitted", "staged", "stagedTotal", "children", "childrenTotal"), fieldNames(d),
                "stable field names");
        assertEquals(List.of("key", "job", "status", "recoveryPoint", "run", "attempts", "awaiting", "parentKey", "createdAt", "lastRunAt",
                "nextAttemptAt", "finishedAt", "lastSeq", "error"), fieldNames(d.path("summary")));
        assertEquals(List.of("seq", "type", "step", "run", "at", "tookMs", "recoveryPoint", "attempt", "retryAt", "error", "result",
                "detail"), fieldNames(d.path("timeline").get(0)));
        assertTrue(d.path("errorStack").asText().contains("TerminalJobException"), json.toString());
        assertTrue(d.path("summary").path("error").path("type").asText().endsWith("TerminalJobException"), json.toString());
        JsonNode timeline = d.path("timeline");
        assertEquals("ACCEPTED", timeline.get(0).path("type").asText());
        assertEquals("FAILED", timeline.get(timeline.size() - 1).path("type").asText());
        assertTrue(timeline.get(timeline.size() - 1).path("tookMs").isNull(), "the newest entry took no time yet");
        for (int i = 0; i < timeline.size() - 1; i++) {
            assertTrue(timeline.get(i).path("tookMs").asLong(-1) >= 0, "each earlier entry: the time until the next: " + timeline);
        }
        assertEquals(1, cli("jobs", "show", key, "-o", "jsonl").out().lines().count(), "jsonl: one line");
    }

    @Test
    void showOfAParentListsItsChildrenWithTheirStatusAndItsStagedRequests() throws Exception {
        String parent = h.key("parent");
        Completion c = submitAndWait(parent, "test.fanout", Map.of("children", 2, "fail", List.of(1)));
        assertEquals("SUCCEEDED", c.status().name(), c.toString());

        CliRun table = cli("jobs", "show", parent);
        assertEquals(0, table.rc(), table.toString());
        assertTrue(table.out().contains("\nchildren\n  KEY"), table.toString());
        assertTrue(Pattern.compile(Pattern.quote(parent + "/kid-0") + "\\s+test.kid\\s+SUCCEEDED").matcher(table.out()).find(), table.toString());
        assertTrue(Pattern.compile(Pattern.quote(parent + "/kid-1") + "\\s+test.kid\\s+FAILED").matcher(table.out()).find(), table.toString());
        assertTrue(table.out().contains("\nstaged jobs\n"), table.toString());
        assertTrue(table.out().contains("CHILD_SPAWNED") && table.out().contains("CHILDREN_DONE"), table.toString());

        JsonNode d = cli("jobs", "show", parent, "-o", "json").json();
        assertEquals(2, d.path("childrenTotal").asLong());
        assertEquals(List.of("key", "job", "status", "run", "spawnedAt", "finishedAt"), fieldNames(d.path("children").get(0)));
        assertEquals(List.of("ordinal", "key", "request", "stagedAt"), fieldNames(d.path("staged").get(0)));
        assertEquals("test.kid", d.path("staged").get(0).path("request").path("job").asText());
        assertEquals(parent, cli("jobs", "show", parent + "/kid-0", "-o", "json").json().path("summary").path("parentKey").asText());
    }

    @Test
    void aSignalWakesAWaitingJobAndTheCommandPrintsItsCompletion() throws Exception {
        String key = h.key("approval");
        CliRun waiting = cli("submit", key, "test.approval", "{\"timeoutMs\": 120000}", "--wait", WAIT_ARG, "-o", "json");
        assertEquals(0, waiting.rc(), "a job that waits for a signal has come to rest: " + waiting);
        assertEquals("waiting", waiting.json().path("outcome").asText());
        assertEquals("approved", waiting.json().path("job").path("awaiting").asText());

        CliRun other = cli("jobs", "signal", key, "later", "--wait", WAIT_ARG);
        assertEquals(0, other.rc(), "kept for later; the job still waits: " + other);
        assertTrue(other.out().startsWith("signal for key '" + key + "' applied; the job waits for signal 'approved' until "), other.toString());

        CliRun signal = cli("jobs", "signal", key, "approved", "{\"by\": \"ann\"}", "--wait", WAIT_ARG, "-o", "json");
        assertEquals(0, signal.rc(), signal.toString());
        JsonNode done = signal.json();
        assertEquals(List.of("key", "command", "outcome", "completion", "job"), fieldNames(done), "stable field names");
        assertEquals("answered", done.path("outcome").asText());
        assertEquals("SUCCEEDED", done.path("completion").path("status").asText());
        assertEquals("ann", done.path("completion").path("result").path("approved").path("by").asText(), signal.toString());

        CliRun late = cli("jobs", "signal", key, "approved", "--wait", WAIT_ARG);
        assertEquals(1, late.rc(), "the job has ended: " + late);
        assertTrue(late.out().contains("REJECTED") && late.out().contains(Completion.ALREADY_FINISHED), late.toString());
        CliRun notRetryable = cli("jobs", "retry", key, "--wait", WAIT_ARG);
        assertEquals(1, notRetryable.rc(), "it succeeded: " + notRetryable);
        assertTrue(notRetryable.out().contains(Completion.NOT_RETRYABLE), notRetryable.toString());
    }

    @Test
    void cancelEndsAWaitingJobAndACancelAgainGetsItsStoredOutcome() throws Exception {
        String key = h.key("cancelled");
        assertEquals(0, cli("submit", key, "test.approval", "{\"timeoutMs\": 120000}", "--wait", WAIT_ARG).rc());
        CliRun cancel = cli("jobs", "cancel", key, "--reason", "operator says no", "--wait", WAIT_ARG);
        assertEquals(0, cancel.rc(), cancel.toString());
        assertTrue(cancel.out().startsWith("CANCELLED: job test.approval key '" + key + "', run 1\n"), cancel.toString());
        assertTrue(cancel.out().contains("operator says no"), cancel.toString());
        CliRun again = cli("jobs", "cancel", key, "--wait", WAIT_ARG, "-o", "json");
        assertEquals(0, again.rc(), "cancelled already: " + again);
        assertTrue(again.json().path("completion").path("replay").asBoolean(), again.toString());
        assertEquals("CANCELLED", cli("jobs", "show", key, "-o", "json").json().path("summary").path("status").asText());

        String done = h.key("done-before-cancel");
        submitAndWait(done, "test.three-steps", Map.of());
        CliRun tooLate = cli("jobs", "cancel", done, "--wait", WAIT_ARG);
        assertEquals(1, tooLate.rc(), "it ended otherwise: " + tooLate);
        assertTrue(tooLate.out().startsWith("SUCCEEDED (replay of the stored outcome)"), tooLate.toString());
    }

    @Test
    void retryRunsAFailedJobAgainAndPrintsItsNewCompletion() throws Exception {
        String key = h.key("gated");
        CliRun failed = cli("submit", key, "test.gated", "--wait", WAIT_ARG);
        assertEquals(1, failed.rc(), "FAILED exits 1: " + failed);
        assertTrue(failed.out().startsWith("FAILED: job test.gated"), failed.toString());
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO test_gates VALUES (?, true)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
        CliRun retry = cli("jobs", "retry", key, "--wait", WAIT_ARG);
        assertEquals(0, retry.rc(), retry.toString());
        assertTrue(retry.out().startsWith("SUCCEEDED: job test.gated key '" + key + "', run 2\nresult: {\"run\":2}"), retry.toString());
    }

    @Test
    void resumeLetsAHaltedJobGoOn() throws Exception {
        String key = h.key("halting");
        CliRun halted = cli("submit", key, "test.halting", "--wait", WAIT_ARG);
        assertEquals(0, halted.rc(), halted.toString());
        assertTrue(halted.out().contains("is halted at step second"), halted.toString());
        CliRun resume = cli("jobs", "resume", key, "--wait", WAIT_ARG);
        assertEquals(0, resume.rc(), resume.toString());
        assertTrue(resume.out().startsWith("SUCCEEDED: job test.halting"), resume.toString());
        CliRun again = cli("jobs", "resume", key, "--wait", WAIT_ARG);
        assertEquals(1, again.rc(), again.toString());
        assertTrue(again.out().contains(Completion.ALREADY_FINISHED), again.toString());
    }

    @Test
    void submitPrintsTheCompletionAndItsReplayAndExitsOneWhenTheJobFailsOrIsRejected() throws Exception {
        String key = h.key("submit");
        CliRun ok = cli("submit", key, "test.three-steps", "{\"n\": 1}", "--wait", WAIT_ARG);
        assertEquals(0, ok.rc(), ok.toString());
        assertTrue(ok.out().startsWith("SUCCEEDED: job test.three-steps key '" + key + "', run 1\n"), ok.toString());
        CliRun replay = cli("submit", key, "test.three-steps", "{\"n\": 1}", "--wait", WAIT_ARG, "-o", "jsonl");
        assertEquals(0, replay.rc(), replay.toString());
        JsonNode c = replay.json().path("completion");
        assertTrue(c.path("replay").asBoolean(), replay.toString());
        assertEquals(List.of("key", "status", "job", "result", "error", "reason", "replay", "run"), fieldNames(c),
                "a completion as on the topic");
        CliRun mismatch = cli("submit", key, "test.three-steps", "{\"n\": 2}", "--wait", WAIT_ARG);
        assertEquals(1, mismatch.rc(), mismatch.toString());
        assertTrue(mismatch.out().contains(Completion.MISMATCHED_ARGUMENTS), mismatch.toString());
        CliRun unknown = cli("submit", h.key("unknown-job"), "no.such.job", "--wait", WAIT_ARG);
        assertEquals(1, unknown.rc(), unknown.toString());
        assertTrue(unknown.out().contains(Completion.UNKNOWN_JOB), unknown.toString());

        String later = h.key("sent-only");
        CliRun sent = cli("submit", later, "test.three-steps", "--wait", "0", "-o", "json");
        assertEquals(0, sent.rc(), sent.toString());
        assertEquals("sent", sent.json().path("outcome").asText());
        Waits.await(() -> {
            try {
                return cli("jobs", "show", later, "-o", "json").json().path("summary").path("status").asText().equals("SUCCEEDED");
            } catch (Exception e) {
                return false;
            }
        }, WAIT, "the job sent without waiting to run");
    }

    @Test
    void statsCountsByJobAndStatusAndTheJobsEndedThisMinute() throws Exception {
        submitAndWait(h.key("stats-ok"), "test.three-steps", Map.of());
        submitAndWait(h.key("stats-failed"), "test.terminal", Map.of());
        CliRun json = cli("jobs", "stats", "-o", "json");
        assertEquals(0, json.rc(), json.toString());
        JsonNode s = json.json();
        assertEquals(List.of("at", "counts", "finishedPerMinute"), fieldNames(s));
        Map<String, Long> counts = new HashMap<>();
        for (JsonNode n : s.path("counts")) {
            assertEquals(List.of("job", "status", "count"), fieldNames(n));
            counts.put(n.path("job").asText() + "/" + n.path("status").asText(), n.path("count").asLong());
        }
        assertTrue(counts.getOrDefault("test.three-steps/SUCCEEDED", 0L) >= 1, counts.toString());
        assertTrue(counts.getOrDefault("test.terminal/FAILED", 0L) >= 1, counts.toString());
        JsonNode minutes = s.path("finishedPerMinute");
        assertEquals(15, minutes.size());
        assertEquals(List.of("start", "succeeded", "failed", "cancelled"), fieldNames(minutes.get(14)));
        long ended = 0;
        for (Iterator<JsonNode> it = minutes.elements(); it.hasNext();) {
            JsonNode m = it.next();
            ended += m.path("succeeded").asLong() + m.path("failed").asLong();
        }
        assertTrue(ended >= 2, "the two jobs just ended: " + minutes);

        CliRun table = cli("jobs", "stats");
        assertEquals(0, table.rc(), table.toString());
        assertTrue(table.out().contains("JOB") && table.out().contains("test.three-steps") && table.out().contains("ended per minute"),
                table.toString());
    }

    @Test
    void aKeyWithNoJobExitsThreeAndAUsageErrorExitsTwo() throws Exception {
        String none = h.key("nobody-home");
        CliRun show = cli("jobs", "show", none);
        assertEquals(3, show.rc(), show.toString());
        assertEquals("no job under key '" + none + "'\n", show.err());
        assertEquals("", show.out());
        CliRun cancel = cli("jobs", "cancel", none, "--wait", WAIT_ARG, "-o", "json");
        assertEquals(3, cancel.rc(), "NO_SUCH_JOB, answered through the topic: " + cancel);
        assertEquals(Completion.NO_SUCH_JOB, cancel.json().path("completion").path("reason").asText());
        assertEquals(3, cli("jobs", "signal", none, "go", "--wait", WAIT_ARG).rc());

        CliRun badStatus = cli("jobs", "list", "--status", "done");
        assertEquals(2, badStatus.rc(), badStatus.toString());
        assertTrue(badStatus.err().contains("--status") && badStatus.err().contains("'done'"), badStatus.toString());
        CliRun badJson = cli("jobs", "signal", none, "go", "{not json");
        assertEquals(2, badJson.rc(), badJson.toString());
        assertTrue(badJson.err().startsWith("JSON is not JSON"), badJson.toString());
        CliRun badCursor = cli("jobs", "list", "--before", "nonsense");
        assertEquals(2, badCursor.rc(), badCursor.toString());
    }

    @Test
    void listJsonFieldNamesAreStable() throws Exception {
        String key = h.key("fields");
        submitAndWait(key, "test.three-steps", Map.of());
        CliRun json = cli("jobs", "list", "--job", "test.three-steps", "--limit", "1", "-o", "json");
        assertEquals(List.of("jobs", "next"), fieldNames(json.json()));
        JsonNode j = json.json().path("jobs").get(0);
        assertNotNull(j, json.toString());
        assertEquals(List.of("key", "job", "status", "recoveryPoint", "run", "attempts", "awaiting", "parentKey", "createdAt", "lastRunAt",
                "nextAttemptAt", "finishedAt", "lastSeq", "error"), fieldNames(j));
        assertFalse(j.path("createdAt").asText().isEmpty());
        Instant.parse(j.path("createdAt").asText()); // ISO-8601
    }
}
