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
        BigDecimal shortest = new BigDecimal(NumberOutput.toString(Math.abs(d), true)).stripTrailingZeros();
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
            int a = Math.abs(exp);
            if (a < 10) {
                b.append('0');
            }
            b.append(a);
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
}
