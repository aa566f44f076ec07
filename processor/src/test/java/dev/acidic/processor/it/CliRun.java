package dev.acidic.processor.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Wire;
import dev.acidic.processor.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What one run of the command line printed and answered, in this JVM with {@code env} as its environment. */
public record CliRun(int rc, String out, String err) {
    public static CliRun of(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public JsonNode json() {
        return Wire.parse(out);
    }

    @Override
    public String toString() {
        return "rc " + rc + "\n--- out\n" + out + "--- err\n" + err;
    }
}
