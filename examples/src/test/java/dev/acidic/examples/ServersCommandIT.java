package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.embedded.EmbeddedInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** {@code servers}: what it prints is what a processor needs to reach the Kafka and Postgres it started. */
class ServersCommandIT {

    @Test
    void printsTheAcidicVariablesOfAKafkaAndAPostgresThatAnswer() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ServersCommand command = new ServersCommand(new PrintStream(buf, true, StandardCharsets.UTF_8));
        command.dir = Path.of("target", "servers-it");
        try (EmbeddedInfrastructure servers = command.start()) {
            Map<String, String> env = buf.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("export "))
                    .map(l -> l.substring("export ".length()).split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
            assertEquals(servers.bootstrapServers(), env.get("ACIDIC_BOOTSTRAP_SERVERS"));
            try (Connection c = DriverManager.getConnection(env.get("ACIDIC_JDBC_URL"), env.get("ACIDIC_JDBC_USER"), "");
                    ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.get("ACIDIC_BOOTSTRAP_SERVERS"));
            try (Admin admin = Admin.create(p)) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            }
        }
    }
}
