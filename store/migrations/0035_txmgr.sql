-- The transaction manager's outbox (package txmgr). Every transaction rahat sends is a row here before it
-- is signed, with its nonce before it is broadcast; see txmgr/doc.go for the nonce model and crash windows.

-- The next nonce each signer will assign, per chain. Only the signer's sender (holder of its advisory
-- lock) moves it, and only forward.
CREATE TABLE IF NOT EXISTS txmgr_nonces (
    chain_id    int8  NOT NULL,
    signer      bytea NOT NULL CHECK (length(signer) = 20),
    next_nonce  int8  NOT NULL CHECK (next_nonce >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, signer)
);

CREATE TABLE IF NOT EXISTS txmgr_txs (
    id            bigserial PRIMARY KEY,
    chain_id      int8  NOT NULL,
    signer        bytea NOT NULL CHECK (length(signer) = 20),
    to_addr       bytea NOT NULL CHECK (length(to_addr) = 20),
    data          bytea NOT NULL DEFAULT '\x',
    value         numeric(78, 0) NOT NULL DEFAULT 0 CHECK (value >= 0),
    gas_limit     int8  NOT NULL DEFAULT 0 CHECK (gas_limit >= 0),  -- requested; 0 = estimate
    kind          text  NOT NULL DEFAULT '' CHECK (length(kind) <= 64),
    ref           text  NOT NULL DEFAULT '' CHECK (length(ref) <= 256),
    state         text  NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sent', 'mined', 'final', 'failed')),
    nonce         int8  CHECK (nonce >= 0),
    hash          bytea CHECK (length(hash) = 32),      -- latest attempt, or the mined one
    gas           int8,                                  -- gas limit signed
    block_number  int8,
    block_hash    bytea CHECK (length(block_hash) = 32),
    gas_used      int8,
    reverted      boolean NOT NULL DEFAULT false,
    error         text  NOT NULL DEFAULT '',
    attempts      int4  NOT NULL DEFAULT 0,
    last_sent_at  timestamptz,  -- latest attempt signed, or replacement last found impossible under FeeCap
    mined_at      timestamptz,
    done_at       timestamptz,                           -- final or failed
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'queued') = (nonce IS NULL) OR state = 'failed')
);
-- The guarantee that no two transactions of a signer ever share a nonce.
CREATE UNIQUE INDEX IF NOT EXISTS txmgr_txs_nonce_uq ON txmgr_txs (chain_id, signer, nonce) WHERE nonce IS NOT NULL;
-- The sender's work lists: the queue in order, and what is in flight.
CREATE INDEX IF NOT EXISTS txmgr_txs_queued_idx ON txmgr_txs (chain_id, signer, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS txmgr_txs_inflight_idx ON txmgr_txs (chain_id, signer, nonce) WHERE state IN ('sent', 'mined');
CREATE INDEX IF NOT EXISTS txmgr_txs_ref_idx ON txmgr_txs (ref, id);

-- Every signed version of a transaction: the first and each fee-bumped replacement (same nonce). Any of
-- them may be the one that gets mined, so receipts are looked up for all of them.
CREATE TABLE IF NOT EXISTS txmgr_attempts (
    tx_id       int8  NOT NULL REFERENCES txmgr_txs (id),
    seq         int4  NOT NULL,                          -- 1 for the first attempt, +1 per replacement
    nonce       int8  NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    raw         bytea NOT NULL,                          -- the signed transaction, re-sent as is
    gas_fee_cap numeric(78, 0) NOT NULL,
    gas_tip_cap numeric(78, 0) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tx_id, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS txmgr_attempts_hash_uq ON txmgr_attempts (hash);

-- Every insert and every change of state, hash or block is announced on the channel rahat_txs, from
-- inside the changing transaction: Postgres delivers it on commit only, so listeners (Manager.Wait, the
-- API, GraphQL subscriptions) never hear of a change that was rolled back. A trigger rather than calls in
-- Go, so that no code path can forget it.
CREATE OR REPLACE FUNCTION txmgr_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state OR OLD.hash IS DISTINCT FROM NEW.hash
       OR OLD.block_hash IS DISTINCT FROM NEW.block_hash THEN
        PERFORM pg_notify('rahat_txs', json_build_object(
            'id', NEW.id, 'state', NEW.state, 'ref', NEW.ref, 'kind', NEW.kind,
            'signer', '0x' || encode(NEW.signer, 'hex'),
            'hash', CASE WHEN NEW.hash IS NULL THEN NULL ELSE '0x' || encode(NEW.hash, 'hex') END)::text);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS txmgr_txs_notify ON txmgr_txs;
CREATE TRIGGER txmgr_txs_notify AFTER INSERT OR UPDATE ON txmgr_txs
    FOR EACH ROW EXECUTE FUNCTION txmgr_notify();
