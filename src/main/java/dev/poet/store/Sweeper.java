package dev.poet.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Removes only what nothing needs: the files of retired claims whose events are in the processed
 * log (any other goes back to {@code pending/}) and temporary files older than {@link #TMP_TTL},
 * which a writer killed mid-delivery left behind (as Maildir does after 36 hours). A younger
 * temporary file may belong to a delivery in flight.
 */
public final class Sweeper {
    public static final Duration TMP_TTL = Duration.ofHours(36);

    private final Store store;
    private final Clock clock;
    private final Claims.IoSupplier<Claims.ProcessedLog> log;

    /** {@code log} opens the processed log's index (correlation's), only when there is trash to check. */
    public Sweeper(Store store, Clock clock, Claims.IoSupplier<Claims.ProcessedLog> log) {
        this.store = store;
        this.clock = clock;
        this.log = log;
    }

    /** What a sweep removed, and how many retired files it gave back to {@code pending/} unprocessed. */
    public record Result(long processedFiles, long tmpFiles, long returnedFiles) {
    }

    public Result sweep() throws IOException {
        try (Locks.Held lock = Locks.acquire(store.io(), store.lockFile("sweep"), store.lockWaitMillis(), "sweep")) {
            // stale temporary files first: they need no index, so a damaged processed log (which the
            // trash needs to be judged against) does not keep them
            long tmp = 0;
            Instant cutoff = FileClock.now(store.tmpDir(), clock).minus(TMP_TTL);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.tmpDir())) {
                for (Path p : ds) {
                    try {
                        // NOFOLLOW: a killed current swap leaves a symbolic link here, whose target is relative
                        if (Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)
                                && Files.deleteIfExists(p)) {
                            tmp++;
                        }
                    } catch (NoSuchFileException e) {
                        // finished by its writer meanwhile
                    }
                }
            }
            Claims.Swept swept = store.claims().sweep(log);
            return new Result(swept.removed(), tmp, swept.returned());
        }
    }
}
