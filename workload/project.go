package workload

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/contracts/bindings"
)

// Project is a project made by DeployProject: its token and the project contract.
type Project struct {
	Token, Project common.Address
}

// DeployProject creates a token (2 decimals) in treasury and a project of factory with operator
// as its admin and otp as its OTP server, and gives it budget tokens (mint to the project, then
// syncTokenBudget), each transaction waited for in turn. deployer must be the treasury's and the
// factory's admin. `rahat dev` makes the REST API's project with it; tests and benchmarks, theirs.
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
