package dev.poet.store;

import dev.poet.PoetException;
import java.util.regex.Pattern;

/**
 * Validation of every name or id that can become part of a path. Nothing reaches the file
 * system before passing one of these checks, so {@code ../../etc/passwd} is refused, never
 * resolved.
 */
public final class Names {
    /** Python identifiers, bounded: function names become file names. */
    private static final Pattern FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** Version labels as written in file names: v1, v2, ... */
    private static final Pattern VERSION = Pattern.compile("v[1-9][0-9]{0,8}");

    private Names() {
    }

    public static boolean isFunction(String s) {
        return s != null && FUNCTION.matcher(s).matches();
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

    public static boolean isVersion(String s) {
        return s != null && VERSION.matcher(s).matches();
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
