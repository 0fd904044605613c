-- 0031_api: the command API's own state (package api). Chain state lives in the indexer's ent_* tables,
-- transactions in the transaction manager's outbox (txmgr_txs, referenced by id, not by foreign key
-- because 0035 creates it later); these tables tie requests to both.

-- Idempotency keys: the first response to a (client, key) pair, replayed byte for byte on a repeat.
-- A request inserts its row first and holds the row lock until it commits its work and its response
-- together, so a concurrent repeat waits on the lock and then reads the stored response.
CREATE TABLE api_idempotency (
    subject      text  NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),  -- the token's sub
    key          text  NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method       text  NOT NULL,
    path         text  NOT NULL,
    fingerprint  bytea NOT NULL CHECK (length(fingerprint) = 32),  -- sha256 of method, path and body
    status       int4  NOT NULL DEFAULT 0,                         -- 0 only inside the first transaction
    body         bytea NOT NULL DEFAULT '\x',
    request_id   text  NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- Distributions: one operator request allocating tokens to up to 10,000 beneficiaries of a project.
-- Its transactions (addBeneficiaries, then allocateTokensBatch) are enqueued in the transaction that
-- inserts the row, with ref 'distribution:<id>'.
CREATE TABLE api_distributions (
    id           bigserial PRIMARY KEY,
    chain_id     int8  NOT NULL,
    project      bytea NOT NULL CHECK (length(project) = 20),
    token        bytea NOT NULL CHECK (length(token) = 20),
    signer       bytea NOT NULL CHECK (length(signer) = 20),
    item_count   int4  NOT NULL CHECK (item_count > 0),
    total        numeric(78, 0) NOT NULL CHECK (total > 0),
    -- The budget this distribution takes beyond the beneficiaries' current allocations: held against
    -- later distributions until its allocations are mined (allocations set, they do not add).
    reserved     numeric(78, 0) NOT NULL CHECK (reserved >= 0),
    added        int4  NOT NULL DEFAULT 0,   -- beneficiaries it registers on chain first
    state        text  NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'submitted', 'final', 'failed')),
    error        text  NOT NULL DEFAULT '',
    created_by   text  NOT NULL,
    request_id   text  NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_distributions_project_idx ON api_distributions (chain_id, project, id);
CREATE INDEX api_distributions_open_idx ON api_distributions (state) WHERE state IN ('pending', 'submitted');

-- Every allocation of a distribution and the allocateTokensBatch transaction that carries it.
CREATE TABLE api_distribution_items (
    distribution_id int8  NOT NULL REFERENCES api_distributions (id),
    idx             int4  NOT NULL,
    beneficiary_id  int8  NOT NULL REFERENCES reg_beneficiaries (id),
    address         bytea NOT NULL CHECK (length(address) = 20),
    amount          numeric(78, 0) NOT NULL CHECK (amount > 0),
    tx_id           int8  NOT NULL,
    PRIMARY KEY (distribution_id, idx),
    UNIQUE (distribution_id, beneficiary_id)
);
CREATE INDEX api_distribution_items_address_idx ON api_distribution_items (address);

-- Beneficiaries this API registered on chain (addBeneficiaries), so that two distributions never
-- both add one (the second would revert with AlreadyBeneficiary) before the indexer has seen it.
CREATE TABLE api_chain_beneficiaries (
    beneficiary_id  int8 PRIMARY KEY REFERENCES reg_beneficiaries (id),
    tx_id           int8 NOT NULL,
    distribution_id int8 NOT NULL REFERENCES api_distributions (id)
);
