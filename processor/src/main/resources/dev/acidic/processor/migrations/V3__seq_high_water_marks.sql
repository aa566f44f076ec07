-- A key's seq never repeats, not even after its row was deleted (by hand, as retention advice
-- says, or by a reaper) and the key used again: consumers deduplicate events by (key, seq), and a
-- new job whose events repeated seq 1..n of the old one would have them dropped as duplicates.
-- Deleting (or truncating) key rows records each key's last seq here; a key created again
-- continues after it. One small row per deleted key: the price of the rule.
CREATE TABLE acidic_key_seqs (
    idempotency_key  text        PRIMARY KEY,
    last_seq         bigint      NOT NULL,
    deleted_at       timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION acidic_keep_last_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO acidic_key_seqs (idempotency_key, last_seq) VALUES (OLD.idempotency_key, OLD.last_seq)
    ON CONFLICT (idempotency_key)
        DO UPDATE SET last_seq = greatest(acidic_key_seqs.last_seq, excluded.last_seq), deleted_at = now();
    RETURN OLD;
END
$$;

-- TRUNCATE fires no row trigger: keep every row's last seq before it runs.
CREATE FUNCTION acidic_keep_all_last_seqs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO acidic_key_seqs (idempotency_key, last_seq) SELECT idempotency_key, last_seq FROM acidic_keys
    ON CONFLICT (idempotency_key)
        DO UPDATE SET last_seq = greatest(acidic_key_seqs.last_seq, excluded.last_seq), deleted_at = now();
    RETURN NULL;
END
$$;

CREATE TRIGGER acidic_keys_keep_last_seq AFTER DELETE ON acidic_keys
    FOR EACH ROW EXECUTE FUNCTION acidic_keep_last_seq();
CREATE TRIGGER acidic_keys_keep_last_seqs_on_truncate BEFORE TRUNCATE ON acidic_keys
    FOR EACH STATEMENT EXECUTE FUNCTION acidic_keep_all_last_seqs();
