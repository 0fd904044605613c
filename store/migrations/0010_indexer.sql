-- The indexer's fixed tables. Event tables (evt_*) are created from the ABIs at startup by the
-- indexer itself; see indexer/schema and docs/schema.md.

-- One row per indexed chain: the checkpoint and what _meta shows.
CREATE TABLE IF NOT EXISTS indexer_chains (
    chain_id            int8 PRIMARY KEY,
    network             text NOT NULL,
    start_block         int8 NOT NULL,
    -- The checkpoint: the highest block whose events are all committed (start_block - 1 before any).
    indexed_block       int8 NOT NULL,
    indexed_hash        bytea,
    indexed_parent_hash bytea,
    indexed_timestamp   int8,
    -- The node's head and finalised block when last seen.
    head_block          int8,
    finalized_block     int8,
    -- Set when indexing hit an error it could not get past by itself (e.g. a reorg deeper than the
    -- stored window); cleared by the next successful commit that follows a fix.
    has_indexing_errors boolean NOT NULL DEFAULT false,
    last_error          text,
    -- Set when a reorg deeper than the finality window was seen (an alarm, kept until cleared by hand).
    deep_reorg          boolean NOT NULL DEFAULT false,
    deep_reorg_at       timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Hashes (and timestamps) of the blocks of the unfinalised window, plus the end block of every
-- committed range below it until pruned. Used to detect reorgs and find the common ancestor.
CREATE TABLE IF NOT EXISTS indexer_blocks (
    chain_id    int8  NOT NULL,
    number      int8  NOT NULL,
    hash        bytea NOT NULL,
    parent_hash bytea NOT NULL,
    timestamp   int8  NOT NULL,
    PRIMARY KEY (chain_id, number)
);
CREATE INDEX IF NOT EXISTS indexer_blocks_hash_idx ON indexer_blocks (hash);

-- Contract instances announced by factory events; rolled back with their block.
CREATE TABLE IF NOT EXISTS indexer_instances (
    chain_id     int8  NOT NULL,
    source       text  NOT NULL,
    address      bytea NOT NULL,
    factory      bytea NOT NULL,
    block_number int8  NOT NULL,
    block_hash   bytea NOT NULL,
    tx_hash      bytea NOT NULL,
    log_index    int4  NOT NULL,
    PRIMARY KEY (chain_id, source, address)
);
CREATE INDEX IF NOT EXISTS indexer_instances_block_idx ON indexer_instances (chain_id, block_number);

-- Every reorg handled (and every deep one detected), for the reorgs subscription and the status page.
CREATE TABLE IF NOT EXISTS indexer_reorgs (
    id          bigserial PRIMARY KEY,
    chain_id    int8  NOT NULL,
    ancestor    int8  NOT NULL,
    depth       int8  NOT NULL,
    old_head    int8  NOT NULL,
    old_hash    bytea NOT NULL,
    new_head    int8  NOT NULL,
    new_hash    bytea NOT NULL,
    deep        boolean NOT NULL DEFAULT false,
    detected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS indexer_reorgs_chain_idx ON indexer_reorgs (chain_id, id);

-- The catalog of event tables: which contract event each evt_* table holds and how its columns map to
-- the ABI's parameters (a JSON array of {column, param, key, abi_type, sql_type, indexed, hashed, meta}).
CREATE TABLE IF NOT EXISTS indexer_event_tables (
    table_name text PRIMARY KEY,
    contract   text  NOT NULL,
    event      text  NOT NULL,
    raw_event  text  NOT NULL,
    signature  text  NOT NULL,
    topic0     bytea NOT NULL,
    columns    jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
