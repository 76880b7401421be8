package dev.poet.generate;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code command} generator: any executable (an {@code llm} call, {@code ollama run}, an
 * in-house script) run through {@code sh -c}, the prompt on its standard input, the new
 * implementation on its standard output, within a timeout. Its answer is untrusted text: it is
 * checked before anything is deployed, and never run by poet.
 */
public final class CommandGenerator implements Generator {
    private final String command;
    private final Duration timeout;

    public CommandGenerator(String command, Duration timeout) {
        if (command == null || command.isBlank()) {
            throw PoetException.invalid("the command generator needs a command (--generator-command or poet.json generator.command)");
        }
        this.command = command;
        this.timeout = timeout;
    }

    /** Runs the command; its output, or a {@link Status#REJECTED} error saying what went wrong. */
    @Override
    public String generate(String prompt) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", command).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream(), CodeCheck.MAX_CODE_BYTES + 1));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream(), 4096));
        try (OutputStream in = p.getOutputStream()) {
            in.write(prompt.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command did not read its input; its exit status says whether that matters
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PoetException(Status.REJECTED, "the generator command took longer than " + timeout.toSeconds()
                        + " s and was stopped");
            }
            byte[] answer = out.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                String first = new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip().lines().findFirst()
                        .orElse("no message");
                throw new PoetException(Status.REJECTED, "the generator command exited with " + p.exitValue() + ": " + first);
            }
            if (answer.length > CodeCheck.MAX_CODE_BYTES) {
                throw new PoetException(Status.REJECTED, "the generator's answer is over the 1 MiB limit");
            }
            return new String(answer, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new PoetException(Status.FAILURE, "interrupted while the generator ran");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new PoetException(Status.REJECTED, "could not read the generator's output: " + e.getMessage());
        }
    }

    private static byte[] read(InputStream in, int max) {
        try (InputStream s = in) {
            byte[] b = s.readNBytes(max);
            s.transferTo(OutputStream.nullOutputStream());
            return b;
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
