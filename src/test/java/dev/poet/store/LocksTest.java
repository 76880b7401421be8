package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.Status;
import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import dev.poet.testing.LockHolder;
import dev.poet.testing.Trees;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-function lock, across real processes and across threads of one process. */
class LocksTest {
    @TempDir
    Path project;

    private Cli store() {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        cli.write("detect.py", "def detect_drift(a, b):\n    return {}\n");
        cli.env.put("POET_LOCK_WAIT", "0.2");
        return cli;
    }

    @Test
    void aDeployWhileAnotherProcessHoldsTheLockExits75ChangingNothingAndWorksOnceItDies() throws Exception {
        Cli cli = store();
        Path lock = project.resolve(".poet/locks/fn-detect_drift.lock");
        Process holder = new ProcessBuilder(Jvm.command(List.of(), LockHolder.class.getName(), lock.toString())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            var before = Trees.snapshot(project.resolve(".poet"));
            Cli.Result busy = cli.run("enhance", "detect_drift", "--from", "detect.py");
            assertEquals(Status.BUSY.code(), busy.code(), busy.toString());
            assertEquals("poet: function detect_drift is locked by another poet process; try again later\n", busy.err());
            assertEquals(before, Trees.snapshot(project.resolve(".poet")));
            Cli.Result feedback = cli.run("feedback", "--execution-id", "e1", "--real-drift");
            assertEquals(0, feedback.code(), "event delivery takes no lock");
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "the lock holder ended within 30 s");
        }
        Cli.Result after = cli.run("enhance", "detect_drift", "--from", "detect.py");
        assertEquals(0, after.code(), "the kernel released the dead holder's lock: " + after);
    }

    @Test
    void threadsOfOneProcessExcludeEachOther() throws Exception {
        Cli cli = store();
        Store store = Store.open(project.resolve(".poet"), NioStoreIO.INSTANCE);
        try (Locks.Held held = store.versions().lock("detect_drift")) {
            Cli.Result busy = CompletableFuture.supplyAsync(() -> cli.run("enhance", "detect_drift", "--from", "detect.py"))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(Status.BUSY.code(), busy.code(), busy.toString());
        }
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "detect.py").code());
        try (var files = Files.list(project.resolve(".poet"))) {
            assertEquals(List.of("detect_drift_v1.py"),
                    files.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*_v[0-9]+\\.py")).toList());
        }
    }

    @Test
    void anInvalidLockWaitIsABadInput() {
        Cli cli = store();
        cli.env.put("POET_LOCK_WAIT", "soon");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "detect.py");
        assertEquals(2, r.code());
        assertEquals("poet: POET_LOCK_WAIT must be a number of seconds, got 'soon'\n", r.err());
    }
}
