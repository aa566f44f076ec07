package dev.acidic.processor.internal.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows in aligned columns for a terminal (pure): a header line, two spaces between columns, a
 * cell longer than {@link #MAX_CELL} characters cut and ended with {@value #CUT} (ASCII: a terminal's
 * encoding may not be UTF-8), line breaks in a cell shown as spaces, absent values as {@code -}.
 */
final class Table {
    static final int MAX_CELL = 60;
    static final String NONE = "-";
    static final String CUT = "...";

    private final List<String> headers;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** Adds a row; {@code null} cells print as {@value #NONE}. */
    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns " + headers);
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toArray(String[]::new));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table, each line ending in a line break; the last column is not padded. */
    String render() {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = headers.get(i).length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers.toArray(String[]::new), width);
        for (String[] r : rows) {
            line(sb, r, width);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            l.append(cells[i]);
            if (i < cells.length - 1) {
                l.append(" ".repeat(width[i] - cells[i].length() + 2));
            }
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    static String cell(Object value) {
        if (value == null) {
            return NONE;
        }
        String s = value.toString().replaceAll("\\s*\\R\\s*", " ");
        return s.length() > MAX_CELL ? s.substring(0, MAX_CELL - CUT.length()) + CUT : s;
    }
}
