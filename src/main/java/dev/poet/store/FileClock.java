package dev.poet.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * The present time as the file system stamps it. A file's age is its modification time measured
 * against this, never against the process's clock: the two are different clocks whenever the
 * store is on another machine (NFS stamps with the server's clock) or the process's clock is
 * set apart from the kernel's (a test clock, libfaketime), and mixing them would let a skewed
 * clock declare a delivery in flight 36 hours old, or keep an orphan for ever.
 */
public final class FileClock {
    private FileClock() {
    }

    /**
     * The modification time of an empty file made in {@code dir} just now (and removed again);
     * {@code fallback}'s time if none can be made there (a read-only store).
     */
    public static Instant now(Path dir, Clock fallback) {
        Path probe = null;
        try {
            probe = Files.createTempFile(dir, ".clock-", ".probe");
            return Files.getLastModifiedTime(probe, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException | UnsupportedOperationException e) {
            return fallback.instant();
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException e) {
                    // an empty probe left in tmp/ is swept like any stale temporary file
                }
            }
        }
    }
}
