package apitest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/contracts/bindings"
)

// Project is a project deployed for a test.
type Project struct {
	Token, Project common.Address
}

// DeployProject creates a token (2 decimals) in treasury and a project of factory with operator
// as its admin and otp as its OTP server, and gives it budget tokens (mint to the project, then
// syncTokenBudget). deployer must be the treasury's and the factory's admin.
func DeployProject(ctx context.Context, client *ethclient.Client, chainID *big.Int, deployer *ecdsa.PrivateKey,
	treasury, factory, operator, otp common.Address, name, symbol string, budget *big.Int) (Project, error) {
	opts, err := bind.NewKeyedTransactorWithChainID(deployer, chainID)
	if err != nil {
		return Project{}, err
	}
	opts.Context = ctx
	tr, err := bindings.NewRahatTreasury(treasury, client)
	if err != nil {
		return Project{}, err
	}
	f, err := bindings.NewRahatProjectFactory(factory, client)
	if err != nil {
		return Project{}, err
	}
	var p Project
	rc, err := Mined(ctx, client)(tr.CreateToken(opts, name+" token", symbol, 2))
	if err != nil {
		return p, fmt.Errorf("creating token: %w", err)
	}
	for _, l := range rc.Logs {
		if ev, err := tr.ParseTokenCreated(*l); err == nil {
			p.Token = ev.TokenAddress
		}
	}
	if rc, err = Mined(ctx, client)(f.CreateProject(opts, name, p.Token, operator, otp)); err != nil {
		return p, fmt.Errorf("creating project: %w", err)
	}
	for _, l := range rc.Logs {
		if ev, err := f.ParseProjectCreated(*l); err == nil {
			p.Project = ev.ProjectAddress
		}
	}
	if p.Token == (common.Address{}) || p.Project == (common.Address{}) {
		return p, errors.New("no TokenCreated or ProjectCreated log")
	}
	if budget != nil && budget.Sign() > 0 {
		if _, err := Mined(ctx, client)(tr.MintTokenAndSend(opts, p.Token, p.Project, budget)); err != nil {
			return p, fmt.Errorf("funding project: %w", err)
		}
		proj, err := bindings.NewRahatProject(p.Project, client)
		if err != nil {
			return p, err
		}
		if _, err := Mined(ctx, client)(proj.SyncTokenBudget(opts)); err != nil {
			return p, fmt.Errorf("syncing budget: %w", err)
		}
	}
	return p, nil
}

// Mined returns a function that waits for a sent transaction's successful receipt.
func Mined(ctx context.Context, client *ethclient.Client) func(*types.Transaction, error) (*types.Receipt, error) {
	return func(tx *types.Transaction, err error) (*types.Receipt, error) {
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			rc, err := client.TransactionReceipt(ctx, tx.Hash())
			if err == nil {
				if rc.Status != types.ReceiptStatusSuccessful {
					return rc, fmt.Errorf("transaction %s reverted", tx.Hash())
				}
				return rc, nil
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for %s: %w", tx.Hash(), ctx.Err())
			case <-tick.C:
			}
		}
	}
}

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
