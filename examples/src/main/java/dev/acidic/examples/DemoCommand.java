package dev.acidic.examples;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code demo}: the rocket-rides demo's options; {@link Demo} runs it. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The rocket-rides demo: two processor JVMs, a fake payment gateway, rides with duplicates, "
            + "declined cards and injected failures, one processor SIGKILLed mid-way, then refunds that wait for an "
            + "approval signal; checks exactly-once.",
            "Exit 0 when every check matches, 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--rides", paramLabel = "N", defaultValue = "1000", description = "rides to request (default: ${DEFAULT-VALUE})")
    int rides;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "15", description = "requests per second (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--instances", paramLabel = "K", defaultValue = "2", description = "processor JVMs (default: ${DEFAULT-VALUE})")
    int instances;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "stream threads per processor (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--commit-interval", paramLabel = "D", defaultValue = "100ms",
            description = "processor setting ACIDIC_COMMIT_INTERVAL (default: ${DEFAULT-VALUE})")
    String commitInterval;

    @Option(names = "--no-kill", description = "do not SIGKILL a processor mid-way")
    boolean noKill;

    @Option(names = "--http-port", paramLabel = "P", defaultValue = "8080",
            description = "first processor's dashboard and metrics port, the next ones count up from it; a port in use moves "
                    + "the lot to free ones; 0: none (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--keep", description = "after the summary, keep the processors, Kafka and Postgres running (and the "
            + "dashboard up) until Ctrl-C, to look around")
    boolean keep;

    @Mixin
    ServerOptions servers;

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        return new Demo(this, out).run();
    }
}
