package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the store the way git finds its repository: an explicit {@code --store DIR}, else the
 * {@code POET_STORE} environment variable, else the nearest {@code .poet/} in the working
 * directory or one of its parents. A given directory may be the {@code .poet} directory itself
 * or the project directory that contains it.
 */
public final class StoreLocator {
    public static final String ENV = "POET_STORE";

    private StoreLocator() {
    }

    public static Path locate(String explicit, String fromEnv, Path cwd) {
        if (explicit != null && !explicit.isBlank()) {
            return storeDirOf(cwd.resolve(explicit).normalize(), "--store");
        }
        if (fromEnv != null && !fromEnv.isBlank()) {
            return storeDirOf(cwd.resolve(fromEnv).normalize(), ENV);
        }
        for (Path dir = cwd.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(Store.DIR_NAME);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new PoetException(Status.NO_STORE, "no .poet store in " + cwd.toAbsolutePath().normalize()
                + " or any parent; create one with 'poet init', or name one with --store DIR or " + ENV);
    }

    /** The directory {@code poet init} should create for a given target (default: the working directory). */
    public static Path initTarget(String explicit, String fromEnv, String dirArg, Path cwd) {
        String given = dirArg != null ? dirArg : explicit != null ? explicit : fromEnv;
        if (given == null || given.isBlank()) {
            return cwd.resolve(Store.DIR_NAME).toAbsolutePath().normalize();
        }
        Path p = cwd.resolve(given).toAbsolutePath().normalize();
        return isStoreDir(p) || p.getFileName() != null && p.getFileName().toString().equals(Store.DIR_NAME)
                ? p : p.resolve(Store.DIR_NAME);
    }

    private static Path storeDirOf(Path p, String source) {
        if (isStoreDir(p)) {
            return p;
        }
        Path nested = p.resolve(Store.DIR_NAME);
        if (Files.isDirectory(nested)) {
            return nested;
        }
        throw new PoetException(Status.NO_STORE, source + " names " + p
                + ", which is not a poet store; create one with 'poet init " + p + "'");
    }

    private static boolean isStoreDir(Path p) {
        return Files.isRegularFile(p.resolve(Store.SETTINGS)) || Files.isDirectory(p.resolve(Store.EVENTS));
    }
}
