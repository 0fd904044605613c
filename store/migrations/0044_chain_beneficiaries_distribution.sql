-- The beneficiaries a distribution's add_beneficiaries transactions carry are counted by
-- distribution (REST and GraphQL views of its transactions): find them without a scan.
CREATE INDEX api_chain_beneficiaries_distribution_idx ON api_chain_beneficiaries (distribution_id, tx_id);
