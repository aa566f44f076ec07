package dev.acidic.processor.internal.streams;

import dev.acidic.processor.AcidicConfig;
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
 * created on (stored with it) and requests for it that now land elsewhere are forwarded home; at
 * start the continuations topic is grown to the requests topic's count. Processors that ran while
 * partitions were added must be restarted (see {@link Forwarding#misrouted}).
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    public static void ensureTopics(AcidicConfig c) {
        Properties p = new Properties();
        p.putAll(c.kafka());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            create(admin, c, List.of(c.requestsTopic(), c.eventsTopic(), c.completionsTopic(), c.dlqTopic()), c.partitions());
            int n = describe(admin, c.requestsTopic()).partitions().size();
            create(admin, c, List.of(c.continuationsTopic()), n);
            int have = describe(admin, c.continuationsTopic()).partitions().size();
            if (have < n) {
                log.info("topic {} has {} partitions and {} has {} (partitions were added): growing {} to {}", c.requestsTopic(), n,
                        c.continuationsTopic(), have, c.continuationsTopic(), n);
                try {
                    admin.createPartitions(Map.of(c.continuationsTopic(), NewPartitions.increaseTo(n))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof InvalidPartitionsException)) { // another instance grew it first
                        throw e;
                    }
                }
            } else if (have > n) {
                throw new IllegalStateException("topic " + c.continuationsTopic() + " has " + have + " partitions but "
                        + c.requestsTopic() + " has " + n + ": they must match, and a topic cannot shrink. Is "
                        + AcidicConfig.REQUESTS_TOPIC + " the topic this application id ran on before? If so, add partitions to "
                        + c.requestsTopic() + " up to " + have);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or describe topics at " + c.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
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
