package dev.acidic.processor.internal.engine;

import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the engine does to connections beyond SQL: roll back without hiding the cause, abandon, pause before a retry. */
final class Connections {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private Connections() {}

    /**
     * Makes a timed-out step's connection unusable: the socket is closed at once (Postgres rolls
     * the phase back, and SQL the step still sends fails), and the pool drops the connection.
     */
    static void abandon(Connection c) {
        try {
            // a statement still running on the server keeps its locks until it ends: cancel it first
            c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
            log.debug("cancelling a timed-out step's statement: {}", e.toString());
        }
        try {
            c.abort(Runnable::run); // the pool sees the broken connection when it is closed, and drops it
        } catch (SQLException | RuntimeException e) {
            log.debug("aborting a timed-out step's connection: {}", e.toString());
        }
    }

    /** Rolls back; a failure to do so rides along on {@code cause} instead of replacing it. */
    static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    static SQLException asSql(Exception e) {
        if (e instanceof SQLException s) {
            return s;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return new SQLException(e.getMessage(), e);
    }

    /** A short, growing, jittered pause before retrying a deadlock or serialization conflict. */
    static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(200, 5L << attempt) + (long) (Math.random() * 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
