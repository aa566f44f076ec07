package dev.acidic.processor.internal.cli;

import dev.acidic.processor.internal.store.JobFilter;
import dev.acidic.processor.internal.store.JobPage;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.PageCursor;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jobs list}: a page of jobs, newest first, and how to get the next one. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List jobs, newest first (by creation), a page at a time.",
            "A page ends with the command that prints the next one (its --before cursor); with -o json the cursor is \"next\"."},
        footer = {"", "-o json: {\"jobs\": [JOB...], \"next\": CURSOR or null}; -o jsonl: one JOB per line (the next page's cursor "
            + "goes to standard error). JOB: key, job, status, recoveryPoint, run, attempts, awaiting, parentKey, createdAt, "
            + "lastRunAt, nextAttemptAt, finishedAt, lastSeq, error {type, message, step, attempt}."})
final class ListCommand implements Callable<Integer> {
    private final Io io;

    @Spec
    private CommandSpec spec;

    @Option(names = "--status", paramLabel = "STATUS", converter = Converters.StatusConverter.class,
            description = "only jobs in this status: running, halted, succeeded, failed or cancelled; repeat the option for several")
    private List<String> statuses = new ArrayList<>();

    @Option(names = "--job", paramLabel = "NAME", description = "only jobs of this name")
    private String job;

    @Option(names = "--since", paramLabel = "WHEN", converter = Converters.SinceConverter.class,
            description = "only jobs created since: a time back from now (30m, 1h, 2d), an instant (2025-06-01T12:00:00Z) or a date")
    private Instant since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "" + JobFilter.DEFAULT_LIMIT,
            description = "jobs per page, 1 to " + JobQueries.MAX_PAGE + " (default: ${DEFAULT-VALUE})")
    private int limit;

    @Option(names = "--before", paramLabel = "CURSOR", converter = Converters.CursorConverter.class,
            description = "the page after this cursor, as the previous page printed it")
    private PageCursor before;

    @Mixin
    private OutputOption output;

    ListCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > JobQueries.MAX_PAGE) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 to " + JobQueries.MAX_PAGE + ", not " + limit);
        }
        JobFilter filter = new JobFilter(new LinkedHashSet<>(statuses), job, since, before, limit);
        try (Backends b = Backends.open(io, "jobs list", false)) {
            if (b == null) {
                return CommandLines.USAGE;
            }
            JobPage page = b.queries().list(filter);
            String next = page.next() == null ? null : nextPage(page.next());
            switch (output.format) {
                case TABLE -> io.out().print(ListText.page(page, next));
                case JSON -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("jobs", page.jobs());
                    doc.put("next", page.next() == null ? null : page.next().token());
                    JsonOutput.print(io.out(), output.format, doc);
                }
                case JSONL -> {
                    page.jobs().forEach(j -> JsonOutput.print(io.out(), output.format, j));
                    if (next != null) {
                        io.err().println("next page: " + next);
                    }
                }
            }
            return 0;
        } catch (SQLException | RuntimeException e) {
            io.err().println("jobs list failed: " + e.getMessage());
            return 1;
        }
    }

    /** This command again, for the page after {@code cursor}; a relative --since as the instant it meant, so pages agree. */
    private String nextPage(PageCursor cursor) {
        List<String> words = new ArrayList<>(List.of(spec.qualifiedName().split(" ")));
        for (String s : statuses) {
            words.addAll(List.of("--status", s));
        }
        if (job != null) {
            words.addAll(List.of("--job", job));
        }
        if (since != null) {
            words.addAll(List.of("--since", since.toString()));
        }
        if (limit != JobFilter.DEFAULT_LIMIT) {
            words.addAll(List.of("--limit", Integer.toString(limit)));
        }
        if (!output.table()) {
            words.addAll(List.of("-o", output.format.shown()));
        }
        words.addAll(List.of("--before", cursor.token()));
        return Texts.shell(words);
    }
}
