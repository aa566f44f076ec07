package dev.acidic.processor.internal.store;

import dev.acidic.processor.internal.config.Secrets;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Opens Postgres connections with the driver's properties (user, password, {@code sslmode},
 * {@code sslpassword}, ...) held here rather than in the pool's configuration: HikariCP prints its
 * data source properties at DEBUG and masks only {@code password}. {@link #toString()} shows no
 * secret.
 */
final class PostgresSource implements DataSource {
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final String url;
    private final Properties props = new Properties();
    private volatile int loginTimeoutSeconds;

    PostgresSource(String url, String user, String password, Map<String, String> properties) {
        this.url = url;
        props.putAll(properties);
        if (user != null && !user.isEmpty()) {
            props.setProperty("user", user);
        }
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        Properties p = new Properties();
        p.putAll(props);
        if (loginTimeoutSeconds > 0) {
            p.putIfAbsent("loginTimeout", Integer.toString(loginTimeoutSeconds));
        }
        Connection c = driver.connect(url, p);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL (expected jdbc:postgresql://host:port/database): "
                    + url.replaceAll("\\?.*", "?..."), "08001"); // not ours to parse: show no parameter
        }
        return c;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the user and password are set on the data source");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // the driver logs through java.util.logging
    }

    @Override
    public void setLoginTimeout(int seconds) {
        loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "PostgresSource{" + Secrets.maskInline(url) + ", user=" + props.getProperty("user")
                + ", properties=" + props.stringPropertyNames().stream().sorted().toList() + "}";
    }
}
