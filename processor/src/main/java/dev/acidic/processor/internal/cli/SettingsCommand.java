package dev.acidic.processor.internal.cli;

import dev.acidic.processor.AcidicConfig;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Lists every setting. Reads only {@code key()}, {@code envName()}, {@code defaultValue()} and
 * {@code doc()} of {@link AcidicConfig#SETTINGS}, the listing API that stays while the settings
 * behind it change.
 */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "List every setting, its environment variable and default.")
final class SettingsCommand implements Callable<Integer> {
    private final PrintStream out;

    SettingsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        for (AcidicConfig.Setting s : AcidicConfig.SETTINGS) {
            out.printf("%-28s %-26s default %-22s %s%n", s.key(), s.envName(),
                    s.defaultValue().isEmpty() ? "(none)" : s.defaultValue(), s.doc());
        }
        return 0;
    }
}
