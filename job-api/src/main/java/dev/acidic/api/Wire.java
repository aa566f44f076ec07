package dev.acidic.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON wire format of requests, events and completions (UTF-8), shared by the client and the
 * processor so both sides read and write exactly the same shapes.
 *
 * <p>The mapper never enables default typing and never takes class names from input: JSON is
 * always read into the fixed records of this package or into a {@link JsonNode} tree. Duplicate
 * field names are rejected, so {@code {"job":"a","job":"b"}} cannot mean two things.
 */
public final class Wire {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Wire() {}

    /** The shared mapper. Safe to use from many threads; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Any value as a JSON tree (null stays null). */
    public static JsonNode toTree(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        return MAPPER.valueToTree(value);
    }

    /** JSON null read into a tree field becomes Java null, so "no result" has one representation. */
    static JsonNode nullToNull(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Decodes JSON into {@code type}; throws {@link WireFormatException} naming what is wrong. */
    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null) {
            throw new WireFormatException("no value: expected a JSON " + type.getSimpleName());
        }
        try (JsonParser parser = MAPPER.createParser(json)) {
            T value = MAPPER.readValue(parser, type);
            if (parser.nextToken() != null) {
                throw new WireFormatException("trailing data after the JSON value");
            }
            return value;
        } catch (WireFormatException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new WireFormatException("not a valid " + type.getSimpleName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
