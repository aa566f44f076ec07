package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.SqlErrors;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;

/**
 * What a step gets as {@code ctx.connection()}: the phase's connection, minus the calls that
 * belong to the engine. The phase's transaction commits the step's writes together with the
 * recovery point, so a step may not end it ({@code commit}, {@code rollback()}), change its mode
 * ({@code setAutoCommit}, {@code setTransactionIsolation}, {@code setReadOnly}) or give the
 * connection back ({@code close}, {@code abort}); each raises an error naming the step and the
 * rule, and fails the attempt even when the step catches it. Savepoints stay the step's own:
 * {@code rollback(savepoint)} is how a step recovers from a SQL error it handles.
 *
 * <p>{@link #check} runs after the step returned: a misuse the step swallowed, or a transaction
 * left aborted by a SQL error it caught without rolling back to a savepoint, is a failed attempt
 * (the commit would otherwise fail in the engine's name and be retried uncounted, forever).
 */
final class GuardedConnection implements InvocationHandler {
    private final Connection real;
    private final String key;
    private final String job;
    private final String step;
    private final Connection proxy;
    private volatile IllegalStateException misuse;

    GuardedConnection(Connection real, String key, String job, String step) {
        this.real = real;
        this.key = key;
        this.job = job;
        this.step = step;
        this.proxy = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, this);
    }

    /** The connection to hand to the step. */
    Connection connection() {
        return proxy;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        switch (name) {
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            case "toString":
                return "ctx.connection() of step '" + step + "' (key '" + key + "')";
            case "unwrap":
                if (((Class<?>) args[0]).isInstance(self)) {
                    return self; // Connection itself: the guard, not the connection behind it
                }
                break;
            default:
                String rule = forbidden(name, args);
                if (rule != null) {
                    IllegalStateException e = new IllegalStateException("step '" + step + "' of job '" + job + "' (key '" + key
                            + "') called Connection." + name + "() on ctx.connection(): " + rule);
                    misuse = e;
                    throw e;
                }
        }
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Why {@code method} is not the step's to call, or null. */
    private static String forbidden(String method, Object[] args) {
        return switch (method) {
            case "close", "abort" -> "the engine owns this connection and returns it to the pool after the phase;"
                    + " close the statements and result sets you open, not the connection (no try-with-resources on it)";
            case "commit" -> "the phase commits the step's writes together with the job's recovery point; return a PhaseResult"
                    + " and the engine commits (a step that must commit on its own belongs in a job of its own)";
            case "rollback" -> args == null || args.length == 0
                    ? "the engine rolls the phase back when the step throws; throw, or roll back to a savepoint of your own"
                    : null;
            case "setAutoCommit", "setTransactionIsolation", "setReadOnly" -> "the phase's transaction is the engine's and is"
                    + " already open; its mode cannot change mid-transaction";
            default -> null;
        };
    }

    /** Throws the step's misuse, or a failure for a transaction it left aborted; run after the step returned. */
    void check() {
        IllegalStateException m = misuse;
        if (m != null) {
            throw new IllegalStateException(m.getMessage() + " (the step caught the error and went on; the attempt fails anyway)", m);
        }
        if (SqlErrors.inFailedTransaction(real)) {
            throw new IllegalStateException("step '" + step + "' of job '" + job + "' (key '" + key + "') returned with its"
                    + " transaction aborted: one of its SQL statements failed and the step caught the error; rethrow it,"
                    + " or wrap the statement in a savepoint (setSavepoint / rollback(savepoint)) to recover and go on");
        }
    }
}
