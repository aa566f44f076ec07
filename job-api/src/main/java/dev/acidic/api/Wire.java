package dev.acidic.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
    /**
     * Reads the wire records: like {@link #MAPPER}, but a number or boolean where text belongs
     * ({@code {"job": 123}}) is an error, not "123". Only here: jobs reading their own args into
     * their own classes keep Jackson's usual coercions.
     */
    private static final ObjectMapper STRICT = strict();

    private static ObjectMapper strict() {
        ObjectMapper m = MAPPER.copy();
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    private Wire() {}

    /**
     * A new mapper configured like the wire format's (Java time, ISO dates, big decimals,
     * duplicate fields rejected), yours to reconfigure: the one the processor reads and writes
     * with is never handed out. Each call copies; keep the result rather than calling this per
     * record, or use {@link #toJson}, {@link #fromTree}, {@link #parse} and {@link #objectNode}.
     */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    /** A reader configured like the wire mapper (immutable, so safe to share). */
    public static ObjectReader reader() {
        return MAPPER.reader();
    }

    /** A writer configured like the wire mapper (immutable, so safe to share). */
    public static ObjectWriter writer() {
        return MAPPER.writer();
    }

    /** A new empty JSON object. */
    public static ObjectNode objectNode() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A JSON tree read into {@code type}, with the wire mapper's settings. */
    public static <T> T fromTree(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("JSON does not fit " + type.getSimpleName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** JSON text as a tree; throws {@link WireFormatException} when it is not JSON. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new WireFormatException("not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /** Any value as JSON text. */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + (value == null ? "null" : value.getClass().getSimpleName()) + " as JSON", e);
        }
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

    /**
     * Decodes JSON into {@code type}; throws {@link WireFormatException} naming what is wrong. The
     * bytes must be strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF,
     * which a lenient decoder would turn into other characters) and hold one JSON value, not null.
     */
    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null) {
            throw new WireFormatException("no value: expected a JSON " + type.getSimpleName());
        }
        String text = strictUtf8(json);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte-order mark, which the byte parser used to skip
        }
        try (JsonParser parser = STRICT.createParser(text)) {
            T value = STRICT.readValue(parser, type);
            if (value == null) {
                throw new WireFormatException("JSON null: expected a JSON " + type.getSimpleName() + " object");
            }
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

    private static String strictUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new WireFormatException("not valid UTF-8: malformed byte sequence at byte " + in.position() + " of "
                    + bytes.length);
        }
        return out.flip().toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
