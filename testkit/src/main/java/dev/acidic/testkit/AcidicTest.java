package dev.acidic.testkit;

import dev.acidic.api.JobProvider;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with the Acidic testkit: a real Postgres (embedded, started once per test JVM)
 * with a database of the class's own, migrated and holding your jobs' tables, and an
 * {@link AcidicKit} injected into test methods (and constructors, {@code @BeforeEach} and
 * {@code @BeforeAll} methods) that asks for one.
 *
 * <pre>{@code
 * @AcidicTest
 * class GreetingsTest {
 *     @Test
 *     void greetsOnce(AcidicKit acidic) {
 *         acidic.run(Greetings.definition(), Map.of("name", "Ada")).assertSucceeded();
 *     }
 * }
 * }</pre>
 *
 * <p>Jobs and their schema come from {@link #providers()}, or, when none are named, from every
 * {@link JobProvider} on the test class path ({@code META-INF/services}); a job passed to
 * {@link AcidicKit#run} is added on the fly.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(AcidicExtension.class)
public @interface AcidicTest {
    /**
     * Whether jobs run through a real processor on a real (embedded) Kafka: requests, events and
     * completions travel through topics as in production. Slower to start (a few seconds per
     * class); the default drives the same engine directly on Postgres.
     */
    boolean kafka() default false;

    /** The providers whose jobs and schema the class uses; none: every provider on the class path. */
    Class<? extends JobProvider>[] providers() default {};
}
