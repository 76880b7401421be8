package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.generate.CommandGenerator;
import dev.poet.generate.Generator;
import dev.poet.generate.OpenAiGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Chooses and builds a generator from poet.json's {@code generator} settings, overridden by the
 * command line. {@code params} needs no object: it is the regenerator's own learning.
 */
public final class Generators {
    public static final List<String> NAMES = List.of("params", "command", "openai");

    private Generators() {
    }

    /** Command-line overrides; null fields fall back to poet.json. */
    public record Overrides(String name, String command, String model, String baseUrl, String apiKeyEnv, Long timeoutSeconds) {
        public static Overrides none() {
            return new Overrides(null, null, null, null, null, null);
        }
    }

    /**
     * The generators to ask, in order: the override, else poet.json's {@code generator.name} (one
     * name, or a list such as {@code ["params", "command"]}: when one has nothing that passes its
     * checks, the next is asked), else params.
     */
    public static List<String> names(LearnSettings ls, Overrides o) {
        Object setting = ls.generator().get("name");
        List<String> names = new java.util.ArrayList<>();
        if (o.name() != null) {
            names.add(o.name());
        } else if (setting == null) {
            names.add("params");
        } else if (setting instanceof String) {
            names.add((String) setting);
        } else if (setting instanceof List && !((List<?>) setting).isEmpty()) {
            for (Object n : (List<?>) setting) {
                if (!(n instanceof String)) {
                    throw new PoetException(dev.poet.Status.NO_STORE, "poet.json: generator.name must be a name or a list of"
                            + " names, got " + setting);
                }
                names.add((String) n);
            }
        } else {
            throw new PoetException(dev.poet.Status.NO_STORE, "poet.json: generator.name must be a name or a list of names,"
                    + " got " + setting);
        }
        for (String name : names) {
            if (!NAMES.contains(name)) {
                throw PoetException.invalid("unknown generator '" + name + "'; use one of " + String.join(", ", NAMES));
            }
        }
        if (new java.util.HashSet<>(names).size() != names.size()) {
            throw new PoetException(dev.poet.Status.NO_STORE, "poet.json: generator.name names a generator twice: " + names);
        }
        return names;
    }

    /** The code generator of that name; null for params. */
    public static Generator create(String name, LearnSettings ls, Overrides o, Map<String, String> env) {
        long timeout = o.timeoutSeconds() != null ? o.timeoutSeconds() : number(ls, "timeout_seconds", 300);
        if (timeout < 1) {
            throw PoetException.invalid("the generator timeout must be at least 1 second");
        }
        switch (name) {
            case "params":
                return null;
            case "command":
                return new CommandGenerator(o.command() != null ? o.command() : ls.generatorString("command"),
                        Duration.ofSeconds(timeout));
            case "openai": {
                String keyEnv = o.apiKeyEnv() != null ? o.apiKeyEnv()
                        : ls.generatorString("api_key_env") != null ? ls.generatorString("api_key_env") : "OPENAI_API_KEY";
                Object temperature = ls.generator().get("temperature");
                return new OpenAiGenerator(new OpenAiGenerator.Config(
                        o.baseUrl() != null ? o.baseUrl() : ls.generatorString("base_url"),
                        o.model() != null ? o.model() : ls.generatorString("model"),
                        env.get(keyEnv), keyEnv, Duration.ofSeconds(timeout), (int) number(ls, "max_retries", 4),
                        Duration.ofMillis(number(ls, "retry_base_ms", 1000)),
                        temperature instanceof Number ? ((Number) temperature).doubleValue() : null));
            }
            default:
                throw PoetException.invalid("unknown generator '" + name + "'");
        }
    }

    private static long number(LearnSettings ls, String key, long dflt) {
        Object v = ls.generator().get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number) || ((Number) v).longValue() < 0) {
            throw new PoetException(dev.poet.Status.NO_STORE, "poet.json: generator." + key + " must be a number >= 0, got " + v);
        }
        return ((Number) v).longValue();
    }
}
