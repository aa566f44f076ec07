package dev.acidic.processor.internal.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code acidic.log.format=json}: the root logger's appenders write one JSON object per line with
 * logback's own {@code JsonEncoder} (level, logger, thread, message, throwable, and the MDC with the
 * key, job, step and run of the line). Only when logback is the logging backend; with another one
 * the setting is reported and the backend's own configuration rules.
 */
public final class LogFormat {
    private static final Logger log = LoggerFactory.getLogger(LogFormat.class);

    private LogFormat() {}

    /** Switches the root logger's appenders to JSON lines; false (and a warning) when logback is not the backend. */
    public static boolean json() {
        try {
            Class.forName("ch.qos.logback.classic.LoggerContext");
        } catch (ClassNotFoundException e) {
            log.warn("acidic.log.format=json needs logback as the logging backend; logging stays as its backend configures it");
            return false;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext)) {
            log.warn("acidic.log.format=json needs logback as the logging backend (found {}); logging stays as configured",
                    LoggerFactory.getILoggerFactory().getClass().getName());
            return false;
        }
        return LogbackJson.apply((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
    }
}
