package dev.acidic.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) in this JVM, listening on
 * 127.0.0.1 only. For development, the demo and tests; not for production.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private final Secure secure;
    private final int securePort;
    private KafkaRaftServer server;

    /**
     * A second listener that takes TLS and SASL/PLAIN ({@code SASL_SSL}), for tests of transport
     * security: the broker's PKCS12 key store and the users allowed in, by name and password.
     */
    public record Secure(Path keyStore, String keyStorePassword, Map<String, String> users) {}

    private EmbeddedKafka(Path dir, int brokerPort, int controllerPort, Secure secure, int securePort) {
        this.dir = dir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.secure = secure;
        this.securePort = securePort;
    }

    /** Formats a fresh log directory under {@code dir} and starts the broker on free ports. */
    public static EmbeddedKafka start(Path dir) throws IOException {
        return start(dir, null);
    }

    /** Like {@link #start(Path)}, with a {@code SASL_SSL} listener too when {@code secure} is given. */
    public static EmbeddedKafka start(Path dir, Secure secure) throws IOException {
        Files.createDirectories(dir);
        Path logs = Files.createTempDirectory(dir, "kafka-");
        EmbeddedKafka k = new EmbeddedKafka(logs, freePort(), freePort(), secure, secure == null ? -1 : freePort());
        k.format();
        k.startServer();
        return k;
    }

    private Properties props() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String listeners = "PLAINTEXT://127.0.0.1:" + brokerPort;
        p.put("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort + (secure == null ? "" : ",SECURE://127.0.0.1:" + securePort));
        p.put("advertised.listeners", listeners + (secure == null ? "" : ",SECURE://127.0.0.1:" + securePort));
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + (secure == null ? "" : ",SECURE:SASL_SSL"));
        if (secure != null) {
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            secure.users().forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.secure.sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.secure.plain.sasl.jaas.config", jaas.append(';').toString());
            p.put("listener.name.secure.ssl.keystore.type", "PKCS12");
            p.put("listener.name.secure.ssl.keystore.location", secure.keyStore().toAbsolutePath().toString());
            p.put("listener.name.secure.ssl.keystore.password", secure.keyStorePassword());
            p.put("listener.name.secure.ssl.key.password", secure.keyStorePassword());
        }
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        return p;
    }

    private void format() throws IOException {
        Path file = dir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            props().store(out, "embedded Acidic Kafka");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", file.toString()},
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException("formatting embedded Kafka storage failed (" + rc + "): " + buf.toString(StandardCharsets.UTF_8));
        }
    }

    private void startServer() {
        server = new KafkaRaftServer(KafkaConfig.fromProps(props(), false), Time.SYSTEM);
        server.startup();
        log.info("embedded Kafka listening on {}", bootstrapServers());
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** The {@code SASL_SSL} listener's address (started with {@link Secure} only). */
    public String secureBootstrapServers() {
        if (secure == null) {
            throw new IllegalStateException("this embedded Kafka has no secure listener");
        }
        return "127.0.0.1:" + securePort;
    }

    /** Stops the broker, keeping its data (for broker-outage tests); {@link #restart()} brings it back. */
    public void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    public void restart() {
        stop();
        startServer();
    }

    @Override
    public void close() {
        stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
