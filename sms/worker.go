package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rahataid/rahat/phone"
)

// sendArgs is the river job that sends one sms_outbound message. It carries the message's id
// only: the text (and any code) stays sealed in sms_outbound, never in river_job.args.
type sendArgs struct {
	OutboundID int64 `json:"outbound_id"`
}

// Kind implements river.JobArgs.
func (sendArgs) Kind() string { return "sms_send" }

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	s *Service
}

// Work makes one attempt at sending the message (see doc.go for the protocol).
func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	last := job.Attempt >= job.MaxAttempts
	return w.s.attempt(ctx, job.Args.OutboundID, last)
}

// reconcileSkew widens the lookup window of a retry: Twilio's clock and ours differ, and Twilio
// dates messages to the second.
const reconcileSkew = 2 * time.Minute

// lockClass is the first key of the advisory lock held during an attempt ("smso"); the second is
// the message id (truncated to 32 bits: two messages sharing a lock only wait for each other).
// Two-key advisory locks live apart from the one-key locks the rest of rahat takes.
const lockClass int32 = 0x736d736f

const (
	loadOutboundSQL = `
SELECT o.kind, o.state, o.body_enc, o.preview, o.phone_hash, o.attempt_at, o.expires_at, b.phone_enc
FROM sms_outbound o LEFT JOIN reg_beneficiaries b ON b.id = o.beneficiary_id
WHERE o.id = $1`
	markSendingSQL = `
UPDATE sms_outbound SET state = 'sending', attempts = attempts + 1, attempt_at = now() WHERE id = $1`
	// acceptedSQL records Twilio's sid and drops the text. A status callback may have come first
	// (it can outrun the answer to the create call): its sid must agree and its later status stays.
	acceptedSQL = `
UPDATE sms_outbound SET state = 'accepted', sid = $2, body_enc = NULL, accepted_at = coalesce(accepted_at, now()),
    error = NULL, error_code = NULL,
    status = CASE WHEN status_rank > $4 THEN status ELSE $3 END,
    status_rank = greatest(status_rank, $4)
WHERE id = $1 AND (sid IS NULL OR sid = $2)`
	notSentSQL = `UPDATE sms_outbound SET state = 'pending', error = $2, error_code = $3 WHERE id = $1`
	erroredSQL = `UPDATE sms_outbound SET error = $2, error_code = $3 WHERE id = $1`
	finalSQL   = `
UPDATE sms_outbound SET state = $2, body_enc = NULL, error = coalesce($3, error), error_code = coalesce($4, error_code)
WHERE id = $1 AND state IN ('pending', 'sending')`
	sidTakenSQL = `SELECT EXISTS (SELECT 1 FROM sms_outbound WHERE sid = $1 AND id <> $2)`
)

// attempt sends message id once, or finds that an earlier attempt already did. It holds an
// advisory lock on the message for its whole length, so that a job rescued while its first run
// is still alive waits rather than sends a second time; a crashed process's connection closes
// and releases the lock.
func (s *Service) attempt(ctx context.Context, id int64, last bool) (err error) {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("sms: message %d: acquiring a connection: %w", id, err)
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockClass, int32(id)).Scan(&locked); err != nil {
		conn.Release()
		return fmt.Errorf("sms: message %d: locking: %w", id, err)
	}
	if !locked {
		conn.Release()
		return river.JobSnooze(s.cfg.Queue.RetryBase) // another attempt is in flight
	}
	defer unlock(ctx, conn, id)

	var (
		kind, state, preview    string
		bodyEnc, hash, phoneEnc []byte
		attemptAt, expiresAt    *time.Time
	)
	err = conn.QueryRow(ctx, loadOutboundSQL, id).Scan(&kind, &state, &bodyEnc, &preview, &hash, &attemptAt, &expiresAt, &phoneEnc)
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("sms: message %d does not exist", id))
	}
	if err != nil {
		return fmt.Errorf("sms: message %d: loading: %w", id, err)
	}
	log := s.log.With("message", id, "kind", kind, "phone", phone.Redact(hash))
	if state != "pending" && state != "sending" {
		return nil // done earlier (a duplicate run, or a status callback that came first)
	}
	finish := func(st, result string, cause error) error {
		var msg *string
		var code *int32
		var se *sendError
		if errors.As(cause, &se) {
			m := se.Error()
			msg = &m
			if se.code != 0 {
				c := int32(se.code)
				code = &c
			}
		} else if cause != nil {
			m := redactNumbers(cause.Error())
			msg = &m
		}
		if _, err := conn.Exec(context.WithoutCancel(ctx), finalSQL, id, st, msg, code); err != nil {
			return fmt.Errorf("sms: message %d: recording %s: %w", id, st, err)
		}
		s.m.outbound.WithLabelValues(kind, result).Inc()
		log.Warn("sms: message given up", "state", st, "err", cause)
		return nil
	}
	if expiresAt != nil && time.Now().After(*expiresAt) {
		return finish("expired", "expired", errors.New("the code expired before it could be sent"))
	}
	if phoneEnc == nil || bodyEnc == nil {
		return finish("cancelled", "cancelled", errors.New("the beneficiary or the text is gone"))
	}
	to, err := s.cfg.Box.Open(phoneEnc)
	if err != nil {
		return finish("cancelled", "cancelled", fmt.Errorf("opening the number: %w", err))
	}
	body, err := s.cfg.Box.Open(bodyEnc)
	if err != nil {
		return finish("cancelled", "cancelled", fmt.Errorf("opening the text: %w", err))
	}
	m := outMessage{ID: id, Kind: kind, To: to, Body: body, Hash: hash, Preview: preview}
	if s.cfg.PublicURL != "" && s.outbox == nil {
		m.Callback = fmt.Sprintf("%s/sms/status?id=%d", s.cfg.PublicURL, id)
	}

	// An earlier attempt whose outcome is unknown may have reached Twilio: look before sending.
	if state == "sending" && attemptAt != nil {
		found, err := s.transport.recent(ctx, m, attemptAt.Add(-reconcileSkew))
		if err != nil {
			return fmt.Errorf("sms: message %d: looking up an earlier attempt: %w", id, err)
		}
		for _, sub := range found {
			var taken bool
			if err := conn.QueryRow(ctx, sidTakenSQL, sub.SID, id).Scan(&taken); err != nil {
				return fmt.Errorf("sms: message %d: %w", id, err)
			}
			if taken {
				continue // an identical text to the same number, recorded for another message
			}
			if err := s.accepted(ctx, conn, id, sub); err != nil {
				return err
			}
			s.m.outbound.WithLabelValues(kind, "reconciled").Inc()
			log.Info("sms: an earlier attempt had reached Twilio; not sending again")
			return nil
		}
	}

	// Recorded before the request: from here until the answer is recorded, a crash leaves
	// "sending", which makes the next attempt look first.
	if _, err := conn.Exec(ctx, markSendingSQL, id); err != nil {
		return fmt.Errorf("sms: message %d: marking it sending: %w", id, err)
	}
	sub, err := s.transport.send(ctx, m)
	if err == nil {
		if err := s.accepted(ctx, conn, id, sub); err != nil {
			return err
		}
		s.m.outbound.WithLabelValues(kind, "accepted").Inc()
		log.Debug("sms: message accepted by Twilio", "segments", Segments(body))
		return nil
	}
	var se *sendError
	if !errors.As(err, &se) {
		se = &sendError{msg: redactNumbers(err.Error())}
	}
	if se.permanent {
		_ = finish("failed", "failed", se)
		return river.JobCancel(se)
	}
	if last {
		_ = finish("failed", "failed", fmt.Errorf("gave up after the last attempt: %w", se))
		return se
	}
	sql := erroredSQL
	if se.notSent {
		sql = notSentSQL // certainly not sent: the next attempt need not look first
	}
	var code *int32
	if se.code != 0 {
		c := int32(se.code)
		code = &c
	}
	if _, err := conn.Exec(context.WithoutCancel(ctx), sql, id, se.Error(), code); err != nil {
		log.Error("sms: recording a failed attempt", "err", err)
	}
	s.m.outbound.WithLabelValues(kind, "retry").Inc()
	log.Info("sms: sending failed; will retry", "err", se)
	return se
}

// accepted records that Twilio has the message. It runs even when ctx has just ended: Twilio
// has the message, and recording that now spares the next attempt its lookup.
func (s *Service) accepted(ctx context.Context, conn *pgxpool.Conn, id int64, sub submitted) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, acceptedSQL, id, sub.SID, sub.Status, statusRank(sub.Status)); err != nil {
		return fmt.Errorf("sms: message %d: recording Twilio's sid: %w", id, err)
	}
	return nil
}

// unlock releases the attempt's lock and the connection; a connection that cannot unlock is
// closed, which releases the lock.
func unlock(ctx context.Context, conn *pgxpool.Conn, id int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockClass, int32(id)); err != nil {
		_ = conn.Conn().Close(ctx)
	}
	conn.Release()
}
