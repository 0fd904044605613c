-- 0032_api_redemption: vendors' custodial set-up, one-time-code claims and settlements (package api).

-- The on-chain set-up of a vendor registered through the API: approval by the project's operator
-- (updateVendor) and, in development, funding for gas; ref 'vendor:<id>'.
CREATE TABLE api_vendor_setup (
    vendor_id   int8 PRIMARY KEY REFERENCES reg_vendors (id),
    approve_tx  int8 NOT NULL,
    fund_tx     int8,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A vendor's request for a beneficiary's tokens, from createClaim to processClaim; ref 'claim:<id>'.
-- The code itself is never stored: only keccak256(code), which is also the hash put on chain (so it
-- reveals nothing the chain does not), its expiry, and counters.
CREATE TABLE api_claims (
    id               bigserial PRIMARY KEY,
    chain_id         int8  NOT NULL,
    project          bytea NOT NULL CHECK (length(project) = 20),
    token            bytea NOT NULL CHECK (length(token) = 20),
    vendor_id        int8  NOT NULL REFERENCES reg_vendors (id),
    vendor           bytea NOT NULL CHECK (length(vendor) = 20),
    beneficiary_id   int8  NOT NULL REFERENCES reg_beneficiaries (id),
    beneficiary      bytea NOT NULL CHECK (length(beneficiary) = 20),
    amount           numeric(78, 0) NOT NULL CHECK (amount > 0),
    -- creating: createClaim enqueued; code_sent: code hash enqueued on chain and code handed to SMS;
    -- processing: the right code was given, processClaim enqueued; processed: final; failed.
    state            text  NOT NULL DEFAULT 'creating'
                     CHECK (state IN ('creating', 'code_sent', 'processing', 'processed', 'failed')),
    claim_id         numeric(78, 0),               -- on chain, from the ClaimCreated log
    otp_hash         bytea CHECK (length(otp_hash) = 32),
    code_expires_at  timestamptz,
    chain_expires_at int8,                          -- the expiry given to addOtpToClaim (unix seconds)
    attempts         int4  NOT NULL DEFAULT 0,      -- wrong codes submitted
    codes_sent       int4  NOT NULL DEFAULT 0,
    create_tx        int8  NOT NULL,
    otp_tx           int8,
    process_tx       int8,
    error            text  NOT NULL DEFAULT '',
    created_by       text  NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_claims_vendor_idx ON api_claims (chain_id, vendor, id);
CREATE INDEX api_claims_beneficiary_idx ON api_claims (beneficiary_id) WHERE state IN ('creating', 'code_sent', 'processing');
CREATE INDEX api_claims_open_idx ON api_claims (state, id) WHERE state IN ('creating', 'code_sent', 'processing');

-- A vendor handing collected tokens back to the project (approve, then redeemTokens); ref 'settlement:<id>'.
CREATE TABLE api_settlements (
    id          bigserial PRIMARY KEY,
    chain_id    int8  NOT NULL,
    project     bytea NOT NULL CHECK (length(project) = 20),
    token       bytea NOT NULL CHECK (length(token) = 20),
    vendor_id   int8  NOT NULL REFERENCES reg_vendors (id),
    vendor      bytea NOT NULL CHECK (length(vendor) = 20),
    amount      numeric(78, 0) NOT NULL CHECK (amount > 0),
    state       text  NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'submitted', 'final', 'failed')),
    approve_tx  int8  NOT NULL,
    redeem_tx   int8  NOT NULL,
    error       text  NOT NULL DEFAULT '',
    created_by  text  NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_settlements_vendor_idx ON api_settlements (chain_id, vendor, id);
CREATE INDEX api_settlements_open_idx ON api_settlements (state) WHERE state IN ('pending', 'submitted');
