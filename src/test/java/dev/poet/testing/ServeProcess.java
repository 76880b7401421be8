package dev.poet.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code poet serve} process on loopback, for tests that use it as a client on the network
 * would: its URL from the first line it prints, its stderr kept, and raw-socket exchanges.
 */
public final class ServeProcess implements AutoCloseable {
    /** A bound for a loaded machine to start, answer or stop: never a speed. */
    public static final long WAIT_SECONDS = 120;

    public final Process process;
    public final URI url;
    private final ByteArrayOutputStream stderr;
    private final Thread stderrReader;

    private ServeProcess(Process process, URI url, ByteArrayOutputStream stderr, Thread stderrReader) {
        this.process = process;
        this.url = url;
        this.stderr = stderr;
        this.stderrReader = stderrReader;
    }

    /** Reads the stream to its end into {@code into} on a thread of its own. */
    private static Thread collect(InputStream in, ByteArrayOutputStream into) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream s = in) {
                for (int n; (n = s.read(buf)) > 0; ) {
                    synchronized (into) {
                        into.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "serve-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** {@code poet --store STORE serve --port 0 ARGS} in a fresh JVM with these options and environment. */
    public static ServeProcess start(Path store, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException {
        List<String> cli = new ArrayList<>(List.of("--store", store.toString(), "serve", "--port", "0"));
        cli.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(Jvm.poet(jvmOptions, cli.toArray(String[]::new)));
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread reader = collect(p.getErrorStream(), err);
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (first == null) {
            p.destroyForcibly();
            try {
                reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("poet serve printed no URL; stderr: " + err.toString(StandardCharsets.UTF_8));
        }
        Jvm.drain(p.getInputStream());
        return new ServeProcess(p, URI.create(first), err, reader);
    }

    public int port() {
        return url.getPort();
    }

    /** Everything it printed on stderr, once it has exited. */
    public String stderr() {
        try {
            stderrReader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stderrSoFar();
    }

    /** What it has printed on stderr so far. */
    public String stderrSoFar() {
        synchronized (stderr) {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    /** SIGTERM, and its exit code once it has stopped. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("poet serve did not stop within " + WAIT_SECONDS + " s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    /** An HTTP answer as read off the socket: the status line's code, the head, the body. */
    public record Answer(int status, String head, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }
    }

    /** A connection to the server, its bytes written and read as they are. */
    public Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port()));
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return s;
    }

    /** Sends the bytes on a new connection and reads the one answer (by its Content-Length). */
    public Answer exchange(byte[] request) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return read(s.getInputStream(), false);
        }
    }

    public Answer exchange(String request) throws IOException {
        return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * One answer from the stream: the head up to the blank line, then Content-Length bytes of body
     * (none for a HEAD request's answer, whose length describes the GET's body).
     */
    public static Answer read(InputStream in, boolean toHead) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended before an answer's head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1
                    : b == '\r' ? 1 : 0;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(h.substring(9, 12));
        Answer a = new Answer(status, h, new byte[0]);
        String length = a.header("Content-Length");
        if (toHead || length == null) {
            return a;
        }
        return new Answer(status, h, in.readNBytes(Integer.parseInt(length)));
    }

    /** Whether the server closed the connection (end of stream), read within the wait. */
    public static boolean closedByServer(Socket s) throws IOException {
        try {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }
}
