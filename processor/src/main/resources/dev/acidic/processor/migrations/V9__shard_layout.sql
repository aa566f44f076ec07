-- Which shard of a sharded deployment this database is (acidic.jdbc.shards, docs/SCALING.md).
-- A key lives in the database of its partition (partition mod shards), so the list of URLs and the
-- requests topic's partition count are part of where every key is: a processor writes them here
-- the first time it runs sharded and refuses to start when they no longer match (URLs swapped,
-- a database added or removed, partitions added). One row at most; none in an unsharded database.
CREATE TABLE acidic_shard_layout (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    shard      integer NOT NULL,
    shards     integer NOT NULL,
    partitions integer NOT NULL,
    fixed_at   timestamptz NOT NULL DEFAULT now()
);
