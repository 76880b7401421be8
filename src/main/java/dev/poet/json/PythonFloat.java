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
        BigDecimal shortest = shorten(a, new BigDecimal(NumberOutput.toString(a, true)).stripTrailingZeros());
        String digits = shortest.unscaledValue().toString();
        int decpt = digits.length() - shortest.scale();
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
