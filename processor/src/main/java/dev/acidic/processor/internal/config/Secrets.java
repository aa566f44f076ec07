package dev.acidic.processor.internal.config;

import java.util.regex.Pattern;

/**
 * The one masking rule, for everything that prints settings, URLs or driver properties: a value is
 * hidden whole when its setting is declared secret or its key names a secret (password, secret,
 * JAAS entry, token, credential, user info, key); in any other value a {@code password=}
 * parameter ({@code sslpassword=} too) and the password of {@code user:password@} are hidden.
 */
public final class Secrets {
    public static final String MASK = "****";
    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i).*(password|secret|jaas|token|credential|user\\.info|\\.key$|keystore\\.key).*");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/?#@:]*:)[^/?#@]*@");

    private Secrets() {}

    /** Whether a key (a pass-through one, say {@code acidic.kafka.ssl.keystore.password}) names a secret. */
    public static boolean isSecretKey(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    /** {@code value} as it may be shown under {@code key}. */
    public static String mask(String key, String value, boolean declaredSecret) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        if (declaredSecret || isSecretKey(key)) {
            return MASK;
        }
        return maskInline(value);
    }

    /** A URL (or any text) with its {@code password=} parameters and user-info password hidden. */
    public static String maskInline(String text) {
        if (text == null) {
            return null;
        }
        String s = PASSWORD_PARAMETER.matcher(text).replaceAll("$1" + MASK);
        return USER_INFO.matcher(s).replaceAll("$1" + MASK + "@");
    }
}
