package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.processor.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The jar's command line as Main builds it, without starting anything: demo and bench sit beside
 * run, migrate and settings, with generated help and typed options whose errors name the option.
 */
class MainCommandLineTest {

    /** What one invocation printed and answered. */
    record Outcome(int rc, String out, String err) {}

    private static Outcome jar(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        int rc = Cli.run(args, Map.of(), o, new PrintStream(err, true, StandardCharsets.UTF_8), new EmbeddedServers(),
                new DemoCommand(o), new BenchCommand(o), new ServersCommand(o));
        return new Outcome(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void topLevelHelpListsEveryCommand() throws Exception {
        Outcome o = jar("--help");
        assertEquals(0, o.rc(), o.err());
        for (String c : new String[] {"run", "migrate", "settings", "demo", "bench", "servers", "help"}) {
            assertTrue(o.out().lines().anyMatch(l -> l.startsWith("  " + c + " ")), c + " listed in:\n" + o.out());
        }
    }

    @Test
    void demoAndBenchHelpListTheirOptionsAndExitZero() throws Exception {
        Outcome demo = jar("demo", "--help");
        assertEquals(0, demo.rc(), demo.err());
        for (String opt : new String[] {"--rides=N", "--rate=R", "--instances=K", "--threads=T", "--commit-interval=D", "--no-kill",
            "--bootstrap-servers=HOST:PORT", "--jdbc-url=URL", "--jdbc-user=U", "--jdbc-password=P"}) {
            assertTrue(demo.out().contains(opt), opt + " in:\n" + demo.out());
        }
        assertTrue(demo.out().contains("rides to request (default: 1000)"), demo.out());
        Outcome bench = jar("bench", "--help");
        assertEquals(0, bench.rc(), bench.err());
        for (String opt : new String[] {"--jobs=N", "--threads=T", "--warmup=N", "--w2-jobs=N", "--w3-jobs=N", "--w4-seconds=S",
            "--w4-rate=R", "--w5-rate=R", "--ceiling-seconds=S", "--commit-interval=D", "--batch-max=N", "--batch-linger=D",
            "--reap-keys=N", "--workloads=W", "--out=DIR", "--bootstrap-servers=HOST:PORT", "--jdbc-url=URL"}) {
            assertTrue(bench.out().contains(opt), opt + " in:\n" + bench.out());
        }
        assertTrue(bench.out().replaceAll("\\s+", " ").contains("w1, w1f, w2, w3, w4, w5, ceiling, reap"), // wrapped in the help
                "the accepted workloads:\n" + bench.out());
    }

    @Test
    void benchDefaultsAreTheDocumentedOnes() {
        BenchCommand b = new BenchCommand(System.out);
        new CommandLine(b).parseArgs();
        assertEquals(20_000, b.jobs);
        assertEquals(4, b.threads);
        assertEquals(2_000, b.warmup());
        assertEquals(5_000, b.w2Jobs());
        assertEquals(10_000, b.w3Jobs());
        assertEquals(20, b.w4Seconds);
        assertEquals(100, b.w5Rate);
        assertEquals(15, b.ceilingSeconds);
        assertEquals(EnumSet.complementOf(EnumSet.of(BenchCommand.Workload.REAP)), b.workloads, "reap only on request");
        assertEquals(100_000, b.reapKeys);
        assertEquals("target/bench", b.outDir.toString());
        assertEquals("postgres", b.servers.jdbcUser);
        assertEquals("", b.servers.jdbcPassword);
        assertEquals(null, b.commitInterval);
        assertEquals(null, b.batchMax);

        BenchCommand small = new BenchCommand(System.out);
        new CommandLine(small).parseArgs("--workloads", "w1,ceiling", "--jobs", "500");
        assertEquals(EnumSet.of(BenchCommand.Workload.W1, BenchCommand.Workload.CEILING), small.workloads);
        assertEquals(100, small.warmup(), "jobs/10, at least 100");
        assertEquals(125, small.w2Jobs());
    }

    @Test
    void demoDefaultsAreTheDocumentedOnes() {
        DemoCommand d = new DemoCommand(System.out);
        new CommandLine(d).parseArgs("--no-kill");
        assertEquals(1000, d.rides);
        assertEquals(15, d.rate);
        assertEquals(2, d.instances);
        assertEquals(1, d.threads);
        assertEquals("100ms", d.commitInterval);
        assertTrue(d.noKill);
    }

    @Test
    void anUnknownWorkloadExitsTwoNamingTheAcceptedOnes() throws Exception {
        Outcome o = jar("bench", "--workloads", "w1,w9");
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("--workloads") && o.err().contains("'w9'") && o.err().contains("w1, w1f, w2, w3, w4, w5, ceiling"),
                o.err());
        assertTrue(o.out().isEmpty(), "nothing ran: " + o.out());
    }

    @Test
    void benchAndDemoHelpWorkWhereTheOldParserWantedAValue() throws Exception {
        // the hand-written parser answered "option --help needs a value"
        assertEquals(0, jar("bench", "--help").rc());
        assertEquals(0, jar("demo", "-h").rc());
    }

    @Test
    void usageErrorsExitTwoNamingTheOption() throws Exception {
        Outcome unknown = jar("demo", "--ridez", "5");
        assertEquals(2, unknown.rc());
        assertTrue(unknown.err().contains("'--ridez'") && unknown.err().contains("--rides"), unknown.err());
        Outcome notANumber = jar("bench", "--jobs", "many");
        assertEquals(2, notANumber.rc());
        assertTrue(notANumber.err().contains("--jobs") && notANumber.err().contains("'many'"), notANumber.err());
        Outcome noValue = jar("demo", "--rides");
        assertEquals(2, noValue.rc());
        assertTrue(noValue.err().contains("--rides"), noValue.err());
    }

    @Test
    void versionWorksEverywhere() throws Exception {
        Outcome top = jar("--version");
        assertEquals(0, top.rc());
        assertTrue(top.out().startsWith("acidic "), top.out());
        assertEquals(top.out(), jar("bench", "--version").out());
        assertEquals(top.out(), jar("demo", "--version").out());
    }
}
