package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** poet doctor says when Java runs without the start-up archive the launcher asked for (Java updated since install). */
class ArchiveNoteTest {
    @TempDir
    Path dir;

    @Test
    void aNoteOnlyWhenAnArchiveWasAskedForAndIsNotInUse() {
        String note = DoctorCommand.archiveNote(List.of("-Xshare:auto", "-XX:SharedArchiveFile=/opt/poet/a.jsa"),
                "mixed mode, emulated-client");
        assertTrue(note.contains("/opt/poet/a.jsa") && note.contains("run ./install.sh again"), note);
        assertTrue(DoctorCommand.archiveNote(List.of("-XX:AOTCache=/opt/poet/a.aot"), "mixed mode").contains("a.aot"),
                "the note names the AOT cache in use");
        assertNull(DoctorCommand.archiveNote(List.of("-XX:SharedArchiveFile=/opt/poet/a.jsa"), "mixed mode, sharing"));
        assertNull(DoctorCommand.archiveNote(List.of("-Xmx768m"), "mixed mode"), "no archive asked for");
    }

    private record Run(int code, String err) {
    }

    private Run doctor(String... jvmOptions) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Jvm.poet(List.of(jvmOptions), "--store", dir.resolve(".poet").toString(), "doctor")).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM ended within 60 s");
        return new Run(p.exitValue(), err);
    }

    @Test
    void aRealJvmThatCannotUseItsArchiveIsNoted() throws Exception {
        assertEquals(0, new Cli(FileSystems.getDefault(), dir).run("init").code());
        Path missing = dir.resolve("poet-0000-java17.jsa");
        Run stale = doctor("-Xshare:auto", "-XX:SharedArchiveFile=" + missing, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        assertEquals(0, stale.code(), stale.err());
        assertTrue(stale.err().contains("does not use the start-up archive " + missing), stale.err());
        Run plain = doctor();
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.err().contains("start-up archive"), plain.err());
    }
}
