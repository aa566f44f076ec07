package dev.acidic.processor.internal.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor's HTTP endpoint on the JDK's own server (no framework takes over the process):
 * a few daemon threads, every route behind the bearer token when one is set, except the
 * dashboard's static files ({@link OpenFiles}): a browser cannot send a bearer token when it opens
 * a page, so the page loads without one and asks for it when the API answers 401.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves {@code routes} (path prefix to handler, as the JDK's server matches them: the longest
     * prefix wins) on {@code host}:{@code port}.
     *
     * @param token the bearer token every request must carry; empty: none
     * @throws IllegalStateException when the address cannot be bound (in use, say), naming the setting to change
     */
    public static HttpEndpoint start(String host, int port, String token, Map<String, HttpHandler> routes) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new IllegalStateException("cannot serve HTTP on " + host + ":" + port + " (" + e.getMessage() + "): another"
                    + " process (another processor on this machine?) uses it; set acidic.http.port (ACIDIC_HTTP_PORT) to a free"
                    + " port, or 0 to serve nothing", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve HTTP on " + host + ":" + port + ": " + e, e);
        }
        Filter auth = token.isEmpty() ? null : new BearerToken(token);
        routes.forEach((path, handler) -> {
            var ctx = server.createContext(path, guarded(handler));
            if (auth != null && !(handler instanceof OpenFiles)) {
                ctx.getFilters().add(auth);
            }
        });
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "acidic-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        HttpEndpoint e = new HttpEndpoint(server, executor);
        log.info("serving HTTP on http://{}:{}/ (/metrics, /health/live, /health/ready, /api, the dashboard){}", host,
                e.port(), token.isEmpty() ? "" : "; every request needs its bearer token");
        return e;
    }

    /** The bound port (the given one, or the one chosen for port 0 in tests). */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * A handler that answers 500 instead of dropping the connection when it throws, and logs why.
     * An I/O error is almost always the connection's (the handlers catch their own SQL and Kafka
     * failures): a client that went away, as a browser does when the dashboard moves on
     * mid-request; that is logged at DEBUG, not as a failure of the processor.
     */
    private static HttpHandler guarded(HttpHandler h) {
        return ex -> {
            try (ex) {
                h.handle(ex);
            } catch (RuntimeException | IOException e) {
                if (e instanceof IOException) {
                    log.debug("HTTP {} {}: the connection failed (the client went away?): {}", ex.getRequestMethod(),
                            ex.getRequestURI(), e.toString());
                } else {
                    log.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString(), e);
                }
                try {
                    Exchanges.error(ex, 500, "internal error: " + e.getMessage());
                } catch (IOException | RuntimeException ignored) {
                    // the answer had begun: nothing more can be said on this exchange
                }
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Lets a request through only with {@code Authorization: Bearer <token>} (compared in constant time). */
    private static final class BearerToken extends Filter {
        private final byte[] expected;

        BearerToken(String token) {
            this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void doFilter(HttpExchange ex, Chain chain) throws IOException {
            String given = ex.getRequestHeaders().getFirst("Authorization");
            if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                chain.doFilter(ex);
                return;
            }
            try (ex) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"acidic\"");
                Exchanges.error(ex, 401, "this endpoint needs the header Authorization: Bearer <acidic.http.token>");
            }
        }

        @Override
        public String description() {
            return "bearer token";
        }
    }
}
