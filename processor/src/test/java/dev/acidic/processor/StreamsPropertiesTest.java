package dev.acidic.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * What Kafka Streams makes of the processor's properties: the real StreamsConfig decides which
 * form of a client setting wins, so the rules between settings read them the same way.
 */
class StreamsPropertiesTest {

    private static StreamsConfig streams(AcidicConfig c) {
        return new StreamsConfig(AcidicProcessor.streamsProperties(c.withBootstrapServers("broker:9092")));
    }

    /** The producer's configuration as Streams builds it (it adds the serializers itself). */
    private static int transactionTimeout(AcidicConfig c) {
        Map<String, Object> p = new HashMap<>(streams(c).getProducerConfigs("p"));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new ProducerConfig(p).getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    }

    private static ConsumerConfig mainConsumer(AcidicConfig c) {
        Map<String, Object> p = new HashMap<>(streams(c).getMainConsumerConfigs("g", "c", 0));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new ConsumerConfig(p);
    }

    @Test
    void theTransactionTimeoutDefaultsToTheStepTimeoutPlusTenSeconds() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(40_500, transactionTimeout(c));
        assertEquals(15_500, transactionTimeout(c.with(AcidicConfig.STEP_TIMEOUT, "5s")));
    }

    @Test
    void aGivenTransactionTimeoutIsHonouredInEitherForm() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(60_000, transactionTimeout(c.with("acidic.kafka.transaction.timeout.ms", "60000")));
        assertEquals(50_000, transactionTimeout(c.with(Map.of("acidic.kafka.transaction.timeout.ms", "60000",
                "acidic.kafka.producer.transaction.timeout.ms", "50000"))));
    }

    @Test
    void theRulesDefaultsMatchWhatTheMainConsumerGets() {
        AcidicConfig c = AcidicConfig.defaults();
        ConsumerConfig consumer = mainConsumer(c);
        assertEquals(c.kafkaOverrides().maxPollInterval().toMillis(), (long) consumer.getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
        assertEquals(c.kafkaOverrides().sessionTimeout().toMillis(), (long) consumer.getInt(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertEquals(2_000, consumer.getInt(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
    }

    @Test
    void aPlainSessionTimeoutIsNoLongerOverriddenByThePrefixedDefault() {
        AcidicConfig c = AcidicConfig.defaults().with(Map.of("acidic.kafka.session.timeout.ms", "30000",
                "acidic.kafka.consumer.max.poll.interval.ms", "400000"));
        ConsumerConfig consumer = mainConsumer(c);
        assertEquals(30_000, (long) consumer.getInt(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertEquals(c.kafkaOverrides().sessionTimeout().toMillis(), 30_000);
        assertEquals(400_000, (long) consumer.getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
        assertEquals(c.kafkaOverrides().maxPollInterval().toMillis(), 400_000);
    }

    @Test
    void atLeastOnceSetsNoTransactionTimeout() {
        AcidicConfig c = AcidicConfig.defaults().with(AcidicConfig.PROCESSING_GUARANTEE, "at_least_once");
        assertEquals(false, AcidicProcessor.streamsProperties(c).containsKey(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)));
    }
}
