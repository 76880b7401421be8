package dev.poet.testing;

import dev.poet.store.Locks;
import dev.poet.store.NioStoreIO;
import java.nio.file.Paths;

/** A process that takes a store lock, says so on stdout, and holds it until it is killed. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        Locks.Held held = Locks.acquire(NioStoreIO.INSTANCE, Paths.get(args[0]), 0, "test");
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        held.close();
    }
}
