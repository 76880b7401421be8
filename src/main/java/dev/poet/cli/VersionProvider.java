package dev.poet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code poet --version}: the version Maven wrote into {@code version.properties}, and the Java running it. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/dev/poet/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"poet " + version(), "Java " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vm.name") + ")"};
    }
}
