-- A transaction may wait for another one, of any signer, to be mined before it is sent: a claim's
-- processClaim (from the vendor's key) waits for the addOtpToClaim that puts its code on chain
-- (from the OTP server's key), so that a vendor can submit the code as soon as the beneficiary
-- has it. Nonces order each signer's own transactions; after_tx orders them across signers.
ALTER TABLE txmgr_txs ADD COLUMN after_tx bigint REFERENCES txmgr_txs (id);

CREATE INDEX txmgr_txs_after_idx ON txmgr_txs (after_tx) WHERE after_tx IS NOT NULL;

-- When a transaction is mined or fails, the queued transactions that wait for it are announced too
-- (as queued: the manager's listener wakes their signers' senders, which would otherwise see the
-- change only at their next poll). Other listeners re-read a transaction that did not change.
CREATE OR REPLACE FUNCTION txmgr_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state OR OLD.hash IS DISTINCT FROM NEW.hash
       OR OLD.block_hash IS DISTINCT FROM NEW.block_hash THEN
        PERFORM pg_notify('rahat_txs', json_build_object(
            'id', NEW.id, 'state', NEW.state, 'ref', NEW.ref, 'kind', NEW.kind,
            'signer', '0x' || encode(NEW.signer, 'hex'),
            'hash', CASE WHEN NEW.hash IS NULL THEN NULL ELSE '0x' || encode(NEW.hash, 'hex') END)::text);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('mined', 'final', 'failed') THEN
        FOR d IN SELECT id, ref, kind, signer FROM txmgr_txs WHERE after_tx = NEW.id AND state = 'queued' LOOP
            PERFORM pg_notify('rahat_txs', json_build_object(
                'id', d.id, 'state', 'queued', 'ref', d.ref, 'kind', d.kind,
                'signer', '0x' || encode(d.signer, 'hex'), 'hash', NULL)::text);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;
