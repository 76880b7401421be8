package dev.poet;

/**
 * Every way a poet command can end, with its process exit code. This enum is the one place
 * exit codes are defined; {@code --help} and {@code docs/exit-codes.md} are generated from it
 * or checked against it by a test.
 */
public enum Status {
    OK(0, "success"),
    FAILURE(1, "unexpected failure (run with -v for the stack trace)"),
    INVALID(2, "bad usage or invalid input: malformed JSON, missing or mistyped field,"
            + " unknown event type, unsafe name or id, input over the size limit"),
    NO_STORE(3, "no .poet store found, or the store is corrupt"),
    REJECTED(4, "the generator gave no acceptable code (refused, failed or timed out); nothing was deployed"),
    NOT_FOUND(5, "no such event, function or version"),
    NOT_WRITABLE(73, "the store cannot be written: read-only file system or permission denied"),
    IO_ERROR(74, "I/O error such as a full disk; nothing was delivered"),
    BUSY(75, "another poet process holds the lock; try again later");

    private final int code;
    private final String meaning;

    Status(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
