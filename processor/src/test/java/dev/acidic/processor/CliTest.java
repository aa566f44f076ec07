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
        for (String c : new String[] {"run", "migrate", "settings", "reap", "help", "--version"}) {
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
