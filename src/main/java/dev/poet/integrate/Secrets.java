package dev.poet.integrate;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

/**
 * The secrets of the integrations: from the environment, else from the store's secrets file
 * (poet.json {@code secrets_file}, default {@code secrets.json}), which must be readable by its
 * owner only. Keys in the file are the variable names in lower case without {@code POET_}.
 */
public final class Secrets {
    public static final String FEEDBACK_TOKEN = "POET_FEEDBACK_TOKEN";
    public static final String PAGERDUTY = "POET_PAGERDUTY_WEBHOOK_SECRET";
    public static final String SLACK = "POET_SLACK_SIGNING_SECRET";
    public static final String REVIEW_KEY = "POET_REVIEW_KEY";
    /** Bearer token of POST /poet/events: a service holding it may deliver events, and nothing else. */
    public static final String EVENTS_TOKEN = "POET_EVENTS_TOKEN";
    /** Bearer token of GET /poet/functions/<fn>: reads the live versions, nothing else (the events token also reads them). */
    public static final String FUNCTIONS_TOKEN = "POET_FUNCTIONS_TOKEN";
    /** Bearer token of GET /metrics; without it, /metrics answers loopback clients only. */
    public static final String METRICS_TOKEN = "POET_METRICS_TOKEN";
    /** The password of the PKCS#12 keystore of {@code poet serve --tls-keystore}. */
    public static final String TLS_KEYSTORE_PASSWORD = "POET_TLS_KEYSTORE_PASSWORD";

    private final Map<String, String> env;
    private final Map<String, Object> file;
    private final Path path;

    private Secrets(Map<String, String> env, Map<String, Object> file, Path path) {
        this.env = env;
        this.file = file;
        this.path = path;
    }

    public static Secrets load(Map<String, String> env, Path file) throws IOException {
        if (file == null || !Files.exists(file)) {
            return new Secrets(env, Map.of(), file);
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE)) {
                if (perms.contains(p)) {
                    throw new PoetException(Status.INVALID, file + " can be read or written by others; run chmod 600 "
                            + file + " (or pass the secrets in the environment)");
                }
            }
        } catch (UnsupportedOperationException e) {
            // no POSIX permissions here (Windows): rely on the file system's own access control
        }
        try {
            return new Secrets(env, Json.parseObject(Files.readAllBytes(file), file.getFileName().toString()), file);
        } catch (PoetException e) {
            throw new PoetException(Status.INVALID, e.getMessage());
        }
    }

    /** The secret, or null when neither the environment nor the file has it. */
    public String get(String name) {
        String v = env.get(name);
        if (v != null && !v.isEmpty()) {
            return v;
        }
        Object f = file.get(name.toLowerCase(java.util.Locale.ROOT).replaceFirst("^poet_", ""));
        return f instanceof String && !((String) f).isEmpty() ? (String) f : null;
    }

    public String require(String name, String forWhat) {
        String v = get(name);
        if (v == null) {
            throw PoetException.invalid(forWhat + " needs " + name + " (in the environment, or "
                    + name.toLowerCase(java.util.Locale.ROOT).replaceFirst("^poet_", "") + " in "
                    + (path == null ? "the store's secrets.json" : path.toString()) + ")");
        }
        return v;
    }
}
