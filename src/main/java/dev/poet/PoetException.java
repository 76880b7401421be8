package dev.poet;

/**
 * A failure the user can act on. The message is one line, written for the person at the
 * terminal; the status decides the exit code. Thrown anywhere in the core, turned into
 * output only by the command line layer.
 */
public class PoetException extends RuntimeException {
    private final Status status;

    public PoetException(Status status, String message) {
        super(message);
        this.status = status;
    }

    public PoetException(Status status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public Status status() {
        return status;
    }

    public static PoetException invalid(String message) {
        return new PoetException(Status.INVALID, message);
    }

    public static PoetException notFound(String message) {
        return new PoetException(Status.NOT_FOUND, message);
    }
}
