-- A transaction may wait for another one, of any signer, to be mined before it is sent: a claim's
-- processClaim (from the vendor's key) waits for the addOtpToClaim that puts its code on chain
-- (from the OTP server's key), so that a vendor can submit the code as soon as the beneficiary
-- has it. Nonces order each signer's own transactions; after_tx orders them across signers.
ALTER TABLE txmgr_txs ADD COLUMN after_tx bigint REFERENCES txmgr_txs (id);
