package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/txmgr"
)

// Run drives claims, distributions and settlements forward as their transactions progress, until
// ctx ends; it returns nil then. It wakes on the transaction manager's notifications and every
// PollInterval. Every step is a database transaction that locks the rows it moves (SKIP LOCKED),
// so several replicas may run it at once and each change happens exactly once.
func (s *Server) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() { defer close(done); s.listen(ctx, wake) }()
	defer func() { <-done }()
	ticker := time.NewTicker(s.cfg.PollInterval)
	defer ticker.Stop()
	purged := time.Time{}
	for {
		if err := s.step(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("worker step failed; retrying", "err", err)
		}
		if now := s.cfg.Now(); now.Sub(purged) > time.Hour {
			if err := s.purgeKeys(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("purging idempotency keys", "err", err)
			}
			purged = now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-ticker.C:
		}
	}
}

// listen pokes wake on every transaction notification about the API's objects.
func (s *Server) listen(ctx context.Context, wake chan<- struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("listening for transaction notifications", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (s *Server) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	c, err := s.cfg.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := c.Hijack() // a LISTEN connection never goes back to the pool
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+txmgr.NotifyChannel); err != nil {
		return err
	}
	poke(wake) // whatever happened before the LISTEN
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		for _, p := range []string{`"ref":"claim:`, `"ref":"distribution:`, `"ref":"settlement:`} {
			if strings.Contains(n.Payload, p) {
				poke(wake)
				break
			}
		}
	}
}

func poke(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// step makes one pass over everything that may move.
func (s *Server) step(ctx context.Context) error {
	return errors.Join(s.advanceCreated(ctx), s.settleStates(ctx))
}

// readyClaimsSQL finds claims whose createClaim is mined without a revert (or ended).
const readyClaimsSQL = `
SELECT c.id FROM api_claims c JOIN txmgr_txs t ON t.id = c.create_tx
WHERE c.chain_id = $1 AND c.state = 'creating'
  AND (t.state IN ('final', 'failed') OR (t.state = 'mined' AND t.error = ''))
ORDER BY c.id LIMIT 200`

// advanceCreated sends the code of every claim whose createClaim is on chain.
func (s *Server) advanceCreated(ctx context.Context) error {
	rows, err := s.cfg.DB.Query(ctx, readyClaimsSQL, int64(s.cfg.ChainID))
	if err != nil {
		return fmt.Errorf("finding created claims: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("finding created claims: %w", err)
	}
	// Each claim is independent (its own database transaction and RPC reads): a few at a time.
	errs := make([]error, len(ids))
	var g errgroup.Group
	g.SetLimit(advanceConcurrency)
	for i, id := range ids {
		g.Go(func() error {
			if err := s.advanceClaim(ctx, id); err != nil {
				errs[i] = fmt.Errorf("claim %d: %w", id, err)
			}
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// advanceConcurrency bounds the claims advanced at once (each holds a database connection).
const advanceConcurrency = 4

func (s *Server) advanceClaim(ctx context.Context, id int64) error {
	tx, err := s.cfg.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	c, err := scanClaim(tx.QueryRow(ctx, selectClaimCols+` WHERE id = $1 AND state = 'creating' FOR UPDATE SKIP LOCKED`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // another replica has it, or it moved on
	}
	if err != nil {
		return err
	}
	var state, txErr string
	var hash []byte
	if err := tx.QueryRow(ctx, `SELECT state, error, hash FROM txmgr_txs WHERE id = $1`, c.createTx).Scan(&state, &txErr, &hash); err != nil {
		return err
	}
	if state == string(txmgr.StateFailed) {
		if _, err := tx.Exec(ctx, `UPDATE api_claims SET state = 'failed', error = $2, updated_at = now() WHERE id = $1`,
			c.id, "createClaim failed: "+txErr); err != nil {
			return err
		}
		s.met.worker.WithLabelValues("claim", "failed").Inc()
		return tx.Commit(ctx)
	}
	claimID, err := s.claimIDFromReceipt(ctx, c, common.BytesToHash(hash))
	if err != nil {
		return err // the receipt may be gone in a reorg: retried on the next pass
	}
	c.claimID = claimID
	if _, err := tx.Exec(ctx, `UPDATE api_claims SET claim_id = $2 WHERE id = $1`, c.id, numeric(claimID)); err != nil {
		return err
	}
	if err := s.sendCode(ctx, tx, &c); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.met.worker.WithLabelValues("claim", "code_sent").Inc()
	s.log.Info("claim code sent", "claim", c.id, "claim_id", claimID, "vendor", c.vendor)
	return nil
}

// claimIDFromReceipt reads the ClaimCreated log of the claim's createClaim and checks it is the
// claim the API asked for.
func (s *Server) claimIDFromReceipt(ctx context.Context, c claimRow, hash common.Hash) (*big.Int, error) {
	rcpt, err := s.cfg.Client.TransactionReceipt(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("reading the receipt of %s: %w", hash, err)
	}
	ev := s.project.Events["ClaimCreated"]
	for _, l := range rcpt.Logs {
		if l.Address != c.project || len(l.Topics) != 4 || l.Topics[0] != ev.ID {
			continue
		}
		if common.BytesToAddress(l.Topics[2].Bytes()) != c.vendor || common.BytesToAddress(l.Topics[3].Bytes()) != c.ben {
			return nil, fmt.Errorf("ClaimCreated in %s names another vendor or beneficiary", hash)
		}
		return new(big.Int).SetBytes(l.Topics[1].Bytes()), nil
	}
	return nil, fmt.Errorf("no ClaimCreated log in %s", hash)
}

// sendCode draws a code, enqueues its hash on chain (addOtpToClaim from the OTP server key),
// hands the code to the SMS sender and records the hash and expiry, all in tx.
func (s *Server) sendCode(ctx context.Context, tx pgx.Tx, c *claimRow) error {
	pi, ok, err := s.readProject(ctx, tx, c.project)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("project %s is not indexed", c.project)
	}
	head, err := s.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return unavailable("the chain node", err)
	}
	// The contract compares the expiry with block timestamps, which on a fast chain can run ahead
	// of the wall clock: count from the later of the two.
	now := s.cfg.Now()
	base := max(now.Unix(), int64(head.Time))
	chainExpiry := uint64(base) + uint64(s.cfg.CodeTTL.Seconds())
	expires := now.Add(s.cfg.CodeTTL)

	code, err := newCode(s.cfg.CodeDigits)
	if err != nil {
		return internal(err)
	}
	// The chain gets the hash of the code and a secret salt: the hash of a short code alone could
	// be reversed by trying every value (contracts.SaltedOtp).
	salt := make([]byte, codeSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return internal(fmt.Errorf("drawing a code's salt: %w", err))
	}
	hash := contracts.OtpHash(contracts.SaltedOtp(code, salt))
	data, err := s.project.Pack("addOtpToClaim", c.claimID, [32]byte(hash), chainExpiry)
	if err != nil {
		return internal(err)
	}
	txID, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: s.cfg.OTPServer, To: c.project, Data: data,
		Kind: kindClaimOTP, Ref: ref("claim", c.id)})
	if err != nil {
		return enqueueError(err)
	}
	attempt := c.codes + 1
	if err := s.cfg.Codes.SendClaimCode(ctx, tx, ClaimCode{BeneficiaryID: c.benID, Amount: new(big.Int).Set(c.amount),
		TokenSymbol: pi.Symbol, Decimals: pi.Decimals, Code: code, ClaimID: strconv.FormatInt(c.id, 10), Attempt: attempt}); err != nil {
		return fmt.Errorf("handing the code to the SMS sender: %w", err)
	}
	if _, err := tx.Exec(ctx, `
UPDATE api_claims SET state = 'code_sent', otp_hash = $2, code_salt = $7, code_expires_at = $3, chain_expires_at = $4,
       codes_sent = $5, otp_tx = $6, updated_at = now()
WHERE id = $1`, c.id, hash.Bytes(), expires, int64(chainExpiry), attempt, txID, salt); err != nil {
		return fmt.Errorf("recording the code: %w", err)
	}
	c.state, c.otpHash, c.codeSalt, c.codeExpires, c.codes, c.otpTx = "code_sent", hash.Bytes(), salt, &expires, attempt, &txID
	return nil
}

// codeSaltBytes is the size of a code's secret salt: 128 bits, beyond any search.
const codeSaltBytes = 16

// newCode draws a uniformly random numeric code of n digits.
func newCode(n int) (string, error) {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("drawing a code: %w", err)
	}
	return fmt.Sprintf("%0*s", n, v.String()), nil
}

// The remaining transitions follow from transaction states alone, one statement each.
const (
	processedClaimsSQL = `
UPDATE api_claims c SET state = CASE WHEN t.state = 'final' THEN 'processed' ELSE 'failed' END,
       error = CASE WHEN t.state = 'final' THEN '' ELSE 'processClaim failed: ' || t.error END, updated_at = now()
FROM txmgr_txs t
WHERE t.id = c.process_tx AND c.chain_id = $1 AND c.state = 'processing' AND t.state IN ('final', 'failed')
RETURNING c.state`

	otpFailedSQL = `
UPDATE api_claims c SET state = 'failed', error = 'the code could not be put on chain: ' || t.error, updated_at = now()
FROM txmgr_txs t
WHERE t.id = c.otp_tx AND c.chain_id = $1 AND c.state = 'code_sent' AND t.state = 'failed'
RETURNING c.state`

	// objectStatesSQL folds the states of each open object's transactions (found by ref) into
	// its own state, as overall() does for reads. %[1]s is the table, %[2]s the ref prefix.
	objectStatesSQL = `
WITH s AS (
    SELECT o.id,
           CASE WHEN bool_or(t.state = 'failed') THEN 'failed'
                WHEN bool_and(t.state = 'final') THEN 'final'
                WHEN bool_or(t.state <> 'queued') THEN 'submitted'
                ELSE 'pending' END AS state,
           coalesce(min(CASE WHEN t.state = 'failed' THEN t.kind || ' transaction ' || t.id || ' failed: ' || t.error END), '') AS error
    FROM %[1]s o JOIN txmgr_txs t ON t.ref = '%[2]s:' || o.id
    WHERE o.chain_id = $1 AND o.state IN ('pending', 'submitted')
    GROUP BY o.id
)
UPDATE %[1]s o SET state = s.state, error = s.error, updated_at = now()
FROM s WHERE o.id = s.id AND o.state <> s.state
RETURNING o.state`
)

// settleStates applies the transitions that need no chain reads.
func (s *Server) settleStates(ctx context.Context) error {
	run := func(entity, sql string) error {
		rows, err := s.cfg.DB.Query(ctx, sql, int64(s.cfg.ChainID))
		if err != nil {
			return fmt.Errorf("updating %s states: %w", entity, err)
		}
		states, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("updating %s states: %w", entity, err)
		}
		for _, st := range states {
			s.met.worker.WithLabelValues(entity, st).Inc()
		}
		return nil
	}
	return errors.Join(
		run("claim", processedClaimsSQL),
		run("claim", otpFailedSQL),
		run("distribution", fmt.Sprintf(objectStatesSQL, "api_distributions", "distribution")),
		run("settlement", fmt.Sprintf(objectStatesSQL, "api_settlements", "settlement")),
	)
}
