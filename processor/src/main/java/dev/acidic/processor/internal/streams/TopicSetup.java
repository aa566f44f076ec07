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
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the processor's topics if missing, before Streams starts (a missing source topic shuts
 * a Streams client down). The continuations topic gets the requests topic's partition count, since
 * a continuation must land on the partition, and so the task, that owns its key.
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
            TopicDescription cont = describe(admin, c.continuationsTopic());
            if (cont.partitions().size() != n) {
                throw new IllegalStateException("topic " + c.continuationsTopic() + " has " + cont.partitions().size()
                        + " partitions but " + c.requestsTopic() + " has " + n + "; they must match (delete "
                        + c.continuationsTopic() + " to let the processor recreate it)");
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
