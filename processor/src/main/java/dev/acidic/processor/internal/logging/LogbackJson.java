package dev.acidic.processor.internal.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;

/** Logback's side of {@link LogFormat}: loaded only when logback is present. */
final class LogbackJson {
    private LogbackJson() {}

    static boolean apply(LoggerContext context) {
        boolean any = false;
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out && !(out.getEncoder() instanceof JsonEncoder)) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // what an operator reads: the message as formatted, not its template and arguments apart
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithContext(false);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.start();
                out.stop(); // an encoder is swapped on a stopped appender, then it writes on with the new one
                out.setEncoder(json);
                out.start();
                any = true;
            }
        }
        return any;
    }
}
