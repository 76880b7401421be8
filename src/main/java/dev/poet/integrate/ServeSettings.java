package dev.poet.integrate;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.store.Names;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * poet.json's {@code serve} section and the secrets file: the public base URL of review links
 * ({@code POET_REVIEW_BASE_URL}, else {@code serve.base_url}) and how long a link lasts
 * ({@code serve.review_link_days}, default 7).
 */
public record ServeSettings(String baseUrl, Duration reviewLinkTtl, Secrets secrets) {
    public static ServeSettings of(Store store, Map<String, String> env) throws IOException {
        Map<String, Object> s = Settings.read(store);
        Map<?, ?> serve = s.get("serve") instanceof Map ? (Map<?, ?>) s.get("serve") : Map.of();
        String base = env.get("POET_REVIEW_BASE_URL") != null && !env.get("POET_REVIEW_BASE_URL").isBlank()
                ? env.get("POET_REVIEW_BASE_URL") : serve.get("base_url") instanceof String ? (String) serve.get("base_url") : null;
        Object days = serve.get("review_link_days");
        if (days != null && (!(days instanceof Number) || ((Number) days).doubleValue() <= 0)) {
            throw new PoetException(Status.NO_STORE, "poet.json: serve.review_link_days must be a positive number");
        }
        Object file = s.get("secrets_file");
        String name = file instanceof String ? (String) file : "secrets.json";
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new PoetException(Status.NO_STORE, "poet.json: secrets_file must be a file name in the store, got "
                    + Names.quote(name));
        }
        Path secretsPath = store.root().resolve(name);
        return new ServeSettings(base == null || base.isBlank() ? null : base,
                Duration.ofSeconds(Math.round((days == null ? 7 : ((Number) days).doubleValue()) * 86400)),
                Secrets.load(env, secretsPath));
    }

    /** A review link for the execution, or null when no base URL or review key is configured. */
    public String reviewUrlOrNull(String executionId, java.time.Instant now) {
        String key = secrets.get(Secrets.REVIEW_KEY);
        if (baseUrl == null || key == null) {
            return null;
        }
        return ReviewTokens.url(baseUrl, executionId, ReviewTokens.token(key, executionId, now.plus(reviewLinkTtl)));
    }
}
