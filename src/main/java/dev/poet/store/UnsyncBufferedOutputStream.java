package dev.poet.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A buffered stream without locks, for one writer: {@code BufferedOutputStream} takes a monitor on
 * every {@code write(int)}, and {@code DataOutputStream.writeInt} makes four of them, which made
 * writing the correlation checkpoints (millions of small fields) cost seconds.
 */
public final class UnsyncBufferedOutputStream extends OutputStream {
    private final OutputStream out;
    private final byte[] buf;
    private int n;

    public UnsyncBufferedOutputStream(OutputStream out, int size) {
        this.out = out;
        this.buf = new byte[size];
    }

    @Override
    public void write(int b) throws IOException {
        if (n == buf.length) {
            drain();
        }
        buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len >= buf.length) {
            drain();
            out.write(b, off, len);
            return;
        }
        if (len > buf.length - n) {
            drain();
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
    }

    private void drain() throws IOException {
        if (n > 0) {
            out.write(buf, 0, n);
            n = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
