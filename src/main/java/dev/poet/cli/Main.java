package dev.poet.cli;

/** The {@code poet} executable. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PoetEnv env = PoetEnv.system();
        int code = Poet.commandLineFor(env, args).execute(args);
        env.out().flush();
        env.err().flush();
        System.exit(code);
    }
}
