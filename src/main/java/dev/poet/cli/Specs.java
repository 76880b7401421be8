package dev.poet.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Small builders for picocli's programmatic model. The root command and the hot-path commands
 * ({@code record}, {@code feedback}) are declared with it instead of annotations: reading
 * annotations makes the JVM generate a proxy class per annotation type, which no Java 17
 * class-data archive can hold, and that alone costs about 30 ms of every start.
 * Values stay in the specs; commands read them with {@link #value}.
 */
final class Specs {
    private Specs() {
    }

    /**
     * A command's spec for this user object, without picocli's reflection. Variable interpolation
     * starts off, as building and parsing never need it and interpolating every option name on
     * each lookup costs start-up time; {@link Poet} turns it on before help or a command runs.
     */
    static CommandSpec wrap(Object command) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.interpolateVariables(false);
        return spec;
    }

    static OptionSpec.Builder option(String names, String label, String description) {
        OptionSpec.Builder b = OptionSpec.builder(names.split(",")).type(String.class).description(description);
        return label == null ? b : b.paramLabel(label);
    }

    static OptionSpec.Builder flag(String names, String description) {
        return OptionSpec.builder(names.split(",")).type(boolean.class).arity("0").description(description);
    }

    static PositionalParamSpec.Builder positional(String label, String arity, String description) {
        return PositionalParamSpec.builder().paramLabel(label).arity(arity).type(String.class).description(description);
    }

    /** An option's value, or null when it was not given and has no default. */
    static <T> T value(CommandSpec spec, String name) {
        OptionSpec o = spec.findOption(name);
        return o == null ? null : o.getValue();
    }

    static boolean isSet(CommandSpec spec, String name) {
        Boolean b = value(spec, name);
        return b != null && b;
    }
}
