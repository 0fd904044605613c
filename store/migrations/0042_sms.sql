-- 0042_sms: the SMS service's state (package sms, docs/sms.md).

-- One row per outbound message: a one-time claim code or an allocation notice. The row is the
-- message's identity and its delivery record; the river job that sends it carries only the id.
CREATE TABLE sms_outbound (
    id             bigserial PRIMARY KEY,
    -- What the message is about, unique, so that one event yields at most one message:
    --   alloc:<chain id>:<tx hash hex>:<log index>   a TokensAllocated event
    --   code:<claim id>:a<attempt>                   the attempt-th code of a claim, or, from a caller
    --   code:<claim id>:h<16 hex of keccak256(code)> that does not number them (the contract publishes
    --                                                the full keccak256 as otpHash: nothing new)
    event_key      text NOT NULL UNIQUE,
    kind           text NOT NULL CHECK (kind IN ('claim_code', 'allocation')),
    beneficiary_id int8 NOT NULL,                      -- reg_beneficiaries.id (its phone is read at send time)
    phone_hash     bytea NOT NULL CHECK (length(phone_hash) = 32),
    language       text NOT NULL,
    -- The text sealed with phone.Box (AES-256-GCM). Cleared as soon as Twilio has the message, or
    -- when the message is given up, so that a code never outlives its use in the database.
    body_enc       bytea,
    -- A copy of the text with the code masked, for operators.
    preview        text NOT NULL,
    -- pending: waiting to be sent; sending: a request to Twilio may have been made and its outcome
    -- is unknown (the next attempt looks the message up at Twilio before sending again);
    -- accepted: Twilio has it (sid set); failed: Twilio refused it for good; expired: a code that
    -- could not be sent before it lapsed; cancelled: nobody to send it to.
    state          text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'accepted', 'failed', 'expired', 'cancelled')),
    sid            text UNIQUE,                        -- Twilio's message SID
    status         text,                               -- Twilio's delivery status (queued .. delivered)
    status_rank    int2 NOT NULL DEFAULT 0,            -- orders statuses: callbacks arrive out of order
    error_code     int4,
    error          text,                               -- the last error, numbers redacted
    attempts       int4 NOT NULL DEFAULT 0,
    attempt_at     timestamptz,                        -- when the last request to Twilio started
    expires_at     timestamptz,                        -- a code is useless after this
    created_at     timestamptz NOT NULL DEFAULT now(),
    accepted_at    timestamptz,
    status_at      timestamptz
);
CREATE INDEX sms_outbound_beneficiary_idx ON sms_outbound (beneficiary_id, created_at);
CREATE INDEX sms_outbound_open_idx ON sms_outbound (created_at) WHERE body_enc IS NOT NULL;

-- Where the allocation-notice scanner stopped, per chain: the last TokensAllocated event handled.
CREATE TABLE sms_cursors (
    chain_id     int8 PRIMARY KEY,
    block_number int8 NOT NULL,
    log_index    int4 NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Per-number inbound rate limit (fixed windows), keyed by the phone hash. UNLOGGED: it is written on
-- every inbound message and losing it in a crash only resets the windows, so it skips the WAL and
-- the fsync that would otherwise dominate the webhook's latency.
CREATE UNLOGGED TABLE sms_rate_limits (
    phone_hash   bytea PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        int4 NOT NULL
);
