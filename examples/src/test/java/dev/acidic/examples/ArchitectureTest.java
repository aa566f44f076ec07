package dev.acidic.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of ARCHITECTURE.md, checked on the compiled classes of every module (the examples
 * module sees them all): a rule broken here names the class and the dependency that broke it.
 */
@AnalyzeClasses(packages = "dev.acidic", importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {
    private static final String API = "dev.acidic.api..";
    private static final String PROCESSOR = "dev.acidic.processor..";
    private static final String STREAMS = "dev.acidic.processor.internal.streams..";
    private static final String ENGINE = "dev.acidic.processor.internal.engine..";
    private static final String STORE = "dev.acidic.processor.internal.store..";
    private static final String CONFIG = "dev.acidic.processor.internal.config..";
    private static final String FAULTS = "dev.acidic.processor.internal.faults..";
    private static final String EMBEDDED = "dev.acidic.embedded..";
    private static final String KAFKA = "org.apache.kafka..";

    /** The processor's test classes come in as a test jar, which DoNotIncludeTests does not recognise. */
    static final class NoTestJars implements ImportOption {
        @Override
        public boolean includes(com.tngtech.archunit.core.importer.Location location) {
            return !location.contains("-tests.jar");
        }
    }

    @ArchTest
    static final ArchRule jobApiKnowsNoEngine = noClasses().that().resideInAPackage(API)
            .should().dependOnClassesThat().resideInAnyPackage(PROCESSOR, EMBEDDED, "org.apache.kafka.streams..", "com.zaxxer..", "org.postgresql..")
            .because("job authors and clients depend on job-api alone (its JobClient needs kafka-clients, nothing more)");

    @ArchTest
    static final ArchRule engineHasNoKafkaTypes = noClasses().that().resideInAPackage(ENGINE)
            .should().dependOnClassesThat().resideInAnyPackage(KAFKA, STREAMS)
            .because("the engine drives keys; the Kafka Streams adapter (internal.streams) turns its results into records");

    @ArchTest
    static final ArchRule storeKnowsNoEngine = noClasses().that().resideInAPackage(STORE)
            .should().dependOnClassesThat().resideInAnyPackage(ENGINE, STREAMS, KAFKA)
            .because("the store is SQL over key rows, journal, values and staged jobs; the engine decides what to write");

    @ArchTest
    static final ArchRule engineAndStoreTakeTheirOwnSettings = noClasses().that().resideInAnyPackage(ENGINE, STORE)
            .should().dependOnClassesThat().haveFullyQualifiedName("dev.acidic.processor.AcidicConfig")
            .because("the engine and the store take small settings records; only the entry points and the adapter read AcidicConfig");

    @ArchTest
    static final ArchRule leavesDependOnNothingOfOurs = noClasses().that().resideInAnyPackage(CONFIG, FAULTS)
            .should().dependOnClassesThat().resideInAnyPackage(STREAMS, ENGINE, STORE)
            .because("settings and fault points are leaves every layer may use");

    @ArchTest
    static final ArchRule productionCodeStartsNoServers = noClasses().that().resideInAnyPackage(API, PROCESSOR)
            .should().dependOnClassesThat().resideInAnyPackage(EMBEDDED, "kafka..", "io.zonky..")
            .because("the processor library ships no broker and no Postgres; the runnable jar wires them in through LocalInfrastructure");

    @ArchTest
    static final ArchRule examplesUseOnlyPublicApi = noClasses().that().resideInAPackage("dev.acidic.examples..")
            .should().dependOnClassesThat().resideInAPackage("dev.acidic.processor.internal..")
            .because("the examples are written as a user writes jobs");

    @ArchTest
    static final ArchRule testkitUsesOnlyPublicApi = noClasses().that().resideInAPackage("dev.acidic.testkit..")
            .should().dependOnClassesThat().resideInAPackage("dev.acidic.processor.internal..")
            .because("the testkit drives the engine through the processor's public entry points (DirectEngine, CrashPoints),"
                    + " as any tool of a user's could");

    @ArchTest
    static final ArchRule internalLayersHaveNoCycles = slices().matching("dev.acidic.processor.internal.(*)..")
            .should().beFreeOfCycles();
}
