package dev.poet.json;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;

/**
 * Formats a double exactly as Python's {@code repr(float)}: the shortest digits that round-trip
 * (Schubfach, from Jackson), in fixed notation when the decimal exponent is in [-4, 16), else
 * as {@code 1.5e+16} / {@code 1e-05}.
 */
public final class PythonFloat {
    private PythonFloat() {
    }

    public static String repr(double d) {
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        String sign = d < 0 ? "-" : "";
        double a = Math.abs(d);
        // Java's shortest form: "123.45", "0.001", "1.0E-5", "4.9E-324". Take its digits and exponent apart.
        String java = NumberOutput.toString(a, true);
        int ePos = java.indexOf('E');
        String mantissa = ePos < 0 ? java : java.substring(0, ePos);
        int exp10 = ePos < 0 ? 0 : Integer.parseInt(java.substring(ePos + 1));
        int dot = mantissa.indexOf('.');
        String raw = dot < 0 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
        int intDigits = dot < 0 ? mantissa.length() : dot;
        int lead = 0;
        while (lead < raw.length() - 1 && raw.charAt(lead) == '0') {
            lead++;
        }
        int trail = raw.length();
        while (trail > lead + 1 && raw.charAt(trail - 1) == '0') {
            trail--;
        }
        String digits = raw.substring(lead, trail);
        int decpt = intDigits - lead + exp10;
        if (digits.length() == 2) {
            BigDecimal shorter = shorten(a, new BigDecimal(digits).movePointLeft(2 - decpt));
            if (shorter.precision() == 1) {
                digits = shorter.unscaledValue().toString();
                decpt = 1 - shorter.scale();
            }
        }
        StringBuilder b = new StringBuilder(sign);
        if (decpt <= -4 || decpt > 16) {
            b.append(digits.charAt(0));
            if (digits.length() > 1) {
                b.append('.').append(digits, 1, digits.length());
            }
            int exp = decpt - 1;
            b.append('e').append(exp < 0 ? '-' : '+');
            int e = Math.abs(exp);
            if (e < 10) {
                b.append('0');
            }
            b.append(e);
        } else if (decpt <= 0) {
            b.append("0.");
            b.append("0".repeat(-decpt));
            b.append(digits);
        } else if (decpt < digits.length()) {
            b.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        } else {
            b.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        }
        return b.toString();
    }

    /**
     * Java's algorithm prints at least two significant digits where one would round-trip
     * ({@code 4.9E-324}); Python prints the one ({@code 5e-324}). Drop digits while a shorter
     * neighbour still reads back as the same double, preferring the closer one.
     */
    private static BigDecimal shorten(double a, BigDecimal v) {
        while (v.precision() > 1) {
            int scale = v.scale() - 1;
            BigDecimal down = v.setScale(scale, java.math.RoundingMode.FLOOR);
            BigDecimal up = v.setScale(scale, java.math.RoundingMode.CEILING);
            boolean downOk = down.signum() > 0 && down.doubleValue() == a;
            boolean upOk = up.doubleValue() == a;
            if (downOk && upOk) {
                BigDecimal exact = new BigDecimal(a);
                v = exact.subtract(down).abs().compareTo(up.subtract(exact).abs()) <= 0 ? down : up;
            } else if (downOk) {
                v = down;
            } else if (upOk) {
                v = up;
            } else {
                break;
            }
            v = v.stripTrailingZeros();
        }
        return v;
    }
}
