package dev.poet.serve;

import dev.poet.event.GroupCommit;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code GET /metrics} exposes, in the Prometheus text format (the Prometheus Java client):
 * requests by route and status, refusals by cause, events committed, batch sizes, commit latency
 * and the files waiting in {@code pending/}. A registry of its own, so several servers in one JVM
 * (the tests) do not share counts.
 */
final class Metrics implements GroupCommit.Observer {
    /** Why a request was refused before its handler ran (the label of {@code poet_serve_refusals_total}). */
    enum Refusal {
        UNAUTHORIZED, TOO_LARGE, TOO_MANY_BODIES, TIMEOUT, CONNECTION_LIMIT, MALFORMED, NOT_CONFIGURED, BUSY;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("poet_serve_requests_total")
            .help("HTTP requests answered, by route and status").labelNames("route", "status").register(registry);
    private final Counter refusals = Counter.builder().name("poet_serve_refusals_total")
            .help("Requests or connections refused before a handler ran, by cause").labelNames("cause").register(registry);
    private final Counter committed = Counter.builder().name("poet_serve_events_committed_total")
            .help("Events made durable in pending/ by group commit").register(registry);
    private final Counter commitFailures = Counter.builder().name("poet_serve_commit_failures_total")
            .help("Batches that could not be delivered (their callers were told)").register(registry);
    private final Histogram batchSize = Histogram.builder().name("poet_serve_batch_events")
            .help("Events per batch file").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384).register(registry);
    private final Histogram commitSeconds = Histogram.builder().name("poet_serve_commit_seconds")
            .help("Time to deliver one batch durably (write, fsync, link, fsync of the directory)").classicOnly()
            .classicUpperBounds(.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5).register(registry);

    Metrics(Path pending) {
        GaugeWithCallback.builder().name("poet_serve_pending_files")
                .help("Files in events/pending/ waiting for poet correlate (counted at each scrape)")
                .callback(cb -> cb.call(count(pending))).register(registry);
    }

    private static long count(Path dir) {
        long n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path ignored : s) {
                n++;
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    void request(String route, int status) {
        requests.labelValues(route, Integer.toString(status)).inc();
    }

    void refused(Refusal cause) {
        refusals.labelValues(cause.label()).inc();
    }

    @Override
    public void committed(int events, long nanos) {
        committed.inc(events);
        batchSize.observe(events);
        commitSeconds.observe(nanos / 1e9);
    }

    @Override
    public void failed(int events) {
        commitFailures.inc();
    }

    String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape(),
                    io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
