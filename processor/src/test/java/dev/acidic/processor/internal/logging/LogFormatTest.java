package dev.acidic.processor.internal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Wire;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** acidic.log.format=json on a logback context of its own (the test JVM's logging stays as it is). */
class LogFormatTest {
    @Test
    void theRootAppendersWriteOneJsonObjectPerLineWithTheMdc() {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        ctx.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // like a console appender: (re)started, it writes to its stream again
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>() {
            @Override
            public void start() {
                setOutputStream(out);
                super.start();
            }
        };
        appender.setContext(ctx);
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(ctx);
        text.setPattern("%level %msg%n");
        text.start();
        appender.setEncoder(text);
        appender.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);

        ctx.getLogger("before").info("plain {}", 1);
        assertTrue(LogbackJson.apply(ctx), "an appender was switched");
        ctx.getMDCAdapter().put("key", "ride-42");
        ctx.getMDCAdapter().put("job", "rides.create");
        ctx.getMDCAdapter().put("step", "create_stripe_charge");
        ctx.getMDCAdapter().put("run", "1");
        ctx.getLogger("dev.acidic.test").warn("step failed: {}", "card declined", new IllegalStateException("boom"));

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("INFO plain 1", lines[0].trim());
        JsonNode json = Wire.parse(lines[lines.length - 1]);
        assertEquals("WARN", json.path("level").asText());
        assertEquals("step failed: card declined", json.path("formattedMessage").asText(), "the message as formatted");
        assertEquals("ride-42", json.path("mdc").path("key").asText(), json.toString());
        assertEquals("create_stripe_charge", json.path("mdc").path("step").asText());
        assertEquals("1", json.path("mdc").path("run").asText());
        assertTrue(json.path("throwable").toString().contains("boom"), json.toString());
        assertTrue(!LogbackJson.apply(ctx), "already JSON: nothing to switch");
        ctx.stop();
    }
}
