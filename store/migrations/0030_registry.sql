-- The off-chain registry of people the command API and the SMS service know: beneficiaries with their
-- phone (never in the clear) and language, and vendors. On-chain state (allocations, balances, claims)
-- lives in the indexer's ent_* tables; these rows only link a chain address to a person.

CREATE TABLE IF NOT EXISTS reg_beneficiaries (
    id          bigserial PRIMARY KEY,
    chain_id    int8  NOT NULL,
    project     bytea NOT NULL CHECK (length(project) = 20),  -- the RahatProject contract
    address     bytea NOT NULL CHECK (length(address) = 20),  -- the beneficiary's chain address
    -- HMAC-SHA256 of the E.164 number under the phone hash key (package phone): how an inbound SMS
    -- finds its sender.
    phone_hash  bytea NOT NULL CHECK (length(phone_hash) = 32),
    -- The E.164 number sealed with AES-256-GCM under the phone encryption key (package phone): only
    -- the SMS sender opens it, to text a one-time code or a notice. A hash alone cannot be texted.
    phone_enc   bytea NOT NULL,
    language    text  NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ne')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_id, project, address)
);
CREATE INDEX IF NOT EXISTS reg_beneficiaries_phone_idx ON reg_beneficiaries (phone_hash);
CREATE INDEX IF NOT EXISTS reg_beneficiaries_address_idx ON reg_beneficiaries (chain_id, address);

CREATE TABLE IF NOT EXISTS reg_vendors (
    id          bigserial PRIMARY KEY,
    chain_id    int8  NOT NULL,
    project     bytea NOT NULL CHECK (length(project) = 20),
    address     bytea NOT NULL CHECK (length(address) = 20),  -- the vendor's chain address (its JWT subject)
    name        text  NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_id, project, address)
);
