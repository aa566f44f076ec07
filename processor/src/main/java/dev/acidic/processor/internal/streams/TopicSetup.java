package dev.acidic.processor.internal.streams;

import dev.acidic.processor.AcidicConfig;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the processor's topics if missing, before Streams starts (a missing source topic shuts
 * a Streams client down). The continuations topic gets the requests topic's partition count, since
 * a continuation must land on the partition, and so the task, that owns its key.
 *
 * <p>Partitions added to the requests topic are supported: a key keeps the home partition it was
 * created on (stored with it) and requests for it that now land elsewhere are forwarded home; the
 * continuations topic and the stores' changelogs are grown to the requests topic's count (Kafka
 * Streams refuses to run with changelogs of another count). Growing a changelog moves no key: a
 * store entry lives in the task of its key's home, whose changelog partition stays. Done at start,
 * and when a running processor's Streams client meets the new partitions ({@link #grow}).
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    /**
     * Creates the topics that are missing, then grows the internal ones to the requests topic's
     * partition count; {@code check} sees that count first and may refuse it (a sharded layout
     * fixed with another count) before anything grows.
     */
    public static void ensureTopics(AcidicConfig c, PartitionCheck check) throws SQLException {
        try (Admin admin = Admin.create(adminProperties(c))) {
            create(admin, c, List.of(c.requestsTopic(), c.eventsTopic(), c.completionsTopic(), c.dlqTopic()), c.partitions());
            int n = describe(admin, c.requestsTopic()).partitions().size();
            check.accept(n);
            create(admin, c, List.of(c.continuationsTopic()), n);
            describe(admin, c.continuationsTopic()); // known to the broker before Streams looks for its source topics
            growToRequests(admin, c, n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or describe topics at " + c.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** What the processor checks of the requests topic's partition count before the topics grow. */
    @FunctionalInterface
    public interface PartitionCheck {
        void accept(int partitions) throws SQLException;
    }

    /**
     * Whether {@code failure}, which stopped a stream thread, is Kafka Streams meeting a changelog
     * whose partition count is not the requests topic's, as after partitions were added to it.
     */
    public static boolean isPartitionCountMismatch(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("has invalid partitions")) {
                return true;
            }
        }
        return false;
    }

    /** Grows the continuations topic and the changelogs to the requests topic's partition count. */
    public static void grow(AcidicConfig c) {
        try (Admin admin = Admin.create(adminProperties(c))) {
            growToRequests(admin, c, describe(admin, c.requestsTopic()).partitions().size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while growing topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot grow topics at " + c.bootstrapServers() + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    static Properties adminProperties(AcidicConfig c) {
        Properties p = new Properties();
        p.putAll(c.kafka());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        return p;
    }

    private static void growToRequests(Admin admin, AcidicConfig c, int n) throws InterruptedException, ExecutionException {
        List<String> internal = new ArrayList<>(List.of(c.continuationsTopic()));
        for (String store : List.of(Outputs.CURSORS, Outputs.TIMERS, Outputs.PENDING)) {
            internal.add(c.applicationId() + "-" + store + "-changelog");
        }
        Map<String, TopicDescription> found = new java.util.LinkedHashMap<>();
        for (var e : admin.describeTopics(internal).topicNameValues().entrySet()) {
            try {
                found.put(e.getKey(), e.getValue().get());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw ex; // a changelog Streams has not created yet is fine
                }
            }
        }
        for (var e : found.entrySet()) {
            int have = e.getValue().partitions().size();
            if (have > n) {
                throw new IllegalStateException("topic " + e.getKey() + " has " + have + " partitions but " + c.requestsTopic()
                        + " has " + n + ": they must match, and a topic cannot shrink. Is " + AcidicConfig.REQUESTS_TOPIC
                        + " the topic application " + c.applicationId() + " ran on before? If so, add partitions to "
                        + c.requestsTopic() + " up to " + have);
            }
            if (have < n) {
                log.warn("topic {} has {} partitions and {} has {} (partitions were added): growing {} to {}; keys keep the"
                        + " partition they were created on, requests for them that land elsewhere are forwarded there",
                        c.requestsTopic(), n, e.getKey(), have, e.getKey(), n);
                try {
                    admin.createPartitions(Map.of(e.getKey(), NewPartitions.increaseTo(n))).all().get();
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof InvalidPartitionsException)) { // another instance grew it first
                        throw ex;
                    }
                }
            }
        }
    }

    /** Describes a topic, waiting out the moment after creation when the broker does not know it yet. */
    private static TopicDescription describe(Admin admin, String topic) throws InterruptedException, ExecutionException {
        for (int i = 0; ; i++) {
            try {
                return admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || i >= 50) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void create(Admin admin, AcidicConfig c, List<String> names, int partitions)
            throws InterruptedException, ExecutionException {
        Optional<Short> rf = c.replicationFactor() > 0 ? Optional.of(c.replicationFactor()) : Optional.empty();
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, Optional.of(partitions), rf).configs(Map.of()));
        }
        for (var e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get();
                log.info("created topic {} ({} partitions)", e.getKey(), partitions);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
            }
        }
    }
}
