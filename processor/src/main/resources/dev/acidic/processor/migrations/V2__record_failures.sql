-- Records whose handling failed (an engine bug, not a step's failure), counted across restarts:
-- after acidic.record.max.failures the record is answered PROCESSING_FAILED, copied to the DLQ
-- and skipped, so no input can stall its partition. Rows stay as the trace of what happened.
CREATE TABLE acidic_record_failures (
    topic         text        NOT NULL,
    kafka_partition int       NOT NULL,
    record_offset bigint      NOT NULL,
    failures      int         NOT NULL,
    last_error    text        NOT NULL,
    first_at      timestamptz NOT NULL DEFAULT now(),
    last_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition, record_offset)
);
