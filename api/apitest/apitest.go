package apitest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/api"
)

// KeyPool hands out pre-made keys as new vendor keys. The transaction manager's key source is
// fixed when it is made, so the pool's keys are all given to it up front.
type KeyPool struct {
	mu   sync.Mutex
	keys []*ecdsa.PrivateKey
	next int
}

var _ api.Keys = (*KeyPool)(nil)

// NewKeyPool makes n keys.
func NewKeyPool(n int) (*KeyPool, error) {
	p := &KeyPool{}
	for range n {
		k, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		p.keys = append(p.keys, k)
	}
	return p, nil
}

// Keys returns every key of the pool, for the transaction manager.
func (p *KeyPool) Keys() []*ecdsa.PrivateKey { return append([]*ecdsa.PrivateKey(nil), p.keys...) }

// Addresses returns the pool's addresses in order.
func (p *KeyPool) Addresses() []common.Address {
	out := make([]common.Address, len(p.keys))
	for i, k := range p.keys {
		out[i] = crypto.PubkeyToAddress(k.PublicKey)
	}
	return out
}

// NewKey implements api.Keys.
func (p *KeyPool) NewKey(context.Context) (common.Address, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == len(p.keys) {
		return common.Address{}, errors.New("apitest: key pool exhausted")
	}
	p.next++
	return crypto.PubkeyToAddress(p.keys[p.next-1].PublicKey), nil
}

// Codes records claim codes in the table apitest_codes, inside the API's transaction, as the SMS
// service's queue would; tests read them back with Code.
type Codes struct{}

var _ api.CodeSender = Codes{}

// CreateCodesTable makes the table Codes writes to.
func CreateCodesTable(ctx context.Context, db *pgxpool.Pool) error {
	_, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS apitest_codes (
    claim_id text NOT NULL, attempt int4 NOT NULL, beneficiary_id int8 NOT NULL, amount text NOT NULL,
    symbol text NOT NULL, decimals int2 NOT NULL, code text NOT NULL, PRIMARY KEY (claim_id, attempt))`)
	return err
}

// SendClaimCode implements api.CodeSender.
func (Codes) SendClaimCode(ctx context.Context, tx pgx.Tx, m api.ClaimCode) error {
	_, err := tx.Exec(ctx, `INSERT INTO apitest_codes VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ClaimID, m.Attempt, m.BeneficiaryID, m.Amount.String(), m.TokenSymbol, int16(m.Decimals), m.Code)
	return err
}

// Code returns the code sent for a claim (the API's claim id) and attempt.
func Code(ctx context.Context, db *pgxpool.Pool, claimID string, attempt int) (string, error) {
	var code string
	err := db.QueryRow(ctx, `SELECT code FROM apitest_codes WHERE claim_id = $1 AND attempt = $2`, claimID, attempt).Scan(&code)
	return code, err
}
