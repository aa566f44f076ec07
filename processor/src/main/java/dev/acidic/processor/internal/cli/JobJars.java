package dev.acidic.processor.internal.cli;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The class loader of {@code run --jobs PATH...}: the given jars, and the jars in the given directories. */
final class JobJars {
    private JobJars() {}

    /**
     * @return {@code parent} itself when no path is given
     * @throws IllegalArgumentException naming a path that is neither a jar nor a directory
     */
    static ClassLoader loader(List<Path> paths, ClassLoader parent) {
        if (paths.isEmpty()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> in = Files.list(p)) {
                    for (Path jar : in.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                        urls.add(url(jar));
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException("--jobs " + p + ": cannot list the directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
                urls.add(url(p));
            } else {
                throw new IllegalArgumentException("--jobs " + p + ": no such jar or directory");
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("--jobs " + paths + ": no jar found");
        }
        return new URLClassLoader("acidic-jobs", urls.toArray(URL[]::new), parent);
    }

    private static URL url(Path jar) {
        try {
            return jar.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("--jobs " + jar + ": " + e.getMessage());
        }
    }
}
