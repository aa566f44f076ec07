package dev.acidic.processor.internal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.acidic.api.Wire;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * JSON as the commands print it (pure): the wire format's mapper (ISO-8601 instants, every field
 * present, null when unset), pretty for {@code -o json}, one line per value for {@code -o jsonl}.
 */
final class JsonOutput {
    private static final ObjectMapper MAPPER = Wire.mapper();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    private static final ObjectWriter LINE = MAPPER.writer();

    private JsonOutput() {}

    static String pretty(Object value) {
        return write(PRETTY, value);
    }

    /** One line, no line breaks inside (JSON escapes those in strings). */
    static String line(Object value) {
        return write(LINE, value);
    }

    /** {@code value} as {@code -o json} (pretty) or {@code -o jsonl} (one line) wants it. */
    static void print(PrintStream out, OutputOption.Format format, Object value) {
        out.println(format == OutputOption.Format.JSONL ? line(value) : pretty(value));
    }

    private static String write(ObjectWriter w, Object value) {
        try {
            return w.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
