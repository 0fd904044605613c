package graphql

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/model"
)

// The operational fields read the command API's tables (store/migrations/0031_api.sql,
// 0032_api_redemption.sql) and the transaction manager's outbox (0035_txmgr.sql) directly, the
// way the REST API's GET handlers do: they are primary data, not chain events, and have no block
// versions. A request's transactions are found by their ref ("distribution:<id>" ...), which
// txmgr_txs_ref_idx serves.

// requestFoldSQL folds a request's transactions into its state exactly as the REST API's reads
// do (api.overall): failed if any failed (with the first failure, by id, as the error), final
// when all are final, submitted once any left the queue, pending before (and with none).
// %[1]s is the request's ref prefix; o is the request's row.
const requestFoldSQL = `
SELECT CASE WHEN bool_or(t.state = 'failed') THEN 'failed'
            WHEN bool_and(t.state = 'final') THEN 'final'
            WHEN bool_or(t.state <> 'queued') THEN 'submitted'
            ELSE 'pending' END AS state,
       coalesce((array_agg(t.kind || ' transaction ' || t.id || ' failed: ' || t.error ORDER BY t.id)
                 FILTER (WHERE t.state = 'failed'))[1], '') AS error
FROM txmgr_txs t WHERE t.ref = '%[1]s:' || o.id`

// distributionSQL selects distributions; %[2]s is the WHERE clause and ordering (constants).
const distributionSQL = `
SELECT o.id, o.project, o.token, o.signer, o.item_count, o.total::text, o.added, o.created_by,
       o.created_at, o.updated_at, s.state, s.error
FROM api_distributions o CROSS JOIN LATERAL (` + requestFoldSQL + `) s
%[2]s`

const settlementSQL = `
SELECT o.id, o.project, o.token, o.vendor, o.amount::text, o.created_at, o.updated_at, s.state, s.error
FROM api_settlements o CROSS JOIN LATERAL (` + requestFoldSQL + `) s
%[2]s`

// claimSQL selects claim requests with the state the REST API shows: a code_sent claim whose
// code has expired (by the clock $1) is expired.
const claimSQL = `
SELECT o.id, o.project, o.token, o.vendor, o.beneficiary, o.amount::text, o.shown, o.error, o.claim_id::text,
       o.code_expires_at, o.attempts, o.codes_sent, o.created_at, o.updated_at
FROM (
    SELECT c.*, CASE WHEN c.state = 'code_sent' AND c.code_expires_at < $1 THEN 'expired' ELSE c.state END AS shown
    FROM api_claims c
) o
%s`

// txSQL selects outbox transactions; submitted is the first signed attempt's time.
const txSQL = `
SELECT t.id, t.kind, t.ref, t.signer, t.to_addr, t.state, t.nonce, t.hash, t.attempts,
       (SELECT min(a.created_at) FROM txmgr_attempts a WHERE a.tx_id = t.id), t.last_sent_at,
       t.block_number, t.block_hash, t.mined_at, t.gas_used, t.reverted,
       CASE WHEN t.state = 'final' THEN t.done_at END, t.error, t.created_at, t.updated_at
FROM txmgr_txs t
%s`

// The WHERE clauses of the lists. $1 is the chain; NULL arguments do not filter.
const (
	distributionOne  = `WHERE o.id = $2 AND o.chain_id = $1`
	distributionList = `WHERE o.chain_id = $1 AND ($2::bytea IS NULL OR o.project = $2) AND ($3::text[] IS NULL OR s.state = ANY($3))
ORDER BY o.id %s LIMIT $4 OFFSET $5`
	settlementOne  = `WHERE o.id = $2 AND o.chain_id = $1 AND ($3::bytea IS NULL OR o.vendor = $3)`
	settlementList = `WHERE o.chain_id = $1 AND ($2::bytea IS NULL OR o.project = $2) AND ($3::bytea IS NULL OR o.vendor = $3)
  AND ($4::bytea IS NULL OR o.vendor = $4) AND ($5::text[] IS NULL OR s.state = ANY($5))
ORDER BY o.id %s LIMIT $6 OFFSET $7`
	// claims: $1 is the clock.
	claimOne  = `WHERE o.id = $3 AND o.chain_id = $2 AND ($4::bytea IS NULL OR o.vendor = $4)`
	claimList = `WHERE o.chain_id = $2 AND ($3::bytea IS NULL OR o.project = $3) AND ($4::bytea IS NULL OR o.vendor = $4)
  AND ($5::bytea IS NULL OR o.vendor = $5) AND ($6::bytea IS NULL OR o.beneficiary = $6) AND ($7::text[] IS NULL OR o.shown = ANY($7))
ORDER BY o.id %s LIMIT $8 OFFSET $9`
	txOne  = `WHERE t.id = $2 AND t.chain_id = $1`
	txRefs = `WHERE t.ref = ANY($1) ORDER BY t.id`
	txList = `WHERE t.chain_id = $1 AND ($2::text[] IS NULL OR t.state = ANY($2)) AND ($3::bytea IS NULL OR t.signer = $3)
  AND ($4::text IS NULL OR t.kind = $4) AND ($5::text IS NULL OR t.ref = $5)
ORDER BY t.id %s LIMIT $6 OFFSET $7`
)

// itemCountsSQL counts distributions' allocations by the state of their transactions (grouped by
// transaction first: a distribution has up to 10,000 items but few transactions).
const itemCountsSQL = `
SELECT c.distribution_id, t.state, sum(c.n)::int8
FROM (SELECT distribution_id, tx_id, count(*) AS n FROM api_distribution_items
      WHERE distribution_id = ANY($1) GROUP BY distribution_id, tx_id) c
JOIN txmgr_txs t ON t.id = c.tx_id
GROUP BY c.distribution_id, t.state`

// itemsPerTxSQL counts the beneficiaries each transaction of distributions carries, as the REST
// API's distribution view does: allocations and on-chain additions.
const itemsPerTxSQL = `
SELECT tx_id, count(*) FROM api_distribution_items WHERE distribution_id = ANY($1) GROUP BY tx_id
UNION ALL
SELECT tx_id, count(*) FROM api_chain_beneficiaries WHERE distribution_id = ANY($1) GROUP BY tx_id`

const allocationsSQL = `
SELECT i.idx, i.address, i.amount::text, i.tx_id, t.state
FROM api_distribution_items i JOIN txmgr_txs t ON t.id = i.tx_id
WHERE i.distribution_id = $1 AND ($2::text IS NULL OR t.state = $2)
ORDER BY i.idx LIMIT $3 OFFSET $4`

// sqlDirection returns the SQL keyword of an orderDirection (desc unless asc).
func sqlDirection(d *string) string {
	if d != nil && *d == "asc" {
		return "ASC"
	}
	return "DESC"
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func rfc3339p(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

func int8p(v *int64) *model.Int8 {
	if v == nil {
		return nil
	}
	i := model.Int8(*v)
	return &i
}

func scanDistribution(row pgx.Row) (*model.Distribution, error) {
	var d model.Distribution
	var created, updated time.Time
	var state string
	if err := row.Scan(&d.Key, &d.Project, &d.Token, &d.Signer, &d.Beneficiaries, &d.Total, &d.AddedOnChain,
		&d.CreatedBy, &created, &updated, &state, &d.Error); err != nil {
		return nil, err
	}
	d.ID, d.State, d.CreatedAt, d.UpdatedAt = strconv.FormatInt(d.Key, 10), model.RequestState(state), rfc3339(created), rfc3339(updated)
	return &d, nil
}

func scanSettlement(row pgx.Row) (*model.Settlement, error) {
	var s model.Settlement
	var created, updated time.Time
	var state string
	if err := row.Scan(&s.Key, &s.Project, &s.Token, &s.Vendor, &s.Amount, &created, &updated, &state, &s.Error); err != nil {
		return nil, err
	}
	s.ID, s.State, s.CreatedAt, s.UpdatedAt = strconv.FormatInt(s.Key, 10), model.RequestState(state), rfc3339(created), rfc3339(updated)
	return &s, nil
}

func scanClaim(row pgx.Row) (*model.ClaimRequest, error) {
	var c model.ClaimRequest
	var created, updated time.Time
	var expires *time.Time
	var state string
	var claimID *string
	if err := row.Scan(&c.Key, &c.Project, &c.Token, &c.Vendor, &c.Beneficiary, &c.Amount, &state, &c.Error, &claimID,
		&expires, &c.Attempts, &c.CodesSent, &created, &updated); err != nil {
		return nil, err
	}
	c.ID, c.State, c.CreatedAt, c.UpdatedAt = strconv.FormatInt(c.Key, 10), model.ClaimRequestState(state), rfc3339(created), rfc3339(updated)
	c.CodeExpiresAt = rfc3339p(expires)
	if claimID != nil {
		id := model.BigInt(*claimID)
		c.ClaimID = &id
	}
	return &c, nil
}

func scanTx(row pgx.Row) (*model.Transaction, error) {
	var t model.Transaction
	var state string
	var nonce, block, gasUsed *int64
	var submitted, lastSent, mined, final *time.Time
	var created, updated time.Time
	if err := row.Scan(&t.Key, &t.Kind, &t.Ref, &t.Signer, &t.To, &state, &nonce, &t.Hash, &t.Attempts,
		&submitted, &lastSent, &block, &t.MinedBlockHash, &mined, &gasUsed, &t.Reverted, &final, &t.Error,
		&created, &updated); err != nil {
		return nil, err
	}
	t.ID, t.State = strconv.FormatInt(t.Key, 10), model.TransactionState(state)
	t.Nonce, t.MinedBlock, t.GasUsed = int8p(nonce), int8p(block), int8p(gasUsed)
	t.SubmittedAt, t.LastSentAt, t.MinedAt, t.FinalizedAt = rfc3339p(submitted), rfc3339p(lastSent), rfc3339p(mined), rfc3339p(final)
	t.CreatedAt, t.UpdatedAt = rfc3339(created), rfc3339(updated)
	return &t, nil
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, what string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return out, nil
}
