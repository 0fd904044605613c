-- The vendors' custodial keys the REST API creates: go-ethereum keystore (v3) JSON, encrypted
-- with the keystore passphrase (RAHAT_KEYSTORE_PASSWORD), never in clear. In the database rather
-- than in a directory so that every serve replica can sign for every vendor, a pod's restart
-- loses none, and the database's backups keep them (with the passphrase kept apart).
CREATE TABLE keyring_keys (
    address    bytea PRIMARY KEY CHECK (length(address) = 20),
    key_json   bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
