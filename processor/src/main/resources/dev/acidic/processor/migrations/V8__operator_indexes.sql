-- The operator's read side (jobs list and stats in the CLI, later the HTTP API and dashboard) stays
-- fast on millions of keys: a page of jobs, newest first, filtered by status, job and creation
-- time, is a keyset seek per status that reads about a page of index entries and rows, never a
-- scan of the table.
-- Lists without a job read (status, created_at, key), lists of one job (job, status, created_at,
-- key), one seek per status, merged. JobQueriesPlanIT shows the plans on 1,000,000 keys.
--
-- The price: a phase's row update already changes an indexed column (last_run_at), so it is never
-- a HOT update and writes an entry into each of these two indexes too.
--
-- Built inside the migration's transaction, so acidic_keys takes no writes while they build (some
-- seconds per million keys). To avoid that pause on a big table, create them beforehand with the
-- same names, CREATE INDEX CONCURRENTLY; this migration then finds them and does nothing.
CREATE INDEX IF NOT EXISTS acidic_keys_by_status ON acidic_keys (status, created_at, idempotency_key);
CREATE INDEX IF NOT EXISTS acidic_keys_by_job ON acidic_keys (job, status, created_at, idempotency_key);
