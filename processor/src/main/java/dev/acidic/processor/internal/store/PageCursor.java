package dev.acidic.processor.internal.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Objects;

/**
 * Where a page of {@link JobQueries#list} ended: the {@code (created_at, key)} of its last job.
 * The next page holds the jobs strictly before it in the list's order (newest first), so paging is
 * a keyset seek on the index, as fast on the thousandth page as on the first, and stable while new
 * jobs arrive.
 *
 * @param createdAt the last job's creation time, to the microsecond Postgres stores
 * @param key the last job's key (orders jobs created in the same microsecond)
 */
public record PageCursor(Instant createdAt, String key) {
    private static final char SEPARATOR = '|';

    public PageCursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(key, "key");
    }

    /** The cursor as an opaque, URL- and shell-safe token (base64url of the instant and the key). */
    public String token() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((createdAt.toString() + SEPARATOR + key).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The cursor a {@link #token()} stands for.
     *
     * @throws IllegalArgumentException naming the token when it is not one
     */
    public static PageCursor parse(String token) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8);
            int at = s.indexOf(SEPARATOR);
            if (at < 0) {
                throw new IllegalArgumentException("no separator");
            }
            return new PageCursor(Instant.parse(s.substring(0, at)), s.substring(at + 1));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException("'" + token + "' is not a page cursor: pass on the token a page printed as its next"
                    + " (" + e.getMessage() + ")", e);
        }
    }
}
