package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardLayoutTest {
    /** Keys named after their partition: "p3:anything" hashes to partition 3. */
    private static final ShardLayout TWO_OVER_SIX = new ShardLayout(2, 6, k -> Integer.parseInt(k.substring(1, k.indexOf(':'))));

    @Test
    void partitionPLivesInDatabasePModShards() {
        assertEquals(Map.of(0, 0, 1, 1, 2, 0, 3, 1, 4, 0, 5, 1),
                Map.of(0, TWO_OVER_SIX.shardOf(0), 1, TWO_OVER_SIX.shardOf(1), 2, TWO_OVER_SIX.shardOf(2), 3, TWO_OVER_SIX.shardOf(3),
                        4, TWO_OVER_SIX.shardOf(4), 5, TWO_OVER_SIX.shardOf(5)));
        assertEquals(1, TWO_OVER_SIX.shardOfKey("p5:order-1"));
        assertEquals(0, TWO_OVER_SIX.shardOfKey("p4:order-1"));
        assertTrue(TWO_OVER_SIX.sharded());
    }

    @Test
    void oneDatabaseShardsNothing() {
        ShardLayout one = ShardLayout.single();
        assertFalse(one.sharded());
        assertEquals(0, one.shardOf(5));
        assertEquals(0, one.shardOfKey("anything"));
        assertNull(one.childProblem("parent", "child"));
    }

    @Test
    void aChildMustShareItsParentsDatabase() {
        assertNull(TWO_OVER_SIX.childProblem("p1:parent", "p3:child"), "partitions 1 and 3 share database 1");
        String problem = TWO_OVER_SIX.childProblem("p1:parent", "p2:child");
        assertTrue(problem.contains("'p2:child' lives in database 0 (partition 2)"), problem);
        assertTrue(problem.contains("'p1:parent' in database 1 (partition 1)"), problem);
        assertTrue(problem.contains("ctx.stage"), problem);
    }

    @Test
    void aLayoutNeedsADatabaseAndAPartition() {
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(0, 6, k -> 0));
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(2, 0, k -> 0));
    }

    @Test
    void aStoredLayoutMustMatchTheGivenOne() {
        assertNull(ShardLayouts.problem(1, TWO_OVER_SIX, null), "nothing stored yet: fixed now");
        assertNull(ShardLayouts.problem(1, TWO_OVER_SIX, new int[] {1, 2, 6}));
        assertTrue(ShardLayouts.problem(0, TWO_OVER_SIX, new int[] {1, 2, 6}).contains("same order"), "URLs swapped");
        assertTrue(ShardLayouts.problem(1, new ShardLayout(3, 6, k -> 0), new int[] {1, 2, 6}).contains("same order"),
                "a database added");
        assertTrue(ShardLayouts.problem(1, new ShardLayout(2, 8, k -> 0), new int[] {1, 2, 6}).contains("partitions were added"));
        assertTrue(ShardLayouts.problem(0, ShardLayout.single(), new int[] {0, 2, 6}).contains("acidic.jdbc.shards is empty"));
        assertNull(ShardLayouts.problem(0, ShardLayout.single(), null), "never sharded");
    }
}
