package dev.poet.store;

import dev.poet.PoetException;
import java.util.regex.Pattern;

/**
 * Validation of every name or id that can become part of a path. Nothing reaches the file
 * system before passing one of these checks, so {@code ../../etc/passwd} is refused, never
 * resolved.
 */
public final class Names {
    /** The patterns {@link #isFunction} and {@link #isVersion} check by hand (tests hold them to these). */
    static final Pattern FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    static final Pattern VERSION = Pattern.compile("v[1-9][0-9]{0,8}");

    private Names() {
    }

    /** {@code [A-Za-z_][A-Za-z0-9_]{0,127}}, checked by hand: every event's function is checked. */
    public static boolean isFunction(String s) {
        if (s == null || s.isEmpty() || s.length() > 128) {
            return false;
        }
        char c0 = s.charAt(0);
        if (!(c0 >= 'a' && c0 <= 'z' || c0 >= 'A' && c0 <= 'Z' || c0 == '_')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!alnum(c) && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}}, checked by hand: correlation checks every event's ids. */
    public static boolean isId(String s) {
        if (s == null || s.isEmpty() || s.length() > 128 || !alnum(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!alnum(c) && c != '.' && c != '_' && c != ':' && c != '@' && c != '+' && c != '=' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /** {@code v[1-9][0-9]{0,8}}, checked by hand. */
    public static boolean isVersion(String s) {
        if (s == null || s.length() < 2 || s.length() > 10 || s.charAt(0) != 'v' || s.charAt(1) < '1' || s.charAt(1) > '9') {
            return false;
        }
        for (int i = 2; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    public static String function(String s) {
        if (!isFunction(s)) {
            throw PoetException.invalid("invalid function name " + quote(s)
                    + ": must be a Python identifier of at most 128 characters");
        }
        return s;
    }

    public static String id(String what, String s) {
        if (!isId(s)) {
            throw PoetException.invalid("invalid " + what + " " + quote(s)
                    + ": use 1-128 characters from A-Z a-z 0-9 . _ : @ + = -, starting with a letter or digit");
        }
        return s;
    }

    public static String version(String s) {
        if (!isVersion(s)) {
            throw PoetException.invalid("invalid version " + quote(s) + ": expected v1, v2, ...");
        }
        return s;
    }

    /** Quotes a user-supplied value for an error message, shortened and with control characters shown. */
    public static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(s.length(), 60);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > n) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
