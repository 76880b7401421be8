package dev.poet.generate;

import java.io.IOException;

/** A code generator: the improvement prompt in, the model's raw answer out (checked by the caller, never run). */
public interface Generator {
    /** The raw answer, or a {@link dev.poet.Status#REJECTED} error saying why there is none. */
    String generate(String prompt) throws IOException;
}
