package dev.acidic.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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

    @Test
    void aStoredRecoveryPointResolvesToItselfItsRenameOrWhereARemovedStepContinues() {
        JobDefinition d = JobDefinition.named("a.b")
                .renamedStep("charge", "charge_card") // declared before the steps: order does not matter
                .step("reserve", NOOP).step("charge_card", NOOP).step("receipt", NOOP)
                .removedStep("audit", "receipt")
                .build();
        assertEquals(Optional.of("reserve"), d.resolve("reserve"));
        assertEquals(Optional.of("charge_card"), d.resolve("charge"));
        assertEquals(Optional.of("receipt"), d.resolve("audit"));
        assertEquals(Optional.empty(), d.resolve("gone"));
        assertEquals(Optional.empty(), d.resolve("$finished"));
        assertEquals(List.of("reserve", "charge_card", "receipt"), d.stepNames(), "former names are no steps");
        assertFalse(d.hasStep("charge"));
        assertEquals(Map.of("charge", "charge_card", "audit", "receipt"), d.formerSteps());
    }

    @Test
    void chainsOfFormerNamesResolveToTheirEnd() {
        // release 2 renamed a to b; release 3 renamed b to c and removed x, whose job continues at the former b
        JobDefinition d = JobDefinition.named("a.b")
                .step("c", NOOP).step("d", NOOP)
                .renamedStep("a", "b").renamedStep("b", "c").removedStep("x", "b")
                .build();
        assertEquals(Optional.of("c"), d.resolve("a"));
        assertEquals(Optional.of("c"), d.resolve("b"));
        assertEquals(Optional.of("c"), d.resolve("x"));
        assertEquals(Optional.of("d"), d.resolve("d"));
    }

    @Test
    void badFormerStepDeclarationsAreRefusedAtBuild() {
        JobDefinition.Builder b = JobDefinition.named("a.b").step("one", NOOP).step("two", NOOP);
        String still = assertThrows(IllegalArgumentException.class,
                () -> JobDefinition.named("a.b").step("one", NOOP).renamedStep("one", "one").build()).getMessage();
        assertTrue(still.contains("'one'") && still.contains("still has a step"), still);
        String missing = assertThrows(IllegalArgumentException.class,
                () -> JobDefinition.named("a.b").step("one", NOOP).removedStep("old", "nowhere").build()).getMessage();
        assertTrue(missing.contains("'old'") && missing.contains("'nowhere'") && missing.contains("[one]"), missing);
        String cycle = assertThrows(IllegalArgumentException.class,
                () -> JobDefinition.named("a.b").step("one", NOOP).renamedStep("x", "y").renamedStep("y", "x").build()).getMessage();
        assertTrue(cycle.contains("cycle x -> y -> x"), cycle);
        String twice = assertThrows(IllegalArgumentException.class, () -> b.renamedStep("old", "one").removedStep("old", "two"))
                .getMessage();
        assertTrue(twice.contains("'old' twice"), twice);
        assertThrows(IllegalArgumentException.class, () -> b.renamedStep("bad name", "one"));
        assertThrows(IllegalArgumentException.class, () -> b.removedStep("x", null));
        String brokenChain = assertThrows(IllegalArgumentException.class,
                () -> JobDefinition.named("a.b").step("one", NOOP).renamedStep("a", "b").renamedStep("b", "c").build()).getMessage();
        assertTrue(brokenChain.contains("a -> b -> c"), brokenChain);
    }
}
