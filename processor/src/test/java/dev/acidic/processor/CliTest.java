package dev.acidic.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line as a user meets it, without starting anything: usage, help, usage errors, exit codes. */
class CliTest {

    /** What one invocation printed and answered. */
    record Outcome(int rc, String out, String err) {}

    private static Outcome cli(Map<String, String> env, Object[] extra, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                null, extra);
        return new Outcome(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Outcome cli(String... args) throws Exception {
        return cli(Map.of(), new Object[0], args);
    }

    enum Colour { RED, GREEN }

    /** A command a main class might add. */
    @Command(name = "paint", mixinStandardHelpOptions = true, description = "paint something")
    static final class Paint implements Callable<Integer> {
        @Option(names = "--colour", description = "one of ${COMPLETION-CANDIDATES}")
        Colour colour = Colour.RED;

        @Option(names = "--coats", defaultValue = "1")
        int coats;

        @Override
        public Integer call() {
            if (coats < 0) {
                throw new IllegalStateException("negative coats");
            }
            return 0;
        }
    }

    @Test
    void topLevelHelpListsEveryCommandAndExitsZero() throws Exception {
        Outcome o = cli("--help");
        assertEquals(0, o.rc(), o.err());
        for (String c : new String[] {"run", "migrate", "settings", "jobs", "submit", "reap", "help", "--version"}) {
            assertTrue(o.out().contains(c), c + " in:\n" + o.out());
        }
        assertTrue(o.out().startsWith("Usage: acidic"), o.out());
    }

    @Test
    void noArgumentsPrintsTheUsage() throws Exception {
        Outcome o = cli();
        assertEquals(0, o.rc());
        assertEquals(cli("--help").out(), o.out());
    }

    @Test
    void everyCommandHasGeneratedHelp() throws Exception {
        for (String c : new String[] {"run", "migrate", "settings", "reap"}) {
            Outcome o = cli(c, "--help");
            assertEquals(0, o.rc(), c + ": " + o.err());
            assertTrue(o.out().startsWith("Usage: acidic " + c), o.out());
        }
        assertTrue(cli("migrate", "--help").out().contains("--grant-to=ROLE"));
        assertTrue(cli("reap", "--help").out().contains("--older-than=DURATION") && cli("reap", "--help").out().contains("--dry-run"));
        assertEquals(cli("migrate", "--help").out(), cli("help", "migrate").out());
    }

    @Test
    void addedCommandsAreListedHelpedAndVersioned() throws Exception {
        Outcome top = cli(Map.of(), new Object[] {new Paint()}, "--help");
        assertTrue(top.out().contains("paint"), top.out());
        Outcome help = cli(Map.of(), new Object[] {new Paint()}, "paint", "--help");
        assertEquals(0, help.rc());
        assertTrue(help.out().contains("--colour") && help.out().contains("RED, GREEN"), help.out());
        assertEquals(cli("--version").out(), cli(Map.of(), new Object[] {new Paint()}, "paint", "--version").out());
    }

    @Test
    void versionPrintsTheProjectVersion() throws Exception {
        Outcome o = cli("--version");
        assertEquals(0, o.rc());
        assertTrue(o.out().matches("acidic \\d+\\.\\d+\\.\\d+\\S*\\R"), o.out());
    }

    @Test
    void unknownOptionExitsTwoNamingIt() throws Exception {
        Outcome o = cli("migrate", "--grant", "app");
        assertEquals(2, o.rc());
        assertTrue(o.err().startsWith("Unknown options: '--grant'"), o.err());
        assertTrue(o.err().contains("--grant-to"), "suggests the option meant: " + o.err());
        assertTrue(o.err().contains("See 'acidic migrate --help'"), o.err());
        assertEquals("", o.out());
    }

    @Test
    void unknownCommandExitsTwoNamingIt() throws Exception {
        Outcome o = cli("migrat");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("'migrat'") && o.err().contains("migrate"), o.err());
    }

    @Test
    void missingOptionValueExitsTwoNamingTheOption() throws Exception {
        Outcome o = cli("migrate", "--grant-to");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("--grant-to"), o.err());
    }

    @Test
    void badEnumValueExitsTwoNamingTheAcceptedValues() throws Exception {
        Outcome o = cli(Map.of(), new Object[] {new Paint()}, "paint", "--colour", "BLUE");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("--colour") && o.err().contains("[RED, GREEN]") && o.err().contains("'BLUE'"), o.err());
    }

    @Test
    void badNumberExitsTwoNamingTheOption() throws Exception {
        Outcome o = cli(Map.of(), new Object[] {new Paint()}, "paint", "--coats", "two");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("--coats") && o.err().contains("'two'"), o.err());
    }

    @Test
    void configurationErrorExitsTwo() throws Exception {
        Outcome run = cli(Map.of("ACIDIC_STREAM_THREDS", "2"), new Object[0], "run");
        assertEquals(2, run.rc());
        assertTrue(run.err().startsWith("configuration error: ") && run.err().contains("'acidic.stream.threds'"), run.err());
        Outcome migrate = cli(Map.of("ACIDIC_STREAM_THREDS", "2"), new Object[0], "migrate");
        assertEquals(2, migrate.rc());
        assertTrue(migrate.err().startsWith("configuration error: "), migrate.err());
    }

    @Test
    void migrateWithoutAJdbcUrlSaysWhatItNeeds() throws Exception {
        Outcome o = cli("migrate");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("migrate needs ACIDIC_JDBC_URL"), o.err());
    }

    @Test
    void migrateTakesTheJobJarsLikeRunAndNamesAPathThatIsNone() throws Exception {
        assertTrue(cli("migrate", "--help").out().contains("--jobs=PATH"));
        Outcome o = cli(Map.of("ACIDIC_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/none"), new Object[0],
                "migrate", "--jobs", "/no/such/jobs");
        assertEquals(2, o.rc(), o.err());
        assertTrue(o.err().contains("--jobs /no/such/jobs: no such jar or directory"), o.err());
    }

    @Test
    void reapSaysWhatItNeedsAndRefusesToTakeEveryKey() throws Exception {
        assertTrue(cli("reap").err().contains("reap needs ACIDIC_JDBC_URL"));
        Map<String, String> db = Map.of("ACIDIC_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/none");
        Outcome keepAll = cli(Map.of("ACIDIC_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/none", "ACIDIC_RETENTION", "0"), new Object[0],
                "reap");
        assertEquals(2, keepAll.rc());
        assertTrue(keepAll.err().contains("acidic.retention is 0") && keepAll.err().contains("--older-than"), keepAll.err());
        Outcome bad = cli(db, new Object[0], "reap", "--older-than", "soon");
        assertEquals(2, bad.rc());
        assertTrue(bad.err().startsWith("--older-than: ") && bad.err().contains("'soon'"), bad.err());
        Outcome zero = cli(db, new Object[0], "reap", "--older-than", "0");
        assertEquals(2, zero.rc());
        assertTrue(zero.err().contains("must be positive"), zero.err());
    }

    @Test
    void theJobsCommandsEachHaveHelpWithTheOutputOptionAndTheirJsonFields() throws Exception {
        Outcome jobs = cli("jobs", "--help");
        assertEquals(0, jobs.rc(), jobs.err());
        for (String c : new String[] {"list", "show", "stats", "cancel", "retry", "resume", "signal"}) {
            assertTrue(jobs.out().contains("\n  " + c + " "), c + " in:\n" + jobs.out());
            Outcome o = cli("jobs", c, "--help");
            assertEquals(0, o.rc(), c + ": " + o.err());
            assertTrue(o.out().startsWith("Usage: acidic jobs " + c), o.out());
            assertTrue(o.out().contains("-o, --output=FORMAT") && o.out().contains("-o json: "), c + ":\n" + o.out());
        }
        assertEquals(cli("jobs", "--help").out(), cli("jobs").out(), "without a subcommand: the usage");
        for (String c : new String[] {"submit", "reap"}) {
            Outcome o = cli(c, "--help");
            assertTrue(o.out().contains("-o, --output=FORMAT") && o.out().contains("-o json: "), c + ":\n" + o.out());
        }
        assertTrue(cli("jobs", "list", "--help").out().contains("--before=CURSOR"));
        assertTrue(cli("submit", "--help").out().contains("--wait=DURATION"));
        assertTrue(cli("jobs", "cancel", "--help").out().contains("--reason=TEXT"));
    }

    @Test
    void aBadValueOfAJobsCommandExitsTwoNamingItBeforeAnythingIsOpened() throws Exception {
        Outcome format = cli("jobs", "list", "-o", "yaml");
        assertEquals(2, format.rc());
        assertTrue(format.err().startsWith("Invalid value for option '--output': expected one of table, json, jsonl but was 'yaml'"),
                format.err());
        Outcome limit = cli("jobs", "list", "--limit", "5000");
        assertEquals(2, limit.rc());
        assertTrue(limit.err().startsWith("--limit must be 1 to 1000, not 5000"), limit.err());
        Outcome since = cli("jobs", "list", "--since", "last week");
        assertEquals(2, since.rc());
        assertTrue(since.err().contains("'last week' is not a duration, an instant or a date"), since.err());
        Outcome cursor = cli("jobs", "list", "--before", "x");
        assertEquals(2, cursor.rc());
        assertTrue(cursor.err().contains("is not a page cursor"), cursor.err());
        Outcome wait = cli("submit", "k", "some.job", "--wait", "-1s");
        assertEquals(2, wait.rc());
        assertTrue(wait.err().contains("--wait"), wait.err());
        Outcome args = cli("submit", "k", "some.job", "[1, 2]");
        assertEquals(2, args.rc());
        assertTrue(args.err().startsWith("ARGS_JSON must be a JSON object, not array"), args.err());
        Outcome payload = cli("jobs", "signal", "k", "go", "{oops");
        assertEquals(2, payload.rc());
        assertTrue(payload.err().startsWith("JSON is not JSON: "), payload.err());
        Outcome reserved = cli("jobs", "signal", "k", "$children");
        assertEquals(2, reserved.rc());
        assertTrue(reserved.err().contains("must not start with \"$\""), reserved.err());
        Outcome missing = cli("jobs", "show");
        assertEquals(2, missing.rc());
        assertTrue(missing.err().contains("Missing required parameter: 'KEY'"), missing.err());
    }

    @Test
    void theJobsCommandsSayWhatConfigurationTheyNeed() throws Exception {
        Outcome list = cli("jobs", "list");
        assertEquals(2, list.rc());
        assertTrue(list.err().contains("jobs list needs ACIDIC_JDBC_URL"), list.err());
        Outcome cancel = cli(Map.of("ACIDIC_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/none"), new Object[0], "jobs", "cancel", "k");
        assertEquals(2, cancel.rc());
        assertTrue(cancel.err().contains("jobs cancel needs ACIDIC_BOOTSTRAP_SERVERS"), cancel.err());
        Outcome submit = cli(Map.of("ACIDIC_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/none"), new Object[0], "submit", "k", "j");
        assertEquals(2, submit.rc());
        assertTrue(submit.err().contains("submit needs ACIDIC_BOOTSTRAP_SERVERS"), submit.err());
    }

    @Test
    void settingsListsEverySetting() throws Exception {
        Outcome o = cli("settings");
        assertEquals(0, o.rc());
        assertEquals(AcidicConfig.SETTINGS.size(), o.out().lines().count());
        for (AcidicConfig.Setting s : AcidicConfig.SETTINGS) {
            assertTrue(o.out().contains(s.envName()), s.envName());
        }
    }

    @Test
    void aCommandsExceptionReachesTheCaller() {
        Paint p = new Paint();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> cli(Map.of(), new Object[] {p}, "paint", "--coats", "-1"));
        assertEquals("negative coats", e.getMessage());
        assertSame(IllegalStateException.class, e.getClass());
    }
}
