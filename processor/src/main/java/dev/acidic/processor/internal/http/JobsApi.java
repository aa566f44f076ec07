package dev.acidic.processor.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobCommand;
import dev.acidic.api.Wire;
import dev.acidic.processor.internal.config.Durations;
import dev.acidic.processor.internal.store.JobFilter;
import dev.acidic.processor.internal.store.JobPage;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.PageCursor;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The JSON API of jobs, which the dashboard uses and scripts may too. Reads go through
 * {@link JobQueries} (bounded, index-backed, the CLI's read model); changes are commands sent on
 * the requests topic under the job's key, applied by the task that owns the key, as the CLI sends
 * them: nothing here writes a job row.
 *
 * <ul>
 *   <li>{@code GET /api/jobs?status=FAILED&status=...&job=NAME&since=1h|INSTANT&limit=N&before=CURSOR}:
 *       {@code {"jobs":[JobSummary...],"next":CURSOR|null}}, newest first
 *   <li>{@code GET /api/jobs/{key}}: the job in full ({@code JobDetail}); 404 when there is none
 *   <li>{@code POST /api/jobs/{key}/cancel} (body {@code {"reason":...}} optional), {@code .../retry},
 *       {@code .../resume}, {@code .../signal} (body {@code {"name":...,"payload":...}}): 200 with the
 *       answer when it comes within {@link #ANSWER_WAIT}, 202 when the command was sent and the job
 *       goes on (a retry, a signal that wakes a job), 404 for {@code NO_SUCH_JOB}, 409 for another refusal
 * </ul>
 *
 * <p>A key is one path segment, percent-encoded ({@code /} as {@code %2F}).
 */
final class JobsApi implements HttpHandler {
    static final String PREFIX = "/api/jobs";
    /** How long a command's request waits for its answer before answering 202. */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(3);
    private static final Set<String> ACTIONS = Set.of(JobCommand.CANCEL, JobCommand.RETRY, JobCommand.RESUME, JobCommand.SIGNAL);

    private final JobQueries queries;
    private final CommandSender commands;

    /** Sends a command for a key and returns the future of its answer. */
    interface CommandSender {
        java.util.concurrent.CompletableFuture<Completion> send(String key, JobCommand command);
    }

    JobsApi(JobQueries queries, CommandSender commands) {
        this.queries = queries;
        this.commands = commands;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        List<String> path = segments(ex.getRequestURI().getRawPath());
        try {
            if (path.isEmpty()) {
                if (OpsRoutes.get(ex)) {
                    list(ex);
                }
            } else if (path.size() == 1) {
                if (isGet(ex)) {
                    detail(ex, path.get(0));
                } else {
                    notAllowed(ex, "GET");
                }
            } else if (path.size() == 2 && ACTIONS.contains(path.get(1))) {
                if ("POST".equals(ex.getRequestMethod())) {
                    command(ex, path.get(0), path.get(1));
                } else {
                    notAllowed(ex, "POST");
                }
            } else {
                Exchanges.error(ex, 404, "no such path: " + ex.getRequestURI().getPath() + " (a key is one segment: encode / as %2F)");
            }
        } catch (IllegalArgumentException e) {
            Exchanges.error(ex, 400, e.getMessage());
        } catch (SQLException e) {
            Exchanges.error(ex, 503, "Postgres did not answer: " + e.getMessage());
        }
    }

    private void list(HttpExchange ex) throws IOException, SQLException {
        Map<String, List<String>> q = Exchanges.query(ex);
        Set<String> statuses = new HashSet<>();
        for (String s : q.getOrDefault("status", List.of())) {
            for (String one : s.split(",")) {
                if (!one.isBlank()) {
                    statuses.add(JobFilter.status(one));
                }
            }
        }
        String job = blankToNull(Exchanges.param(q, "job"));
        String since = blankToNull(Exchanges.param(q, "since"));
        String before = blankToNull(Exchanges.param(q, "before"));
        String limit = blankToNull(Exchanges.param(q, "limit"));
        JobFilter f = new JobFilter(statuses, job, since == null ? null : Durations.pointInTime(since, java.time.Clock.systemUTC()), before == null ? null : PageCursor.parse(before),
                limit == null ? JobFilter.DEFAULT_LIMIT : integer("limit", limit));
        JobPage page = queries.list(f);
        ObjectNode out = Wire.objectNode();
        out.set("jobs", Wire.toTree(page.jobs()));
        out.put("next", page.next() == null ? null : page.next().token());
        Exchanges.json(ex, 200, out);
    }

    private void detail(HttpExchange ex, String key) throws IOException, SQLException {
        var d = queries.detail(key);
        if (d.isEmpty()) {
            Exchanges.error(ex, 404, "no job under key '" + key + "'");
            return;
        }
        Exchanges.json(ex, 200, Wire.toTree(d.get()));
    }

    private void command(HttpExchange ex, String key, String action) throws IOException {
        JsonNode body = body(ex);
        JobCommand cmd = switch (action) {
            case JobCommand.CANCEL -> JobCommand.cancel(text(body, "reason"));
            case JobCommand.RETRY -> JobCommand.retry();
            case JobCommand.RESUME -> JobCommand.resume();
            case JobCommand.SIGNAL -> JobCommand.signal(required(body, "name"), body.get("payload"));
            default -> throw new IllegalArgumentException("unknown action " + action);
        };
        ObjectNode out = Wire.objectNode().put("key", key).put("command", action).put("sent", true);
        try {
            Completion answer = commands.send(key, cmd).get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            out.set("answer", Wire.toTree(answer));
            int status = answer.status() != CompletionStatus.REJECTED ? 200
                    : Completion.NO_SUCH_JOB.equals(answer.reason()) ? 404 : 409;
            Exchanges.json(ex, status, out);
        } catch (TimeoutException e) {
            out.putNull("answer"); // sent; the job goes on (a retry runs, a signal woke it): read the job for what follows
            Exchanges.json(ex, 202, out);
        } catch (ExecutionException e) {
            Exchanges.error(ex, 503, "the " + action + " could not be sent to Kafka: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Exchanges.error(ex, 503, "interrupted while sending the " + action);
        }
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readNBytes(JobCommand.NAME_MAX_CHARS * 16 * 4 + 65_536);
        if (raw.length == 0) {
            return Wire.objectNode();
        }
        JsonNode n = Wire.parse(new String(raw, StandardCharsets.UTF_8));
        if (!n.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        return n;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String required(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("the body needs \"" + field + "\"");
        }
        return v;
    }

    private static int integer(String name, String given) {
        try {
            return Integer.parseInt(given);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + given + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static boolean isGet(HttpExchange ex) {
        return "GET".equals(ex.getRequestMethod()) || "HEAD".equals(ex.getRequestMethod());
    }

    private static void notAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        Exchanges.error(ex, 405, ex.getRequestMethod() + " is not allowed here; use " + allowed);
    }

    /** The decoded segments after {@link #PREFIX}: [], [key] or [key, action]. */
    static List<String> segments(String rawPath) {
        String rest = rawPath.length() <= PREFIX.length() ? "" : rawPath.substring(PREFIX.length());
        if (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return List.of();
        }
        Function<String, String> decode = s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        return java.util.Arrays.stream(rest.split("/", -1)).map(decode).toList();
    }
}
