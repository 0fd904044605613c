-- The secret salt of a claim's current code (16 random bytes). The chain gets
-- keccak256(code || '.' || hex(salt)) instead of keccak256(code), so a vendor who reads the hash
-- cannot find a short numeric code by trying every value. NULL for codes sent before salts, whose
-- hash is keccak256(code).
ALTER TABLE api_claims ADD COLUMN code_salt bytea;
