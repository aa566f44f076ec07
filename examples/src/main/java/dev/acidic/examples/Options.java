package dev.acidic.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options of a subcommand (args[0] is the subcommand itself). */
final class Options {
    private Options() {}

    /**
     * @param flags options that take no value (stored as {@code "true"})
     * @throws IllegalArgumentException naming the argument that does not fit
     */
    static Map<String, String> parse(String[] args, Set<String> flags) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            if (flags.contains(name)) {
                opts.put(name, "true");
            } else if (i + 1 < args.length) {
                opts.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
        }
        return opts;
    }
}
