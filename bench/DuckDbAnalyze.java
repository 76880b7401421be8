// The SQL equivalent of `poet analyze FUNCTION`'s per-version patterns, run by DuckDB over the
// same processed segment files, for bench/analyze.sh. Not part of poet: the DuckDB JDBC driver is
// fetched by the bench script only.
//
//   java -cp duckdb_jdbc.jar bench/DuckDbAnalyze.java STORE_DIR FUNCTION
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;

public class DuckDbAnalyze {
    public static void main(String[] args) throws Exception {
        String segments = args[0] + "/.poet/events/processed/seg-*.jsonl";
        String fn = args[1];
        String sql = """
            WITH ev AS (SELECT json FROM read_ndjson_objects(?)),
            e AS (SELECT json->>'$.type' AS type, json->>'$.function' AS function, json->>'$.version' AS version,
                         json->>'$.execution_id' AS exec, (json->>'$.time')::TIMESTAMP AS t, json FROM ev),
            ex AS (SELECT exec, version, (json->>'$.data.drift_detected')::BOOLEAN AS alert,
                          (json->>'$.data.success')::BOOLEAN AS success, (json->>'$.data.duration_ms')::DOUBLE AS dur
                   FROM e WHERE type = 'execution.completed' AND function = ?),
            v AS (SELECT exec, arg_max((json->>'$.data.was_real_drift')::BOOLEAN, t) AS real
                  FROM e WHERE type = 'drift.validation' AND function = ? AND (json->'$.correlation.duplicate_of') IS NULL
                  GROUP BY exec),
            ack AS (SELECT exec, min((json->>'$.data.time_to_ack_s')::DOUBLE) AS tta
                    FROM e WHERE type = 'alert.acknowledged' AND function = ? GROUP BY exec),
            cost AS (SELECT exec, sum((json->>'$.data.cost_usd')::DOUBLE) AS c
                     FROM e WHERE type IN ('execution.cost_measured', 'cost.measured') AND function = ? GROUP BY exec),
            j AS (SELECT ex.*, v.real, ack.tta, cost.c FROM ex LEFT JOIN v USING (exec) LEFT JOIN ack USING (exec)
                  LEFT JOIN cost USING (exec))
            SELECT version, count(*) AS executions,
                   count(*) FILTER (WHERE alert AND NOT real)::DOUBLE / nullif(count(*) FILTER (WHERE alert AND real IS NOT NULL), 0) AS fp_rate,
                   count(*) FILTER (WHERE alert AND real IS NOT NULL) AS fp_n,
                   count(*) FILTER (WHERE real AND NOT alert)::DOUBLE / nullif(count(*) FILTER (WHERE real), 0) AS missed_rate,
                   count(*) FILTER (WHERE real) AS missed_n,
                   count(*) FILTER (WHERE NOT success)::DOUBLE / count(*) AS error_rate,
                   quantile_disc(dur, 0.5) AS p50_ms, quantile_disc(dur, 0.95) AS p95_ms,
                   quantile_disc(tta, 0.5) AS ack_median_s, quantile_disc(tta, 0.9) AS ack_p90_s,
                   avg(c) AS avg_cost
            FROM j GROUP BY version ORDER BY version DESC
            """;
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, segments);
            for (int i = 2; i <= 5; i++) {
                ps.setString(i, fn);
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        b.append(md.getColumnLabel(i)).append('=').append(rs.getObject(i)).append(' ');
                    }
                    System.out.println(b.toString().strip());
                }
            }
        }
        System.out.printf("duckdb query %.2f s%n", (System.nanoTime() - start) / 1e9);
    }
}
