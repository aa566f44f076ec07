-- Acidic key store, version 1.
-- One row per idempotency key; the journal is the ordered, durable source of every event;
-- values and staged jobs commit in the same transaction as the phase that wrote them.

CREATE TABLE acidic_keys (
    idempotency_key  text        PRIMARY KEY,
    job_id           uuid        NOT NULL,              -- identity of this job instance (a reaped key may be reused)
    job              text        NOT NULL,
    args             jsonb       NOT NULL,
    recovery_point   text        NOT NULL,              -- the step the job stands at
    status           text        NOT NULL DEFAULT 'RUNNING'
                                 CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    locked_at        timestamptz,
    locked_by        text,
    last_run_at      timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,    -- failed attempts of the current step
    next_attempt_at  timestamptz,                       -- not to be run before (retry backoff, waitUntil)
    result           jsonb,
    error            jsonb,
    last_seq         bigint      NOT NULL DEFAULT 0,    -- seq of the newest journal entry
    staged_seq       bigint      NOT NULL DEFAULT 0,    -- ordinal of the newest staged job
    kafka_partition  integer,                           -- requests-topic partition that drives the key
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

-- The completer looks for unfinished keys per partition; the reaper for old finished ones.
CREATE INDEX acidic_keys_unfinished ON acidic_keys (kafka_partition, last_run_at) WHERE status = 'RUNNING';
CREATE INDEX acidic_keys_finished ON acidic_keys (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE acidic_journal (
    idempotency_key  text        NOT NULL,
    seq              bigint      NOT NULL,
    type             text        NOT NULL,
    step             text,
    data             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idempotency_key, seq)
);

CREATE TABLE acidic_values (
    idempotency_key  text        NOT NULL,
    name             text        NOT NULL,
    value            jsonb       NOT NULL,
    PRIMARY KEY (idempotency_key, name)
);

-- Transactionally staged jobs: written by a phase, published to the requests topic after it commits.
CREATE TABLE acidic_staged (
    idempotency_key  text        NOT NULL,              -- the staging job's key
    ordinal          bigint      NOT NULL,
    target_key       text        NOT NULL,
    request          jsonb       NOT NULL,
    staged_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idempotency_key, ordinal)
);
