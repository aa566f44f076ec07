package dev.acidic.processor.internal.streams;

import dev.acidic.processor.AcidicConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the processors' consumer group looks like from the broker, for the dashboard: the lag of
 * each requests partition (end offset minus the group's committed offset) and the instances with
 * the partitions each holds (its threads' consumers are named after the instance id).
 * Read with an admin client of its own, at most every {@link #REFRESH}; a failure is reported, not thrown.
 */
public final class GroupView implements AutoCloseable {
    static final Duration REFRESH = Duration.ofSeconds(2);
    private static final long TIMEOUT_MS = 3_000;

    /** The lag of one partition of the requests topic. */
    public record PartitionLag(int partition, long committed, long end, long lag) {}

    /** One processor instance: its id, host, and the requests partitions its stream threads hold. */
    public record Instance(String id, String host, List<Integer> partitions) {}

    /** @param error why the view could not be read (null when it was) */
    public record Snapshot(String group, String topic, List<PartitionLag> lag, List<Instance> instances, String error) {}

    private final AcidicConfig config;
    private Admin admin;
    private Snapshot last;
    private long readAt;

    public GroupView(AcidicConfig config) {
        this.config = config;
    }

    public synchronized Snapshot read() {
        long now = System.nanoTime();
        if (last != null && now - readAt < REFRESH.toNanos()) {
            return last;
        }
        try {
            if (admin == null) {
                admin = Admin.create(TopicSetup.adminProperties(config));
            }
            last = readNow();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            last = new Snapshot(config.applicationId(), config.requestsTopic(), List.of(), List.of(),
                    "cannot read the consumer group from Kafka: " + e);
        }
        readAt = System.nanoTime();
        return last;
    }

    private Snapshot readNow() throws Exception {
        String group = config.applicationId();
        String topic = config.requestsTopic();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> ask = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(ask).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        List<PartitionLag> lag = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            long end = ends.get(tp).offset();
            OffsetAndMetadata c = committed.get(tp);
            long at = c == null ? 0 : c.offset();
            lag.add(new PartitionLag(p, at, end, Math.max(0, end - at)));
        }
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, Instance> byId = new TreeMap<>();
        for (MemberDescription m : d.members()) {
            // a stream thread's consumer is "<application>-<instance>-StreamThread-<n>-consumer" (client.id set at start)
            String client = m.clientId().replaceFirst("-StreamThread-\\d+-consumer$", "");
            String id = client.startsWith(group + "-") ? client.substring(group.length() + 1) : client;
            Instance before = byId.get(id);
            List<Integer> held = new ArrayList<>(before == null ? List.of() : before.partitions());
            m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic)).forEach(tp -> held.add(tp.partition()));
            held.sort(Comparator.naturalOrder());
            byId.put(id, new Instance(id, m.host(), held));
        }
        return new Snapshot(group, topic, lag, List.copyOf(byId.values()), null);
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
