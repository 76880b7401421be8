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
 * Removes only what nothing needs: retired claims (their events are in the processed log) and
 * temporary files older than {@link #TMP_TTL}, which a writer killed mid-delivery left behind
 * (as Maildir does after 36 hours). A younger temporary file may belong to a delivery in flight.
 */
public final class Sweeper {
    public static final Duration TMP_TTL = Duration.ofHours(36);

    private final Store store;
    private final Clock clock;

    public Sweeper(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** What a sweep removed. */
    public record Result(long processedFiles, long tmpFiles) {
    }

    public Result sweep() throws IOException {
        try (Locks.Held lock = Locks.acquire(store.io(), store.lockFile("sweep"), store.lockWaitMillis(), "sweep")) {
            long processed = store.claims().sweep();
            long tmp = 0;
            Instant cutoff = clock.instant().minus(TMP_TTL);
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
            return new Result(processed, tmp);
        }
    }
}
