-- Lifecycle: a job may wait for a signal, halt until resumed, or be cancelled.
-- HALTED is not an end (the job resumes); CANCELLED is, like SUCCEEDED and FAILED.
ALTER TABLE acidic_keys DROP CONSTRAINT acidic_keys_status_check;
ALTER TABLE acidic_keys ADD CONSTRAINT acidic_keys_status_check
    CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'HALTED', 'CANCELLED'));
-- The signal a waiting job waits for (with next_attempt_at as its timeout); NULL otherwise.
ALTER TABLE acidic_keys ADD COLUMN awaiting text;

-- Signals delivered to a job, the latest of each name; kept until the key is deleted, so one that
-- arrives before the job waits for it is not lost.
CREATE TABLE acidic_signals (
    idempotency_key  text        NOT NULL,
    name             text        NOT NULL,
    payload          jsonb,
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idempotency_key, name)
);

-- The run of a job: 1, then one more each time a retry command sends a failed or cancelled job
-- back to its recovery point. Events and completions carry it: one non-replay completion per run.
ALTER TABLE acidic_keys ADD COLUMN run integer NOT NULL DEFAULT 1;
