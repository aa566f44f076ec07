package dev.acidic.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobDefinitionTest {
    private static final Step NOOP = ctx -> PhaseResult.next();

    @Test
    void stepsKeepTheirOrder() {
        JobDefinition d = JobDefinition.named("a.b").step("one", NOOP).step("two", NOOP).build();
        assertEquals(List.of("one", "two"), d.stepNames());
        assertEquals("one", d.firstStep());
        assertEquals(Optional.of("two"), d.stepAfter("one"));
        assertEquals(Optional.empty(), d.stepAfter("two"));
    }

    @Test
    void duplicateEmptyOrInvalidDefinitionsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> JobDefinition.named("a").step("s", NOOP).step("s", NOOP)).getMessage().contains("twice"));
        assertThrows(IllegalArgumentException.class, () -> JobDefinition.named("a").build());
        assertThrows(IllegalArgumentException.class, () -> JobDefinition.named("bad name"));
        assertThrows(IllegalArgumentException.class, () -> JobDefinition.named("a").step("$finished", NOOP));
    }
}
