package status

// The status page's reads. Every query is read-only and answers from the indexer's own tables
// (store/migrations/0010_indexer.sql) and its event tables; the per-table parts are formatted with
// identifiers from indexer_event_tables, quoted with pgx.Identifier.Sanitize, and integers only.
const (
	// networksSQL reads each indexed chain's checkpoint and the node's head as last seen. last_error
	// is left out on purpose: it can quote an RPC URL, and provider URLs carry API keys.
	networksSQL = `
SELECT chain_id, network, indexed_block, indexed_timestamp, head_block,
       nullif(greatest(finalized_block, -1), -1) AS finalized_block, -- negative: nothing final yet
       has_indexing_errors, deep_reorg, updated_at
FROM indexer_chains
ORDER BY chain_id`

	// reorgsSQL reads the $1 most recent reorgs over every chain.
	reorgsSQL = `
SELECT chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash, deep, detected_at
FROM indexer_reorgs
ORDER BY id DESC
LIMIT $1`

	// catalogSQL lists the event tables that exist, with the contract and event each one holds.
	catalogSQL = `
SELECT table_name, contract, event
FROM indexer_event_tables
WHERE to_regclass(quote_ident(table_name)) IS NOT NULL
ORDER BY table_name`

	// recentPart is one event table's newest $2 rows on chain $1 (the primary key's order, so an
	// index scan backwards); %d is the table's position in the catalog, %s its quoted name.
	recentPart = `(SELECT %d AS t, contract, block_number, log_index, tx_hash, block_timestamp FROM %s
  WHERE chain_id = $1 ORDER BY block_number DESC, log_index DESC LIMIT $2)`
	// recentSQL merges the parts (joined by UNION ALL) into the newest $2 rows of them all.
	recentSQL = `SELECT t, contract, block_number, log_index, tx_hash, block_timestamp FROM (%s) e
ORDER BY block_number DESC, log_index DESC LIMIT $2`

	// countPart counts one event table's rows on chain $1 in blocks $2 to $3 (a range of the
	// primary key); %s is the table's quoted name.
	countPart = `SELECT count(*) AS n FROM %s WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3`
	// countSQL sums the parts (joined by UNION ALL).
	countSQL = `SELECT coalesce(sum(n), 0)::int8 FROM (%s) c`
)
