package dev.acidic.processor.internal.cli;

import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code -o table|json|jsonl} option every command that prints a result shares (a picocli mixin). */
final class OutputOption {
    /** How a result is printed. */
    enum Format {
        /** Aligned columns for a person; the default. */
        TABLE,
        /** One pretty-printed JSON document. */
        JSON,
        /** Compact JSON, one object per line (a list: one job per line). */
        JSONL;

        String shown() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", converter = FormatConverter.class,
            description = "table (the default), json (one document) or jsonl (compact, one JSON object per line)")
    Format format = Format.TABLE;

    boolean table() {
        return format == Format.TABLE;
    }

    static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            for (Format f : Format.values()) {
                if (f.shown().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new TypeConversionException("expected one of " + String.join(", ", Arrays.stream(Format.values()).map(Format::shown)
                    .toList()) + " but was '" + value + "'");
        }
    }
}
