package dev.acidic.processor.internal.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The dashboard's files, served from the jar ({@code dev/acidic/processor/dashboard/}): the page at
 * {@code /} (one page; it routes by the URL's fragment) and its assets under {@code /assets/}. No
 * build step and nothing from the network: plain HTML, CSS and JavaScript that read the JSON API.
 * Served without the bearer token ({@link OpenFiles}); the page asks for it when the API answers 401.
 */
final class Dashboard implements OpenFiles {
    static final String ROOT = "/dev/acidic/processor/dashboard/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            Exchanges.error(ex, 405, ex.getRequestMethod() + " is not allowed here; use GET");
            return;
        }
        String path = ex.getRequestURI().getPath();
        String file = path.equals("/") || path.equals("/index.html") ? "index.html"
                : path.startsWith("/assets/") ? path.substring("/assets/".length()) : null;
        if (file == null || file.isEmpty() || file.contains("..") || file.contains("/") || !TYPES.containsKey(extension(file))) {
            Exchanges.error(ex, 404, "no such path: " + path);
            return;
        }
        try (InputStream in = Dashboard.class.getResourceAsStream(ROOT + file)) {
            if (in == null) {
                Exchanges.error(ex, 404, "no such file: " + path);
                return;
            }
            // scripts and styles only from these files (no inline code, so rendered data cannot run), and no
            // framing by another site (the page has buttons that change jobs)
            ex.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            Exchanges.send(ex, 200, TYPES.get(extension(file)), in.readAllBytes());
        }
    }

    private static String extension(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? "" : file.substring(dot + 1);
    }
}
