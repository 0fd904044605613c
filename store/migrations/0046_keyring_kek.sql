-- Vendor keys sealed under one key-encryption key (KEK) per database instead of one scrypt per key.
-- The KEK is scrypt(passphrase, salt) with the parameters below, derived once when a serve process
-- starts; each key is then sealed with AES-256-GCM under it (keyring_keys.sealed: a 12-byte nonce,
-- the ciphertext and its tag, with the key's address as additional data). A vendor's creation and
-- its first signature on a replica no longer cost a second of CPU and 256 MiB each.
--
-- check_value is a known text sealed under the KEK: a wrong passphrase is reported when the server
-- starts. The salt is not secret, but without this row keyring_keys cannot be opened: back it up
-- with keyring_keys.
CREATE TABLE keyring_kek (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id), -- one row
    scrypt_n    integer NOT NULL CHECK (scrypt_n > 1),
    scrypt_r    integer NOT NULL CHECK (scrypt_r > 0),
    scrypt_p    integer NOT NULL CHECK (scrypt_p > 0),
    salt        bytea   NOT NULL CHECK (length(salt) >= 16),
    check_value bytea   NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys written by earlier versions keep their keystore JSON until their first use, when the server
-- seals them under the KEK and drops the JSON; a row holds exactly one of the two forms.
ALTER TABLE keyring_keys
    ALTER COLUMN key_json DROP NOT NULL,
    ADD COLUMN sealed bytea,
    ADD CONSTRAINT keyring_keys_one_form CHECK ((key_json IS NULL) <> (sealed IS NULL));
