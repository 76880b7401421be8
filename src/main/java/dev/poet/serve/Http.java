package dev.poet.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server on non-blocking sockets: one selector loop per core reads requests,
 * hands each complete one to the {@link Handler} on the loop's thread, and writes the answer when
 * the handler's stage completes (from whatever thread completes it). No thread waits on a client:
 * a slow client costs a buffer, not a thread.
 *
 * <p>What it does: keep-alive and pipelining (one request at a time per connection, in order),
 * {@code Content-Length} and {@code chunked} request bodies, {@code Expect: 100-continue}, HTTP/1.0
 * clients, one write per response. Its bounds: a request head of at most {@value #MAX_HEAD} bytes
 * (431), a body of at most {@code maxBody} bytes (413, answered from the declared length before
 * the body is read), a request must arrive within {@code requestTimeoutMillis} from its first
 * byte (408), an idle connection is closed after {@code idleTimeoutMillis}, an answer must be taken
 * by the client within the request timeout, at most {@code perClient} bodies may be arriving at once
 * from one client address (429, the body unread) and at most {@value #MAX_CONNECTIONS} connections
 * are open. A refusal that leaves the body unread closes the connection after the answer, reading
 * and discarding what the client still sends (up to {@value #DRAIN_LIMIT} bytes, a few seconds) so
 * that it sees the answer rather than a reset.
 *
 * <p>The server never prints; the handler logs what it wants.
 */
public final class Http implements AutoCloseable {
    static final int MAX_HEAD = 64 * 1024;
    static final int MAX_CONNECTIONS = 16_384;
    static final long DRAIN_LIMIT = 16L << 20;
    static final long DRAIN_MILLIS = 5_000;

    /** A complete request: method, decoded path, raw path and query, headers by lower-case name, body. */
    public record Request(String method, String path, String rawPath, String rawQuery, Map<String, String> headers,
                          byte[] body, InetAddress client) {
        /** The first value of a header (names are case-insensitive), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer: status, headers (besides Content-Length and Connection, which the server writes) and body. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
    }

    /** Handles a complete request on a loop thread: must not block; long work goes to another thread. */
    public interface Handler {
        CompletionStage<Response> handle(Request request);
    }

    /** The answer the server itself gives to a request it refuses (malformed, too large, too slow...). */
    public interface Refusals {
        Response refuse(int status, String message, Request requestOrNull);
    }

    /**
     * Bounds; see the class comment. {@code maxBodyFor} gives the body limit of a request target
     * (some endpoints take more than others); the plain constructor applies {@code maxBody} to all.
     */
    public record Limits(int maxBody, int perClient, long requestTimeoutMillis, long idleTimeoutMillis,
                         java.util.function.ToIntFunction<String> maxBodyFor) {
        public Limits(int maxBody, int perClient, long requestTimeoutMillis, long idleTimeoutMillis) {
            this(maxBody, perClient, requestTimeoutMillis, idleTimeoutMillis, target -> maxBody);
        }
    }

    private final ServerSocketChannel listener;
    private final Handler handler;
    private final Refusals refusals;
    private final Limits limits;
    private final Loop[] loops;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<InetAddress, Integer> arriving = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public Http(InetSocketAddress bind, Handler handler, Refusals refusals, Limits limits, int loops) throws IOException {
        this.handler = handler;
        this.refusals = refusals;
        this.limits = limits;
        this.listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(bind, 1024);
            listener.configureBlocking(false);
            this.loops = new Loop[Math.max(1, loops)];
            for (int i = 0; i < this.loops.length; i++) {
                this.loops[i] = new Loop(i);
            }
            listener.register(this.loops[0].selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        for (Loop l : this.loops) {
            l.thread.start();
        }
    }

    /** The bound address (the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connections open now. */
    public int connections() {
        return connections.get();
    }

    /**
     * Stops accepting, lets requests already being handled finish (their answers written) for up
     * to {@code graceMillis}, then closes every connection.
     */
    public void close(long graceMillis) {
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (Loop l : loops) {
            l.stopBy = deadline;
            l.selector.wakeup();
        }
        for (Loop l : loops) {
            try {
                l.thread.join(Math.max(1, graceMillis + 2_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        close(5_000);
    }

    private enum State { HEAD, BODY, HANDLING, WRITING, DRAINING }

    private final class Loop implements Runnable {
        final Selector selector;
        final Thread thread;
        final Set<Conn> conns = new HashSet<>();
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        volatile long stopBy = Long.MAX_VALUE;
        int next;

        Loop(int i) throws IOException {
            this.selector = Selector.open();
            this.thread = new Thread(this, "poet-http-" + i);
            this.thread.setDaemon(true);
        }

        void post(Runnable r) {
            tasks.add(r);
            selector.wakeup();
        }

        @Override
        public void run() {
            long lastSweep = System.nanoTime();
            try {
                while (true) {
                    if (closing) {
                        boolean busy = false;
                        for (Conn c : conns) {
                            busy |= c.state == State.HANDLING || c.state == State.WRITING;
                        }
                        if (!busy || System.nanoTime() - stopBy > 0) {
                            break;
                        }
                    }
                    if (tasks.isEmpty()) {
                        selector.select(closing ? 50 : 1000);
                    } else {
                        selector.selectNow();
                    }
                    Runnable t;
                    while ((t = tasks.poll()) != null) {
                        t.run();
                    }
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isAcceptable()) {
                            accept();
                            continue;
                        }
                        Conn c = (Conn) k.attachment();
                        try {
                            if (k.isWritable()) {
                                c.flush();
                            }
                            if (k.isValid() && k.isReadable()) {
                                c.readable();
                            }
                        } catch (IOException | RuntimeException e) {
                            c.close();
                        }
                    }
                    long now = System.nanoTime();
                    if (now - lastSweep > 1_000_000_000L) {
                        lastSweep = now;
                        for (Conn c : new ArrayList<>(conns)) {
                            c.checkTime(now);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the selector itself failed: nothing can be served by this loop any more
            } finally {
                for (Conn c : new ArrayList<>(conns)) {
                    c.close();
                }
                try {
                    selector.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        void accept() {
            SocketChannel ch;
            while (true) {
                try {
                    ch = listener.accept();
                } catch (IOException e) {
                    return; // out of descriptors or closed: the next select tries again
                }
                if (ch == null) {
                    return;
                }
                if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                    connections.decrementAndGet();
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // refused
                    }
                    continue;
                }
                Loop target = loops[next++ % loops.length];
                SocketChannel accepted = ch;
                if (target == this) {
                    register(accepted);
                } else {
                    target.post(() -> target.register(accepted));
                }
            }
        }

        void register(SocketChannel ch) {
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(this, ch);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                conns.add(c);
            } catch (IOException e) {
                connections.decrementAndGet();
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // gone
                }
            }
        }
    }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final class Conn {
        final Loop loop;
        final SocketChannel ch;
        final InetAddress client;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(8192); // write mode: data in [0, position)
        ByteBuffer out;
        State state = State.HEAD;
        long since = System.nanoTime(); // start of the request (or of the idle wait, or of draining)
        boolean started; // a byte of the current request has arrived
        int scan; // where the search for the head's end goes on
        // the parsed head
        String method;
        String target;
        boolean http10;
        Map<String, String> headers;
        int bodyStart;
        long length; // -1 chunked
        int maxBody; // for this request's target
        boolean counted; // counted in arriving
        boolean closeAfter;
        boolean unread; // refused before its body was read: drain before closing
        long drained;
        Chunked chunked;
        Request request;

        Conn(Loop loop, SocketChannel ch) throws IOException {
            this.loop = loop;
            this.ch = ch;
            this.client = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
        }

        void readable() throws IOException {
            if (state == State.DRAINING) {
                ByteBuffer sink = ByteBuffer.allocate(8192);
                int n;
                while ((n = ch.read(sink)) > 0) {
                    drained += n;
                    sink.clear();
                }
                if (n < 0 || drained > DRAIN_LIMIT) {
                    close();
                }
                return;
            }
            if (!in.hasRemaining()) {
                grow(in.capacity() * 2);
            }
            int n = ch.read(in);
            if (n < 0) {
                close();
                return;
            }
            if (n > 0 && !started) {
                started = true;
                since = System.nanoTime();
            }
            parse();
        }

        void grow(int capacity) {
            ByteBuffer b = ByteBuffer.allocate(capacity);
            in.flip();
            b.put(in);
            in = b;
        }

        /** Goes on with the request in the buffer, as far as the bytes allow. */
        void parse() throws IOException {
            if (state == State.HEAD) {
                byte[] a = in.array();
                int blank = 0;
                while (blank < in.position() && (a[blank] == '\r' || a[blank] == '\n')) {
                    blank++; // empty lines before a request line are ignored
                }
                if (blank > 0) {
                    consume(blank);
                }
                int end = headEnd();
                if (end < 0) {
                    if (in.position() >= MAX_HEAD) {
                        refuse(431, "the request head is over " + MAX_HEAD + " bytes");
                    }
                    return;
                }
                if (!head(end)) {
                    return;
                }
                state = State.BODY;
                maxBody = limits.maxBodyFor().applyAsInt(target);
                if (length > maxBody) {
                    refuse(413, "the body is over the " + (maxBody >> 20) + " MiB limit");
                    return;
                }
                if (length > 0 && in.position() - bodyStart < length) {
                    if (!arrive()) {
                        return;
                    }
                    if (in.capacity() < bodyStart + length) {
                        grow((int) (bodyStart + length));
                    }
                    if (http10 || !"100-continue".equalsIgnoreCase(headers.get("expect"))) {
                        return;
                    }
                    send(ByteBuffer.wrap(CONTINUE));
                    return;
                }
            }
            if (state == State.BODY) {
                byte[] body;
                if (length >= 0) {
                    if (in.position() - bodyStart < length) {
                        return;
                    }
                    body = new byte[(int) length];
                    in.get(bodyStart, body);
                    consume(bodyStart + (int) length);
                } else {
                    if (chunked == null) {
                        chunked = new Chunked(maxBody);
                        if (!arrive()) {
                            return;
                        }
                        if (!http10 && "100-continue".equalsIgnoreCase(headers.get("expect")) && in.position() == bodyStart) {
                            send(ByteBuffer.wrap(CONTINUE));
                        }
                    }
                    int reached;
                    try {
                        reached = chunked.feed(in, bodyStart);
                    } catch (IllegalArgumentException e) {
                        refuse(e.getMessage().startsWith("over") ? 413 : 400,
                                e.getMessage().startsWith("over") ? "the body is over the " + (maxBody >> 20) + " MiB limit"
                                        : "malformed chunked body: " + e.getMessage());
                        return;
                    }
                    consume(reached);
                    bodyStart = 0;
                    if (!chunked.done()) {
                        return;
                    }
                    body = chunked.body();
                    chunked = null;
                }
                leave();
                dispatch(body);
            }
        }

        /** Counts this body as arriving from its client; false (and a 429) past the bound. */
        boolean arrive() throws IOException {
            if (counted) {
                return true;
            }
            counted = true;
            if (arriving.merge(client, 1, Integer::sum) > limits.perClient()) {
                refuse(429, "too many requests from " + client.getHostAddress() + " are still sending their bodies (at most "
                        + limits.perClient() + "); try again later");
                return false;
            }
            return true;
        }

        void leave() {
            if (counted) {
                counted = false;
                arriving.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
            }
        }

        /** Drops the first {@code n} bytes of the buffer. */
        void consume(int n) {
            in.flip();
            in.position(n);
            in.compact();
            scan = 0;
        }

        /** The offset just past the blank line that ends the head (LF LF or LF CR LF), or -1. */
        int headEnd() {
            byte[] a = in.array();
            int limit = in.position();
            for (int i = Math.max(scan, 1); i < limit; i++) {
                if (a[i] == '\n' && (a[i - 1] == '\n' || (a[i - 1] == '\r' && i >= 2 && a[i - 2] == '\n'))) {
                    return i + 1;
                }
            }
            scan = limit;
            return -1;
        }

        /** Parses the head in [0, end); false if it was refused. */
        boolean head(int end) throws IOException {
            String text = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r?\n");
            int first = 0;
            String[] parts = lines[first].split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/1.")) {
                method = null;
                refuse(400, "malformed request line");
                return false;
            }
            method = parts[0];
            target = parts[1];
            http10 = parts[2].equals("HTTP/1.0");
            headers = new LinkedHashMap<>();
            for (int i = first + 1; i < lines.length; i++) {
                String l = lines[i];
                if (l.isEmpty()) {
                    continue;
                }
                int colon = l.indexOf(':');
                if (colon <= 0 || l.charAt(0) == ' ' || l.charAt(0) == '\t' || l.charAt(colon - 1) == ' ') {
                    refuse(400, "malformed header line");
                    return false;
                }
                String name = l.substring(0, colon).toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).strip();
                headers.merge(name, value, (x, y) -> x + ", " + y);
            }
            String te = headers.get("transfer-encoding");
            String cl = headers.get("content-length");
            if (te != null) {
                if (cl != null) {
                    refuse(400, "both Transfer-Encoding and Content-Length");
                    return false;
                }
                if (!te.equalsIgnoreCase("chunked")) {
                    refuse(501, "Transfer-Encoding " + te + " is not supported; send chunked or a Content-Length");
                    return false;
                }
                length = -1;
            } else if (cl != null) {
                try {
                    length = Long.parseLong(cl);
                } catch (NumberFormatException e) {
                    length = -2;
                }
                if (length < 0) {
                    refuse(400, "Content-Length is not a number");
                    return false;
                }
            } else {
                length = 0;
            }
            String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
            closeAfter = http10 ? !connection.contains("keep-alive") : tokens(connection).contains("close");
            bodyStart = end;
            return true;
        }

        /** The request target as a URI of path and query (an absolute-form target keeps only those). */
        static URI target(String target) throws java.net.URISyntaxException {
            if (target.startsWith("/")) {
                return new URI(target);
            }
            URI abs = new URI(target);
            String path = abs.getRawPath() == null || abs.getRawPath().isEmpty() ? "/" : abs.getRawPath();
            return new URI(path + (abs.getRawQuery() == null ? "" : "?" + abs.getRawQuery()));
        }

        static List<String> tokens(String header) {
            List<String> out = new ArrayList<>();
            for (String t : header.split(",")) {
                out.add(t.strip());
            }
            return out;
        }

        void dispatch(byte[] body) {
            state = State.HANDLING;
            key.interestOps(0);
            URI uri;
            try {
                uri = target(target);
            } catch (Exception e) {
                request = new Request(method, "", "", null, headers, body, client);
                respond(refusals.refuse(400, "malformed request target", request), true);
                return;
            }
            String rawPath = uri.getRawPath() == null ? "/" : uri.getRawPath();
            request = new Request(method, uri.getPath() == null ? "/" : uri.getPath(), rawPath, uri.getRawQuery(), headers, body,
                    client);
            CompletionStage<Response> stage;
            try {
                stage = handler.handle(request);
            } catch (RuntimeException e) {
                respond(refusals.refuse(500, "internal error: " + e, request), true);
                return;
            }
            stage.whenComplete((r, failure) -> {
                Response answer = failure != null || r == null ? refusals.refuse(500, "internal error: " + failure, request) : r;
                if (Thread.currentThread() == loop.thread) {
                    respond(answer, false);
                } else {
                    loop.post(() -> respond(answer, false));
                }
            });
        }

        /** Refuses the request being read: answers and closes, draining what the client still sends. */
        void refuse(int status, String message) throws IOException {
            leave();
            unread = true;
            Request r = null;
            if (method != null) {
                String path = "";
                try {
                    path = target(target).getPath();
                } catch (Exception e) {
                    // refused anyway
                }
                r = new Request(method, path == null ? "" : path, "", null, headers == null ? Map.of() : headers, new byte[0], client);
            }
            state = State.HANDLING;
            respond(refusals.refuse(status, message, r), true);
        }

        void respond(Response r, boolean close) {
            if (!ch.isOpen()) {
                return;
            }
            close |= closeAfter || closing || "close".equalsIgnoreCase(r.headers().get("Connection"));
            closeAfter = close;
            StringBuilder h = new StringBuilder(256);
            h.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n");
            for (Map.Entry<String, String> e : r.headers().entrySet()) {
                if (!e.getKey().equalsIgnoreCase("Connection") && !e.getKey().equalsIgnoreCase("Content-Length")) {
                    h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
                }
            }
            h.append("Content-Length: ").append(r.body().length).append("\r\n");
            if (close) {
                h.append("Connection: close\r\n");
            } else if (http10) {
                h.append("Connection: keep-alive\r\n");
            }
            h.append("\r\n");
            byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer b = ByteBuffer.allocate(head.length + r.body().length);
            b.put(head).put(r.body()).flip();
            state = State.WRITING;
            since = System.nanoTime();
            try {
                key.interestOps(0);
                send(b);
            } catch (IOException | RuntimeException e) {
                close();
            }
        }

        /** Queues bytes and writes what the socket takes now. */
        void send(ByteBuffer b) throws IOException {
            if (out == null || !out.hasRemaining()) {
                out = b;
            } else {
                ByteBuffer joined = ByteBuffer.allocate(out.remaining() + b.remaining());
                joined.put(out).put(b).flip();
                out = joined;
            }
            flush();
        }

        void flush() throws IOException {
            if (out != null && out.hasRemaining()) {
                ch.write(out);
            }
            if (out != null && out.hasRemaining()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                return;
            }
            out = null;
            if (state == State.WRITING) {
                finished();
            } else if ((key.interestOps() & SelectionKey.OP_WRITE) != 0) {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            }
        }

        /** The answer is written: close, drain, or go on with the next request. */
        void finished() throws IOException {
            if (closeAfter) {
                if (!unread && in.position() == 0) {
                    close();
                    return;
                }
                // let the client see the answer before the connection goes: stop writing, discard the rest
                state = State.DRAINING;
                since = System.nanoTime();
                in = ByteBuffer.allocate(0);
                ch.shutdownOutput();
                key.interestOps(SelectionKey.OP_READ);
                return;
            }
            state = State.HEAD;
            request = null;
            method = null;
            target = null;
            headers = null;
            started = in.position() > 0;
            since = System.nanoTime();
            key.interestOps(SelectionKey.OP_READ);
            if (in.capacity() > 65536 && in.position() < 8192) {
                ByteBuffer small = ByteBuffer.allocate(8192);
                in.flip();
                small.put(in);
                in = small;
            }
            if (in.position() > 0) {
                loop.tasks.add(this::resume); // a pipelined request already here: next turn of the loop
            }
        }

        void resume() {
            if (state != State.HEAD || !ch.isOpen()) {
                return;
            }
            try {
                parse();
            } catch (IOException | RuntimeException e) {
                close();
            }
        }

        void checkTime(long now) {
            long age = now - since;
            switch (state) {
                case HEAD, BODY -> {
                    if (started && age > TimeUnit.MILLISECONDS.toNanos(limits.requestTimeoutMillis())) {
                        try {
                            refuse(408, "the request did not arrive within " + limits.requestTimeoutMillis() / 1000 + " s");
                        } catch (IOException e) {
                            close();
                        }
                    } else if (!started && age > TimeUnit.MILLISECONDS.toNanos(limits.idleTimeoutMillis())) {
                        close();
                    }
                }
                case WRITING -> {
                    if (age > TimeUnit.MILLISECONDS.toNanos(limits.requestTimeoutMillis())) {
                        close();
                    }
                }
                case DRAINING -> {
                    if (age > TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS)) {
                        close();
                    }
                }
                default -> {
                    // HANDLING: the handler's own bound applies
                }
            }
        }

        void close() {
            if (!loop.conns.remove(this)) {
                return;
            }
            leave();
            connections.decrementAndGet();
            try {
                ch.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }
    }

    /** An incremental decoder of a chunked body. */
    private static final class Chunked {
        private final int max;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private long remaining = -1; // -1: a size line is next; 0 after data: its CRLF is next
        private boolean afterData;
        private boolean trailers;
        private boolean done;

        Chunked(int max) {
            this.max = max;
        }

        boolean done() {
            return done;
        }

        byte[] body() {
            return body.toByteArray();
        }

        /** Consumes what it can of buf[from, position); returns the offset it reached. */
        int feed(ByteBuffer buf, int from) {
            byte[] a = buf.array();
            int limit = buf.position();
            int i = from;
            while (i < limit && !done) {
                if (remaining > 0) {
                    int n = (int) Math.min(remaining, limit - i);
                    body.write(a, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        afterData = true;
                    }
                    continue;
                }
                int nl = -1;
                for (int j = i; j < limit; j++) {
                    if (a[j] == '\n') {
                        nl = j;
                        break;
                    }
                }
                if (nl < 0) {
                    if (limit - i > 4096) {
                        throw new IllegalArgumentException("a chunk line is too long");
                    }
                    return i;
                }
                String line = new String(a, i, nl - i, StandardCharsets.ISO_8859_1).strip();
                i = nl + 1;
                if (afterData) {
                    if (!line.isEmpty()) {
                        throw new IllegalArgumentException("no CRLF after a chunk");
                    }
                    afterData = false;
                    continue;
                }
                if (trailers) {
                    if (line.isEmpty()) {
                        done = true;
                    }
                    continue;
                }
                int semi = line.indexOf(';');
                String size = (semi < 0 ? line : line.substring(0, semi)).strip();
                long n;
                try {
                    n = Long.parseLong(size, 16);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad chunk size " + size);
                }
                if (n < 0 || body.size() + n > max) {
                    throw new IllegalArgumentException("over the limit");
                }
                if (n == 0) {
                    trailers = true;
                } else {
                    remaining = n;
                }
            }
            return i;
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
