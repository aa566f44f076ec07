package dev.acidic.processor.internal.http;

import com.sun.net.httpserver.HttpHandler;

/**
 * A route {@link HttpEndpoint} serves without the bearer token: static files that hold no data and
 * change nothing (the dashboard's page, script and style, the same bytes as in the jar). Every
 * read of jobs, metrics or health and every command stays behind the token.
 */
interface OpenFiles extends HttpHandler {}
