package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.event.Timestamps;
import dev.poet.integrate.ReviewTokens;
import dev.poet.integrate.Secrets;
import dev.poet.integrate.ServeSettings;
import dev.poet.store.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "review-link",
        description = {"Print a signed link to one execution's review page.",
            "The token is an HMAC under POET_REVIEW_KEY bound to the execution and an expiry: whoever holds the"
                + " link can give that execution a verdict through 'poet serve' until then, and nothing else."},
        footer = {"", "Examples:",
            "  POET_REVIEW_KEY=... poet review-link --execution-id 6f1c0d9e-... --base-url https://poet.example.com",
            "  poet review-link --execution-id 6f1c0d9e-... --expires 36h"})
final class ReviewLinkCommand extends Base {
    @Option(names = "--execution-id", required = true, paramLabel = "ID", description = "The execution to review.")
    String executionId;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Where 'poet serve' is reachable (default: $POET_REVIEW_BASE_URL, else poet.json serve.base_url).")
    String baseUrl;

    @Option(names = "--expires", paramLabel = "AGE",
            description = "How long the link works, e.g. 7d, 36h (default: poet.json serve.review_link_days, else 7 days).")
    String expires;

    @Override
    public Integer call() throws Exception {
        Names.id("execution id", executionId);
        ServeSettings s = ServeSettings.of(store(), env().environment());
        String base = baseUrl != null ? baseUrl : s.baseUrl();
        if (base == null) {
            throw PoetException.invalid("no base URL: pass --base-url, or set POET_REVIEW_BASE_URL or serve.base_url in poet.json");
        }
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            throw PoetException.invalid("--base-url must be an http(s) URL, got " + Names.quote(base));
        }
        String key = s.secrets().require(Secrets.REVIEW_KEY, "a review link");
        Duration ttl = expires != null ? Timestamps.parseAge(expires, "--expires") : s.reviewLinkTtl();
        if (ttl.isZero() || ttl.isNegative()) {
            throw PoetException.invalid("--expires must be longer than 0: the link would not work at all");
        }
        Instant until = env().clock().instant().plus(ttl);
        String url = ReviewTokens.url(base, executionId, ReviewTokens.token(key, executionId, until));
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("execution_id", executionId);
            m.put("url", url);
            m.put("expires", Timestamps.format(Instant.ofEpochSecond(until.getEpochSecond())));
            printJson(m);
        } else {
            out().println(url);
        }
        return 0;
    }
}
