package dev.poet.event;

import dev.poet.PoetException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Event times: stored in UTC with exactly three fractional digits, {@code 2026-11-27T11:35:00.000Z}. */
public final class Timestamps {
    /** Only for years outside 0-9999; in a holder so that formatting does not initialise java.time's formatters. */
    private static final class Wide {
        static final DateTimeFormatter CANONICAL =
                DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    }

    private Timestamps() {
    }

    /** Formats without a formatter object: this runs once per event written, millions of times in a correlate run. */
    public static String format(Instant t) {
        long seconds = t.getEpochSecond();
        java.time.LocalDateTime dt = java.time.LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        int year = dt.getYear();
        if (year < 0 || year > 9999) {
            return Wide.CANONICAL.format(t.truncatedTo(ChronoUnit.MILLIS));
        }
        char[] c = "0000-00-00T00:00:00.000Z".toCharArray();
        put(c, 0, year, 4);
        put(c, 5, dt.getMonthValue(), 2);
        put(c, 8, dt.getDayOfMonth(), 2);
        put(c, 11, dt.getHour(), 2);
        put(c, 14, dt.getMinute(), 2);
        put(c, 17, dt.getSecond(), 2);
        put(c, 20, t.getNano() / 1_000_000, 3);
        return new String(c);
    }

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Accepts any ISO-8601 date-time with a zone offset ({@code Z}, {@code +01:00}). */
    public static Instant parse(String s, String field) {
        Instant fast = parseCanonical(s);
        if (fast != null) {
            return fast;
        }
        Instant t;
        try {
            t = OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw PoetException.invalid("field " + field + ": '" + s
                    + "' is not an ISO-8601 time with an offset, such as 2026-11-27T11:35:00Z");
        }
        // the years java.time parses, moved to UTC by an offset of up to 18 hours, can pass the
        // last (or first) UTC date-time it can hold, which format() needs
        if (t.getEpochSecond() < FIRST_SECOND || t.getEpochSecond() > LAST_SECOND) {
            throw PoetException.invalid("field " + field + ": '" + s
                    + "' is outside the years -999999999 to 999999999 in UTC");
        }
        return t;
    }

    /** {@code LocalDateTime.MIN} and {@code MAX} in UTC, as epoch seconds. */
    private static final long FIRST_SECOND = -31_557_014_135_596_800L;
    private static final long LAST_SECOND = 31_556_889_832_780_799L;

    /**
     * The stored form, {@code 2026-11-27T11:35:00.000Z} (or without the fraction), read without
     * a formatter: it is parsed once per event read, millions of times in a correlate run. Null for
     * anything else (or an impossible date), which the general parser then reads or refuses.
     */
    static Instant parseCanonical(String s) {
        int n = s.length();
        if ((n != 24 && n != 20) || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':' || (n == 24 && s.charAt(19) != '.')) {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int millis = n == 24 ? digits(s, 20, 3) : 0;
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || millis < 0) {
            return null;
        }
        long days;
        try {
            days = java.time.LocalDate.of(year, month, day).toEpochDay();
        } catch (java.time.DateTimeException e) {
            return null; // 31 April, 29 February of a common year
        }
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, millis * 1_000_000L);
    }

    /** The decimal number in s[at, at+width), or -1 if any of it is not a digit. */
    private static int digits(String s, int at, int width) {
        int v = 0;
        for (int i = at; i < at + width; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * A point in time given as ISO-8601 ({@code 2026-11-27T00:00:00Z}, or a date, taken as UTC
     * midnight) or as an age before {@code now}: {@code 30s}, {@code 15m}, {@code 24h}, {@code 7d}, {@code 2w}.
     */
    public static Instant parseRelative(String s, Instant now, String option) {
        java.time.Duration age = ageOrNull(s);
        if (age != null) {
            return now.minus(age);
        }
        if (s.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
            try {
                return java.time.LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw PoetException.invalid(option + ": '" + s
                    + "' is neither a time such as 2026-11-27T11:35:00Z or 2026-11-27 nor an age such as 7d, 24h, 30m");
        }
    }

    /** An age such as {@code 30s}, {@code 15m}, {@code 24h}, {@code 7d}, {@code 2w}. */
    public static java.time.Duration parseAge(String s, String option) {
        java.time.Duration d = ageOrNull(s);
        if (d == null) {
            throw PoetException.invalid(option + ": '" + s + "' is not an age such as 7d, 36h, 30m, 90s or 2w");
        }
        return d;
    }

    private static java.time.Duration ageOrNull(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([smhdw])").matcher(s);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        long seconds = switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            case "d" -> n * 86400;
            default -> n * 7 * 86400;
        };
        return java.time.Duration.ofSeconds(seconds);
    }
}
