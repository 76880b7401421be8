package dev.poet.generate;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Checks that a piece of Python source is fit to become a version, without running it: not
 * empty, within the size limit, valid UTF-8, defines the function under its name at top level,
 * and compiles ({@code compile()} in {@code python3}, which parses and never executes).
 */
public final class CodeCheck {
    public static final int MAX_CODE_BYTES = 1 << 20;
    private static final long COMPILE_TIMEOUT_SECONDS = 30;

    private CodeCheck() {
    }

    /** What the check found; {@code compiled} is false when no Python was there to compile with. */
    public record Result(String source, boolean compiled) {
    }

    /**
     * @param status the status to fail with: {@link Status#INVALID} for code a person gave,
     *               {@link Status#REJECTED} for generated code
     */
    public static Result check(String fn, byte[] code, String python, Status status) {
        if (code.length == 0 || new String(code, StandardCharsets.UTF_8).isBlank()) {
            throw new PoetException(status, "the code for " + fn + " is empty");
        }
        if (code.length > MAX_CODE_BYTES) {
            throw new PoetException(status, "the code for " + fn + " is " + code.length
                    + " bytes, over the 1 MiB limit");
        }
        String src;
        try {
            src = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(code)).toString();
        } catch (CharacterCodingException e) {
            throw new PoetException(status, "the code for " + fn + " is not valid UTF-8");
        }
        Pattern def = Pattern.compile("^(?:async[ \\t]+)?def[ \\t]+" + Pattern.quote(fn) + "[ \\t]*\\(", Pattern.MULTILINE);
        if (!def.matcher(src).find()) {
            throw new PoetException(status, "the code does not define " + fn + "() at top level");
        }
        if (python == null) {
            return new Result(src, false);
        }
        String error = compileError(python, fn, code);
        if (error != null) {
            throw new PoetException(status, "the code for " + fn + " does not compile: " + error);
        }
        return new Result(src, true);
    }

    /** Null when {@code python} compiles the code, else the compiler's one-line message. */
    private static String compileError(String python, String fn, byte[] code) {
        String script = "import sys\n"
                + "src = sys.stdin.buffer.read()\n"
                + "try:\n"
                + "    compile(src, sys.argv[1], 'exec', dont_inherit=True)\n"
                + "except (SyntaxError, ValueError) as e:\n"
                + "    line = getattr(e, 'lineno', None)\n"
                + "    msg = getattr(e, 'msg', None) or str(e)\n"
                + "    sys.stdout.write(msg + (' (line %d)' % line if line else ''))\n"
                + "    sys.exit(1)\n";
        ProcessBuilder pb = new ProcessBuilder(python, "-I", "-c", script, fn + ".py");
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(code);
            } catch (IOException ignored) {
                // the process exited early; its output says why
            }
            String out;
            try (InputStream o = p.getInputStream()) {
                out = new String(o.readNBytes(4096), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(COMPILE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "python3 took longer than " + COMPILE_TIMEOUT_SECONDS + " s to compile it";
            }
            if (p.exitValue() == 0) {
                return null;
            }
            int nl = out.indexOf('\n');
            return out.isEmpty() ? "python3 exited with " + p.exitValue() : nl < 0 ? out : out.substring(0, nl);
        } catch (IOException e) {
            return "could not run " + python + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
