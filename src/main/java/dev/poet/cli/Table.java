package dev.poet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table for terminal output. */
final class Table {
    private static final int MAX_CELL = 60;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    List<String[]> rows() {
        return rows;
    }

    void row(String... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i] == null ? "-" : cells[i].replace('\n', ' ');
            r[i] = c.length() > MAX_CELL ? c.substring(0, MAX_CELL - 3) + "..." : c;
        }
        rows.add(r);
    }

    /** How a cell is coloured once padded: row index (0 is the header), column, padded text. */
    interface Style {
        String apply(int row, int col, String padded);
    }

    void print(PrintWriter out, String indent) {
        print(out, indent, (r, c, s) -> s, 0);
    }

    /**
     * Aligned columns, coloured cell by cell after padding (so escape codes never shift a column),
     * the last column cut to fit {@code width} when it is not 0.
     */
    void print(PrintWriter out, String indent, Style style, int width) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        int lead = indent.length();
        for (int i = 0; i < cols - 1; i++) {
            lead += w[i] + 2;
        }
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            StringBuilder b = new StringBuilder(indent);
            for (int i = 0; i < cols; i++) {
                String cell = r[i];
                if (i == cols - 1 && width > 0 && lead + cell.length() > width && width - lead > 4) {
                    cell = cell.substring(0, width - lead - 1) + "…";
                }
                String padded = i < cols - 1 ? cell + " ".repeat(w[i] - r[i].length() + 2) : cell;
                b.append(style.apply(n, i, i < cols - 1 ? padded : padded.stripTrailing()));
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
