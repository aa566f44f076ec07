-- A key created again after its row was deleted must start above the seq its last job reached
-- (acidic_key_seqs, V3). The insert reads that seq with its statement's snapshot; if the delete
-- was still uncommitted then (the reaper's batch, or an operator's DELETE, running while a request
-- for the key came in), the insert waited for it, found the old row gone, and went in with the
-- seq it had computed before: 1 again, and consumers deduplicating by (key, seq) would drop the
-- new job's events. This trigger looks again once the rows are in, with a snapshot of its own
-- that sees the committed delete, and refuses such a row as a serialization failure (40001),
-- which the processor retries at once: the retry reads the kept seq and goes on from it.
CREATE FUNCTION acidic_check_new_key_seqs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT n.idempotency_key, n.last_seq, s.last_seq AS kept INTO clash
      FROM acidic_new_keys n JOIN acidic_key_seqs s ON s.idempotency_key = n.idempotency_key
     WHERE n.last_seq <= s.last_seq
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'key % was created with seq % but an earlier job under it reached seq % (its row was deleted'
            ' while this insert waited): retry the transaction', clash.idempotency_key, clash.last_seq, clash.kept
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER acidic_keys_check_new_seqs AFTER INSERT ON acidic_keys
    REFERENCING NEW TABLE AS acidic_new_keys
    FOR EACH STATEMENT EXECUTE FUNCTION acidic_check_new_key_seqs();
