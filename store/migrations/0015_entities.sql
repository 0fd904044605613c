-- 0015_entities: derived entities maintained by indexer/entity inside the indexing transaction.
-- See docs/entities.md for every column and for how to read current and past state.
--
-- Mutable entities (ent_tokens, ent_projects, ent_beneficiaries, ent_vendors, ent_claims,
-- ent_balances) keep block-range versions, as graph-node does: each row is the state of one key
-- for the blocks in block_range = [from, to); the current version has no upper bound. Entities
-- are never deleted (a removed beneficiary is active = false), so every key ever seen has exactly
-- one current version. Per table:
--   * id is the entity's id: a digest of the chain id and the natural key (ent_id below), so that
--     the exclusion constraint works on one fixed-width column. A GiST index on three bytea
--     columns costs several times more per write than one on a uuid, and versions are written at
--     backfill speed;
--   * an exclusion constraint (btree_gist, created in 0001) forbids overlapping versions of one
--     id; its GiST index also serves reads at a past block (id = $id AND block_range @> $n);
--   * a unique partial B-tree on id WHERE upper_inf(block_range) finds current versions (the
--     writer's reads, the closing UPDATE), and partial B-trees on natural-key columns serve current
--     queries; a past block is read by joining the current version (which every key has) to the
--     version of the same id that contains the block;
--   * a BRIN index on (lower, upper) of block_range makes a rollback's
--     "lower(block_range) > $ancestor" and "upper(block_range) > $ancestor" cheap: versions are
--     written (inserted, or closed by an UPDATE that writes a new tuple) in block order, so both
--     bounds follow the physical order of the heap. BRIN costs almost nothing on the write path.
-- Immutable entities (ent_offline_claims, ent_redemptions) carry block_number like event tables.

-- ent_id is the id of an entity: the first 16 bytes of sha256(chain id as 8 big-endian bytes ||
-- the key's parts) as a uuid. Keys: tokens and projects (address); beneficiaries and vendors
-- (project, address); balances (token, holder); claims (project, the claim id in decimal as
-- UTF-8 bytes, convert_to(claim_id::text, 'UTF8')).
CREATE FUNCTION ent_id(chain_id int8, a bytea) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN encode(substr(sha256(int8send(chain_id) || a), 1, 16), 'hex')::uuid;

CREATE FUNCTION ent_id(chain_id int8, a bytea, b bytea) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN encode(substr(sha256(int8send(chain_id) || a || b), 1, 16), 'hex')::uuid;

CREATE TABLE ent_tokens (
    id             uuid      NOT NULL,
    chain_id       int8      NOT NULL,
    address        bytea     NOT NULL,
    block_range    int8range NOT NULL,
    name           text,
    symbol         text,
    decimals       int2,
    treasury       bytea,
    total_supply   numeric   NOT NULL,
    minted         numeric   NOT NULL,
    burnt          numeric   NOT NULL,
    holder_count   int8      NOT NULL,
    transfer_count int8      NOT NULL,
    owner_count    int8      NOT NULL,
    first_block    int8      NOT NULL,
    CONSTRAINT ent_tokens_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_tokens_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_tokens_current ON ent_tokens (id) WHERE upper_inf(block_range);
CREATE INDEX ent_tokens_address_current ON ent_tokens (chain_id, address) WHERE upper_inf(block_range);
CREATE INDEX ent_tokens_blocks ON ent_tokens USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_projects (
    id                uuid      NOT NULL,
    chain_id          int8      NOT NULL,
    address           bytea     NOT NULL,
    block_range       int8range NOT NULL,
    name              text,
    token             bytea,
    factory           bytea,
    budget            numeric   NOT NULL,
    budget_added      numeric   NOT NULL,
    allocated         numeric   NOT NULL,
    disbursed         numeric   NOT NULL,
    claimed           numeric   NOT NULL,
    offline_claimed   numeric   NOT NULL,
    redeemed          numeric   NOT NULL,
    beneficiary_count int8      NOT NULL,
    vendor_count      int8      NOT NULL,
    claim_count       int8      NOT NULL,
    walk_in_count     int8      NOT NULL,
    first_block       int8      NOT NULL,
    CONSTRAINT ent_projects_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_projects_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_projects_current ON ent_projects (id) WHERE upper_inf(block_range);
CREATE INDEX ent_projects_address_current ON ent_projects (chain_id, address) WHERE upper_inf(block_range);
CREATE INDEX ent_projects_token_current ON ent_projects (chain_id, token) WHERE upper_inf(block_range);
CREATE INDEX ent_projects_blocks ON ent_projects USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_beneficiaries (
    id              uuid      NOT NULL,
    chain_id        int8      NOT NULL,
    project         bytea     NOT NULL,
    address         bytea     NOT NULL,
    block_range     int8range NOT NULL,
    token           bytea,
    active          boolean   NOT NULL,
    walk_in         boolean   NOT NULL,
    walk_in_vendor  bytea,
    allocation      numeric   NOT NULL,
    claimed         numeric   NOT NULL,
    offline_claimed numeric   NOT NULL,
    disbursed       numeric   NOT NULL,
    claim_count     int8      NOT NULL,
    first_block     int8      NOT NULL,
    CONSTRAINT ent_beneficiaries_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_beneficiaries_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_beneficiaries_current ON ent_beneficiaries (id) WHERE upper_inf(block_range);
CREATE INDEX ent_beneficiaries_address_current ON ent_beneficiaries (chain_id, address) WHERE upper_inf(block_range);
CREATE INDEX ent_beneficiaries_project_current ON ent_beneficiaries (chain_id, project) WHERE upper_inf(block_range);
CREATE INDEX ent_beneficiaries_blocks ON ent_beneficiaries USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_vendors (
    id              uuid      NOT NULL,
    chain_id        int8      NOT NULL,
    project         bytea     NOT NULL,
    address         bytea     NOT NULL,
    block_range     int8range NOT NULL,
    token           bytea,
    approved        boolean   NOT NULL,
    ever_approved   boolean   NOT NULL,
    claim_count     int8      NOT NULL,
    processed_count int8      NOT NULL,
    claimed         numeric   NOT NULL,
    offline_count   int8      NOT NULL,
    offline_claimed numeric   NOT NULL,
    redeem_count    int8      NOT NULL,
    redeemed        numeric   NOT NULL,
    walk_in_count   int8      NOT NULL,
    first_block     int8      NOT NULL,
    CONSTRAINT ent_vendors_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_vendors_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_vendors_current ON ent_vendors (id) WHERE upper_inf(block_range);
CREATE INDEX ent_vendors_address_current ON ent_vendors (chain_id, address) WHERE upper_inf(block_range);
CREATE INDEX ent_vendors_project_current ON ent_vendors (chain_id, project) WHERE upper_inf(block_range);
CREATE INDEX ent_vendors_blocks ON ent_vendors USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_claims (
    id              uuid      NOT NULL,
    chain_id        int8      NOT NULL,
    project         bytea     NOT NULL,
    claim_id        numeric   NOT NULL,
    block_range     int8range NOT NULL,
    claimer         bytea     NOT NULL,
    claimee         bytea     NOT NULL,
    token           bytea     NOT NULL,
    otp_server      bytea     NOT NULL,
    amount          numeric   NOT NULL,
    state           text      NOT NULL CHECK (state IN ('created', 'code_added', 'processed')),
    otp_hash        bytea,
    expires_at      int8,
    code_count      int8      NOT NULL,
    created_block   int8      NOT NULL,
    created_at      int8      NOT NULL,
    created_tx      bytea     NOT NULL,
    code_added_at   int8,
    processed_block int8,
    processed_at    int8,
    processed_tx    bytea,
    CONSTRAINT ent_claims_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_claims_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_claims_current ON ent_claims (id) WHERE upper_inf(block_range);
CREATE INDEX ent_claims_project_current ON ent_claims (chain_id, project) WHERE upper_inf(block_range);
-- A claim has few versions (created, code added, processed), so these index every version: they
-- serve a vendor's or a beneficiary's claims now and at a past block alike.
CREATE INDEX ent_claims_claimee ON ent_claims (chain_id, claimee);
CREATE INDEX ent_claims_claimer ON ent_claims (chain_id, claimer);
CREATE INDEX ent_claims_blocks ON ent_claims USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_balances (
    id          uuid      NOT NULL,
    chain_id    int8      NOT NULL,
    token       bytea     NOT NULL,
    holder      bytea     NOT NULL,
    block_range int8range NOT NULL,
    balance     numeric   NOT NULL,
    received    numeric   NOT NULL,
    sent        numeric   NOT NULL,
    CONSTRAINT ent_balances_range CHECK (NOT isempty(block_range) AND NOT lower_inf(block_range)),
    CONSTRAINT ent_balances_versions EXCLUDE USING gist (id WITH =, block_range WITH &&)
);
CREATE UNIQUE INDEX ent_balances_current ON ent_balances (id) WHERE upper_inf(block_range);
CREATE INDEX ent_balances_holder_current ON ent_balances (chain_id, holder) WHERE upper_inf(block_range);
CREATE INDEX ent_balances_token_current ON ent_balances (chain_id, token) WHERE upper_inf(block_range);
CREATE INDEX ent_balances_blocks ON ent_balances USING brin (lower(block_range), upper(block_range));

CREATE TABLE ent_offline_claims (
    chain_id     int8    NOT NULL,
    project      bytea   NOT NULL,
    beneficiary  bytea   NOT NULL,
    vendor       bytea   NOT NULL,
    token        bytea   NOT NULL,
    amount       numeric NOT NULL,
    block_number int8    NOT NULL,
    block_time   int8    NOT NULL,
    tx_hash      bytea   NOT NULL,
    log_index    int4    NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX ent_offline_claims_beneficiary ON ent_offline_claims (chain_id, beneficiary, block_number);
CREATE INDEX ent_offline_claims_vendor ON ent_offline_claims (chain_id, vendor, block_number);

CREATE TABLE ent_redemptions (
    chain_id     int8    NOT NULL,
    project      bytea   NOT NULL,
    vendor       bytea   NOT NULL,
    token        bytea   NOT NULL,
    amount       numeric NOT NULL,
    block_number int8    NOT NULL,
    block_time   int8    NOT NULL,
    tx_hash      bytea   NOT NULL,
    log_index    int4    NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX ent_redemptions_vendor ON ent_redemptions (chain_id, vendor, block_number);

-- A claim's state at unix time at_time: a claim whose code has expired (the contract refuses
-- processClaim once block.timestamp > expiresAt) reads as 'expired' until a new code is added.
-- Pass the timestamp of the block being read (indexer_chains.indexed_timestamp for the head).
CREATE FUNCTION ent_claim_state(state text, expires_at int8, at_time int8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN state = 'code_added' AND expires_at IS NOT NULL AND at_time > expires_at
            THEN 'expired' ELSE state END;
