package dev.acidic.processor.it;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;

/** A processor JVM for crash tests: the test jobs, configured from ACIDIC_* variables (and ACIDIC_FAULTS). */
public final class ProcessorMain {
    private ProcessorMain() {}

    public static void main(String[] args) throws Exception {
        AcidicProcessor p = AcidicProcessor.builder(AcidicConfig.fromEnv()).discoverJobs(false).jobs(TestJobs.all()).build();
        Runtime.getRuntime().addShutdownHook(new Thread(p::close));
        p.start();
        p.awaitShutdown();
    }
}
