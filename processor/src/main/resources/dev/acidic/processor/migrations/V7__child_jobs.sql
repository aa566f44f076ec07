-- Child jobs: a step spawns a child (StepContext.spawn), staged like any job and linked to its
-- parent here; the parent may wait until every child it linked has ended (awaiting = '$children').
-- A child's outcome is read from its own key row, so nothing is copied when it ends.

-- The job that spawned this one ("parent" in its request): it is driven again when this one ends.
ALTER TABLE acidic_keys ADD COLUMN parent_key text;

CREATE TABLE acidic_children (
    parent_key  text        NOT NULL,
    child_key   text        NOT NULL,
    ordinal     bigint      NOT NULL,              -- the parent's staged ordinal of the child's request: spawn order
    spawned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (parent_key, child_key)
);
