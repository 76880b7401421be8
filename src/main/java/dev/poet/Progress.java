package dev.poet;

/** How far long work has got, for a progress bar; the core reports, the command line draws. */
public interface Progress {
    Progress NONE = (phase, done, total) -> { };

    /** {@code total} is 0 when unknown. */
    void update(String phase, long done, long total);
}
