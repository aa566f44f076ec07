package dev.acidic.processor.internal.cli;

import dev.acidic.api.JobError;
import dev.acidic.processor.internal.store.JobPage;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.JobStats;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.JobSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The table output of {@code jobs list} and {@code jobs stats} (pure). */
final class ListText {
    /** Widest bar of the per-minute chart. */
    static final int BAR = 40;

    private ListText() {}

    /**
     * A page as a table, then one line on where the list goes on.
     *
     * @param nextPage the command line that prints the next page; ignored when there is none
     */
    static String page(JobPage page, String nextPage) {
        if (page.jobs().isEmpty()) {
            return "no jobs match\n";
        }
        Table t = new Table("KEY", "JOB", "STATUS", "AT STEP", "RUN", "ATTEMPTS", "CREATED", "ENDED", "ERROR");
        for (JobSummary j : page.jobs()) {
            t.row(j.key(), j.job(), status(j), step(j), j.run(), j.attempts(), Texts.seconds(j.createdAt()),
                    Texts.seconds(j.finishedAt()), error(j.error()));
        }
        String more = page.next() == null ? page.jobs().size() + " job(s), the last page\n"
                : page.jobs().size() + " job(s), newest first; next page: " + nextPage + "\n";
        return t.render() + more;
    }

    /**
     * The step the job stands at: where it goes on, or where a retry starts it again after it failed
     * or was cancelled; null once its last step committed.
     */
    static String step(JobSummary j) {
        return KeyRow.FINISHED.equals(j.recoveryPoint()) ? null : j.recoveryPoint();
    }

    /** A status with what the job waits for: {@code RUNNING (waits for approved)}. */
    static String status(JobSummary j) {
        if (j.awaiting() == null) {
            return j.status();
        }
        return j.status() + (j.awaiting().startsWith("$") ? " (waits for children)" : " (waits for " + j.awaiting() + ")");
    }

    /** {@code type: message} with the class's package left out. */
    static String error(JobError e) {
        if (e == null) {
            return null;
        }
        String type = e.type() == null ? "" : e.type().substring(e.type().lastIndexOf('.') + 1);
        return e.message() == null ? type : type + ": " + e.message();
    }

    /** Counts as a table of jobs by status with totals, then the last minutes' ended jobs with a bar each. */
    static String stats(JobStats s) {
        StringBuilder sb = new StringBuilder();
        List<String> headers = new ArrayList<>(List.of("JOB"));
        headers.addAll(JobQueries.STATUSES);
        headers.add("TOTAL");
        Table counts = new Table(headers.toArray(String[]::new));
        Map<String, long[]> byJob = new LinkedHashMap<>();
        long[] all = new long[JobQueries.STATUSES.size() + 1];
        for (JobStats.Count c : s.counts()) {
            long[] row = byJob.computeIfAbsent(c.job(), j -> new long[JobQueries.STATUSES.size() + 1]);
            int i = JobQueries.STATUSES.indexOf(c.status());
            row[i] += c.count();
            row[row.length - 1] += c.count();
            all[i] += c.count();
            all[all.length - 1] += c.count();
        }
        byJob.forEach((job, row) -> counts.row(cells(job, row)));
        if (byJob.size() != 1) {
            counts.row(cells("(all jobs)", all));
        }
        sb.append("jobs by status at ").append(Texts.seconds(s.at())).append('\n').append(counts.render());
        long max = s.finishedPerMinute().stream().mapToLong(JobStats.Minute::total).max().orElse(0);
        Table minutes = new Table("MINUTE", "SUCCEEDED", "FAILED", "CANCELLED", "");
        for (JobStats.Minute m : s.finishedPerMinute()) {
            minutes.row(m.start().toString().substring(11, 16), m.succeeded(), m.failed(), m.cancelled(), bar(m.total(), max));
        }
        sb.append("\nended per minute, last ").append(s.finishedPerMinute().size()).append(" minutes (UTC)\n").append(minutes.render());
        return sb.toString();
    }

    private static Object[] cells(String job, long[] row) {
        Object[] cells = new Object[row.length + 1];
        cells[0] = job;
        for (int i = 0; i < row.length; i++) {
            cells[i + 1] = row[i];
        }
        return cells;
    }

    /** A bar of up to {@link #BAR} characters, at least one for any count above zero. */
    static String bar(long n, long max) {
        if (n == 0 || max == 0) {
            return "";
        }
        return "#".repeat((int) Math.max(1, n * BAR / max));
    }
}
