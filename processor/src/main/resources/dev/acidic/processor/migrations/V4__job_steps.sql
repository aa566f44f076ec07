-- The steps of the job definition a key last ran under, in order: written when the key is
-- created, rewritten when a phase runs under a definition with other steps. A new deployment may
-- rename or remove steps; a job whose stored recovery point the current definition neither has
-- nor maps (renamedStep / removedStep) fails with DEFINITION_CHANGED, and its error names this
-- list next to the current one. NULL for keys created before this column existed.
ALTER TABLE acidic_keys ADD COLUMN steps text[];
