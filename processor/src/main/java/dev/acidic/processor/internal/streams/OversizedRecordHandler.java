package dev.acidic.processor.internal.streams;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of defence for outputs: every record the processor sends is sized to fit the
 * producer's {@code max.request.size} (results and error messages are bounded, DLQ copies cut),
 * so a record too large to send is a bug. It is dropped with an error naming its topic, key and
 * size instead of failing the stream thread, which would process the same input again and fail
 * again, stalling the partition (and, under exactly-once, everything the thread writes). Any
 * other send failure fails as by default.
 */
public final class OversizedRecordHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OversizedRecordHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
            Exception exception) {
        if (!(exception instanceof RecordTooLargeException)) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        int keyBytes = record.key() == null ? 0 : record.key().length;
        int valueBytes = record.value() == null ? 0 : record.value().length;
        String key = record.key() == null ? null : new String(record.key(), 0, Math.min(keyBytes, 200), StandardCharsets.UTF_8);
        log.error("dropped a record for {} (key '{}', {} + {} bytes) that the producer refused as too large ({}), while processing"
                + " {}-{}@{}; outputs are sized to fit max.request.size, so this is a bug: please report it with this line",
                record.topic(), key, keyBytes, valueBytes, exception.getMessage(), context.topic(), context.partition(),
                context.offset());
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}
