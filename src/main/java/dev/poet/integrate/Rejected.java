package dev.poet.integrate;

/**
 * Input an integration refuses, with the HTTP status it deserves (400 malformed, 401 bad
 * signature or token, 413 too large) and a one-line reason; nothing was written.
 */
public final class Rejected extends RuntimeException {
    private final int httpStatus;

    public Rejected(int httpStatus, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
