package sms

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// ErrUnknownBeneficiary is returned by SendClaimCode for a beneficiary id with no registration.
var ErrUnknownBeneficiary = errors.New("sms: no registered beneficiary with that id")

// ClaimCode is a one-time code to text a beneficiary for a vendor's claim. It has the fields of
// the command API's api.ClaimCode, in the same order, so that one converts to the other:
// sms.ClaimCode(m).
type ClaimCode struct {
	BeneficiaryID int64    // reg_beneficiaries.id
	Amount        *big.Int // in the token's smallest unit
	TokenSymbol   string
	Decimals      uint8
	Code          string // the code itself; stored only sealed, and only until Twilio has it
	ClaimID       string // the claim's identity
	// Attempt numbers the codes of one claim (1, then 2 after a resend ...). With ClaimID it makes
	// the message's key; when it is 0 the key uses a digest of the code instead.
	Attempt int
}

// SendClaimCode queues the code message in tx, the caller's transaction: the message exists if
// and only if tx commits, and is then sent exactly once (see doc.go). Calling it again with the
// same claim and code in another transaction queues nothing more.
func (s *Service) SendClaimCode(ctx context.Context, tx pgx.Tx, m ClaimCode) error {
	switch {
	case m.Code == "" || len(m.Code) > 32:
		return errors.New("sms: a claim code must have 1 to 32 characters")
	case m.ClaimID == "":
		return errors.New("sms: a claim code needs its claim id")
	case m.Amount == nil || m.Amount.Sign() < 0:
		return errors.New("sms: a claim code needs a non-negative amount")
	}
	var hash []byte
	var lang string
	err := tx.QueryRow(ctx, `SELECT phone_hash, language FROM reg_beneficiaries WHERE id = $1`, m.BeneficiaryID).Scan(&hash, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrUnknownBeneficiary
	}
	if err != nil {
		return fmt.Errorf("sms: reading beneficiary %d: %w", m.BeneficiaryID, err)
	}
	symbol := symbolOf(m.TokenSymbol, common.Address{})
	key := fmt.Sprintf("code:%s:a%d", m.ClaimID, m.Attempt)
	if m.Attempt <= 0 {
		// keccak256(code) is what the contract stores and emits as otpHash: the key holds nothing
		// the chain does not already publish.
		key = "code:" + m.ClaimID + ":h" + hex.EncodeToString(crypto.Keccak256([]byte(m.Code))[:8])
	}
	expires := time.Now().Add(s.cfg.CodeTTL)
	return s.enqueue(ctx, tx, outboundRow{
		key:           key,
		kind:          kindClaimCode,
		beneficiaryID: m.BeneficiaryID,
		phoneHash:     hash,
		lang:          lang,
		body:          claimCodeText(lang, m.Amount, m.Decimals, symbol, m.Code),
		preview:       claimCodeText(lang, m.Amount, m.Decimals, symbol, strings.Repeat("*", len(m.Code))),
		expires:       &expires,
	})
}

// Allocation is a TokensAllocated event of a RahatProject.
type Allocation struct {
	ChainID                     uint64
	Project, Beneficiary, Token common.Address
	Amount                      *big.Int // the beneficiary's allocation after the event
	TxHash                      common.Hash
	LogIndex                    uint
}

// NotifyAllocation queues, in tx, a notice to the beneficiary of an allocation event, if the
// beneficiary is registered with a phone in that project and the allocation is not zero (a zero
// allocation withdraws one). It returns whether a notice was queued. The message's key is
// (chain, transaction, log index): one event yields at most one notice however often, and
// through whichever path, it is announced. The scanner (scan.go) calls it for final blocks;
// an indexer Handler may call it inside the indexing transaction, accepting that a reorg cannot
// call back a notice already sent.
func (s *Service) NotifyAllocation(ctx context.Context, tx pgx.Tx, a Allocation) (bool, error) {
	if a.Amount == nil || a.Amount.Sign() <= 0 {
		return false, nil
	}
	var id int64
	var hash []byte
	var lang string
	err := tx.QueryRow(ctx, `
SELECT id, phone_hash, language FROM reg_beneficiaries WHERE chain_id = $1 AND project = $2 AND address = $3`,
		int64(a.ChainID), a.Project.Bytes(), a.Beneficiary.Bytes()).Scan(&id, &hash, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sms: reading the beneficiary of an allocation: %w", err)
	}
	var symbol *string
	var decimals *int16
	err = tx.QueryRow(ctx, `
SELECT symbol, decimals FROM ent_tokens WHERE chain_id = $1 AND address = $2 AND upper_inf(block_range)`,
		int64(a.ChainID), a.Token.Bytes()).Scan(&symbol, &decimals)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("sms: reading token %s: %w", a.Token, err)
	}
	var dec uint8
	if decimals != nil {
		dec = uint8(*decimals)
	}
	sym := symbolOf(deref(symbol), a.Token)
	body := allocationText(lang, a.Amount, dec, sym, s.cfg.Words)
	queued, err := s.enqueueNew(ctx, tx, outboundRow{
		key:           fmt.Sprintf("alloc:%d:%s:%d", a.ChainID, a.TxHash.Hex(), a.LogIndex),
		kind:          kindAllocation,
		beneficiaryID: id,
		phoneHash:     hash,
		lang:          lang,
		body:          body,
		preview:       body,
	})
	if queued {
		s.m.notices.Inc()
	}
	return queued, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Message kinds (sms_outbound.kind).
const (
	kindClaimCode  = "claim_code"
	kindAllocation = "allocation"
)

// outboundRow is a message about to be queued.
type outboundRow struct {
	key, kind     string
	beneficiaryID int64
	phoneHash     []byte
	lang          string
	body, preview string
	expires       *time.Time
}

const insertOutboundSQL = `
INSERT INTO sms_outbound (event_key, kind, beneficiary_id, phone_hash, language, body_enc, preview, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (event_key) DO NOTHING
RETURNING id`

func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, r outboundRow) error {
	_, err := s.enqueueNew(ctx, tx, r)
	return err
}

// enqueueNew inserts the message and its send job in tx; an existing message with the same key
// makes it a no-op (false).
func (s *Service) enqueueNew(ctx context.Context, tx pgx.Tx, r outboundRow) (bool, error) {
	sealed, err := s.cfg.Box.Seal(r.body)
	if err != nil {
		return false, fmt.Errorf("sms: sealing a message: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, insertOutboundSQL, r.key, r.kind, r.beneficiaryID, r.phoneHash, r.lang, sealed, r.preview, r.expires).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // already queued by an earlier call
	}
	if err != nil {
		return false, fmt.Errorf("sms: queueing a %s message: %w", r.kind, err)
	}
	if _, err := s.river.InsertTx(ctx, tx, sendArgs{OutboundID: id}, s.sendOpts()); err != nil {
		return false, fmt.Errorf("sms: queueing the send job of message %d: %w", id, err)
	}
	return true, nil
}

func (s *Service) sendOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: queueName, MaxAttempts: s.cfg.Queue.MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}
