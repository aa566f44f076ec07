package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.sql.SQLTransientConnectionException;

/** Classifies failures by Postgres SQLSTATE, looking through the whole cause chain. */
public final class SqlErrors {
    private SqlErrors() {}

    /** Every throwable in the cause chain, and each SQLException's next-exception chain (batches). */
    private static List<Throwable> chain(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        if (t != null) {
            todo.add(t);
        }
        while (!todo.isEmpty() && out.size() < 32) {
            Throwable c = todo.poll();
            if (out.contains(c)) {
                continue;
            }
            out.add(c);
            if (c.getCause() != null) {
                todo.add(c.getCause());
            }
            if (c instanceof SQLException s && s.getNextException() != null) {
                todo.add(s.getNextException());
            }
        }
        return out;
    }

    private static boolean anyState(Throwable t, Predicate<String> state) {
        for (Throwable c : chain(t)) {
            if (c instanceof SQLException s && s.getSQLState() != null && state.test(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code c}'s transaction is aborted: a statement failed and nothing rolled back
     * (Postgres refuses every further statement but ROLLBACK). Reads the driver's state from the
     * server's last ready-for-query message; costs no round trip.
     */
    public static boolean inFailedTransaction(Connection c) {
        try {
            return c.isWrapperFor(BaseConnection.class)
                    && c.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED;
        } catch (SQLException e) {
            return false; // a closed connection: whatever uses it next says so
        }
    }

    /** Postgres ended the session because its transaction sat idle too long (25P03). */
    public static boolean isIdleTimeout(Throwable t) {
        return anyState(t, "25P03"::equals) || chain(t).stream().anyMatch(c -> String.valueOf(c.getMessage())
                .contains("idle-in-transaction timeout"));
    }

    /** Serialization failure (40001) or deadlock (40P01): retry the transaction, blame nobody. */
    public static boolean isConcurrencyConflict(Throwable t) {
        return anyState(t, st -> st.equals("40001") || st.equals("40P01"));
    }

    /** Data the statement carried was refused (class 22 data exception, 23 constraint, 54 limits). */
    public static boolean isDataError(Throwable t) {
        return anyState(t, st -> st.startsWith("22") || st.startsWith("23") || st.startsWith("54"));
    }

    /** A NOWAIT lock found the row locked by another transaction (55P03). */
    public static boolean isLockNotAvailable(Throwable t) {
        return anyState(t, "55P03"::equals);
    }

    /**
     * The database is unreachable, restarting or refusing connections (class 08, 57P0x admin
     * shutdown, pool timeout): not the step's fault, so not counted as a failed attempt.
     */
    public static boolean isUnavailable(Throwable t) {
        return chain(t).stream().anyMatch(c -> c instanceof SQLTransientConnectionException)
                || anyState(t, st -> st.startsWith("08") || st.startsWith("57P") || st.equals("53300"));
    }
}
