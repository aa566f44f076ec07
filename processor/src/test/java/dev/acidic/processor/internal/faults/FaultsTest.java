package dev.acidic.processor.internal.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.processor.internal.faults.Faults.Point;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FaultsTest {
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void listen() {
        Faults.reset();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Faults.class)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(Faults.class)).detachAppender(logs);
        Faults.reset();
    }

    @Test
    void theVariableAloneArmsNothingAndSaysSo() throws Exception {
        Map<String, String> env = Map.of(Faults.ENV, "before-step=throw@1");

        assertFalse(Faults.armFromEnvironment(env, null));
        assertFalse(Faults.armFromEnvironment(env, "yes"));

        assertFalse(Faults.armed());
        Faults.hit(Point.BEFORE_STEP, "k"); // inert: does not throw
        ILoggingEvent warning = logs.list.get(0);
        assertEquals(Level.WARN, warning.getLevel());
        String text = warning.getFormattedMessage();
        assertTrue(text.contains("ACIDIC_FAULTS") && text.contains("-Dacidic.faults.enabled=true") && text.contains("nothing is armed"), text);
    }

    @Test
    void theVariableWithTheFlagArmsTheSpec() {
        Map<String, String> env = Map.of(Faults.ENV, "before-step=throw@2");

        assertTrue(Faults.armFromEnvironment(env, "true"));

        assertTrue(Faults.armed());
        Faults.hitUnchecked(Point.BEFORE_STEP, "k"); // first hit passes
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Faults.hitUnchecked(Point.BEFORE_STEP, "k"));
        assertTrue(e.getMessage().contains("before-step") && e.getMessage().contains("key k"), e.getMessage());
        Faults.hitUnchecked(Point.AFTER_PHASE_COMMIT, "k"); // other points stay inert
    }

    @Test
    void noVariableNoWarning() {
        assertFalse(Faults.armFromEnvironment(Map.of(), "true"));
        assertFalse(Faults.armFromEnvironment(Map.of(Faults.ENV, " "), null));
        assertTrue(logs.list.isEmpty());
    }

    @Test
    void anUnknownActionNamesTheVariableAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Faults.armFromEnvironment(Map.of(Faults.ENV, "before-step=explode"), "true"));
        assertTrue(e.getMessage().contains("ACIDIC_FAULTS") && e.getMessage().contains("halt or throw"), e.getMessage());
    }
}
