package dev.poet.cli;

/** The {@code poet} executable. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(PoetEnv.system(), args));
    }

    /** Runs one command and returns its exit code. */
    public static int run(PoetEnv env, String... args) {
        int code = Poet.commandLineFor(env, args).execute(args);
        env.out().flush();
        env.err().flush();
        return code;
    }
}
