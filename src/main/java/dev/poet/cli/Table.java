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

    void row(String... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i] == null ? "-" : cells[i].replace('\n', ' ');
            r[i] = c.length() > MAX_CELL ? c.substring(0, MAX_CELL - 3) + "..." : c;
        }
        rows.add(r);
    }

    void print(PrintWriter out, String indent) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder(indent);
            for (int i = 0; i < cols; i++) {
                b.append(r[i]);
                if (i < cols - 1) {
                    b.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
