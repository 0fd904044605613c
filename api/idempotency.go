package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// stored is the first response to an idempotency key.
type stored struct {
	status int
	body   []byte
}

const insertKeySQL = `
INSERT INTO api_idempotency (subject, key, method, path, fingerprint, request_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (subject, key) DO NOTHING`

const lockKeySQL = `
SELECT method, path, fingerprint, status, body FROM api_idempotency
WHERE subject = $1 AND key = $2
FOR UPDATE`

// keyLockTimeout bounds how long a repeat waits for the first request with its key.
const keyLockTimeout = "15s"

const completeKeySQL = `UPDATE api_idempotency SET status = $3, body = $4 WHERE subject = $1 AND key = $2`

// fingerprint identifies a request: same key with another fingerprint is a client error.
func fingerprint(rq *request) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", rq.r.Method, rq.r.URL.RequestURI())
	h.Write(rq.body)
	return h.Sum(nil)
}

// claimKey records (subject, key) in tx, or returns the stored response of the request that did.
//
// The insert takes the row lock for the rest of tx. A concurrent repeat's insert waits for that
// transaction: if it commits, the repeat's insert does nothing and it reads the stored response
// under FOR UPDATE; if it rolls back (an error response is not stored), the repeat's insert
// succeeds and it runs the request itself. So exactly one request per key ever executes.
func claimKey(ctx context.Context, tx pgx.Tx, rq *request, key string) (*stored, *Error) {
	fp := fingerprint(rq)
	// A repeat waits for the first request to finish, but not for ever.
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+keyLockTimeout+`'`); err != nil {
		return nil, dbError("setting the lock timeout", err)
	}
	tag, err := tx.Exec(ctx, insertKeySQL, rq.p.Subject, key, rq.r.Method, rq.r.URL.RequestURI(), fp, rq.id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "55P03" { // lock_not_available
		return nil, errorf(CodeConflict, "a request with this Idempotency-Key is still being processed; retry with the same key")
	}
	if err != nil {
		return nil, dbError("recording the idempotency key", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout TO DEFAULT`); err != nil {
		return nil, dbError("resetting the lock timeout", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var method, path string
	var prevFP []byte
	var st stored
	err = tx.QueryRow(ctx, lockKeySQL, rq.p.Subject, key).Scan(&method, &path, &prevFP, &st.status, &st.body)
	if err != nil {
		return nil, dbError("reading the idempotency key", err)
	}
	if !bytes.Equal(fp, prevFP) {
		return nil, &Error{Code: CodeIdempotencyMismatch,
			Message: fmt.Sprintf("this Idempotency-Key was used for another request (%s %s with another body)", method, path)}
	}
	if st.status == 0 { // cannot happen: the row commits only with its response
		return nil, internal(errors.New("idempotency row without a response"))
	}
	return &st, nil
}

func completeKey(ctx context.Context, tx pgx.Tx, rq *request, key string, status int, body []byte) error {
	if _, err := tx.Exec(ctx, completeKeySQL, rq.p.Subject, key, status, body); err != nil {
		return fmt.Errorf("storing the idempotent response: %w", err)
	}
	return nil
}

const purgeKeysSQL = `
DELETE FROM api_idempotency WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM api_idempotency WHERE created_at < $1 LIMIT 1000))`

// purgeKeys forgets idempotency keys older than the retention, a thousand at a time.
func (s *Server) purgeKeys(ctx context.Context) error {
	cutoff := s.cfg.Now().Add(-s.cfg.IdempotencyTTL)
	for {
		tag, err := s.cfg.DB.Exec(ctx, purgeKeysSQL, cutoff)
		if err != nil {
			return fmt.Errorf("purging idempotency keys: %w", err)
		}
		if tag.RowsAffected() < 1000 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// dbError maps a database failure: a cancelled request stays a cancellation, the rest is 503.
func dbError(what string, err error) *Error {
	return unavailable("the database", fmt.Errorf("%s: %w", what, err))
}
