package dev.acidic.processor.internal;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Classifies failures by Postgres SQLSTATE, looking through the whole cause chain. */
final class SqlErrors {
    private SqlErrors() {}

    /** Serialization failure (40001) or deadlock (40P01): retry the transaction, blame nobody. */
    static boolean isConcurrencyConflict(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && ("40001".equals(s.getSQLState()) || "40P01".equals(s.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** A NOWAIT lock found the row locked by another transaction (55P03). */
    static boolean isLockNotAvailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && "55P03".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The database is unreachable, restarting or refusing connections (class 08, 57P0x admin
     * shutdown, pool timeout): not the step's fault, so not counted as a failed attempt.
     */
    static boolean isUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException s && s.getSQLState() != null) {
                String st = s.getSQLState();
                if (st.startsWith("08") || st.startsWith("57P") || st.equals("53300")) {
                    return true;
                }
            }
        }
        return false;
    }
}
