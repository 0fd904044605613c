package workload

import (
	"context"
	"crypto/ecdsa"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
)

// The source names Deployment.Sources writes; the indexer, GraphQL schema and dashboards use them.
const (
	SourceTreasury       = "RahatTreasury"
	SourceProjectFactory = "RahatProjectFactory"
	SourceToken          = "RahatToken"
	SourceProject        = "RahatProject"
)

// Deployment is where Deploy put the contracts.
type Deployment struct {
	// ChainID is the chain's id.
	ChainID uint64
	// Treasury is the RahatTreasury; it creates the tokens.
	Treasury common.Address
	// ProjectFactory is the RahatProjectFactory; it creates the projects, which may pull budget from Treasury.
	ProjectFactory common.Address
	// StartBlock is the block of the first deployment transaction: nothing of ours exists before it.
	StartBlock uint64
}

// Deploy deploys RahatTreasury and RahatProjectFactory (linked to the treasury), with the deployer as the
// admin of both, and waits for both receipts. The two go out together with consecutive nonces, so the
// factory's constructor gets the treasury's address before it exists, and on a fresh chain a given
// deployer key always yields the same addresses.
func Deploy(ctx context.Context, b Backend, deployer *ecdsa.PrivateKey, opts Options) (*Deployment, error) {
	s, err := newSender(ctx, b, opts)
	if err != nil {
		return nil, err
	}
	me := newActor("deployer", deployer)
	nonce, err := b.PendingNonceAt(ctx, me.addr)
	if err != nil {
		return nil, fmt.Errorf("reading deployer nonce: %w", err)
	}
	d := &Deployment{
		ChainID:        s.chainID.Uint64(),
		Treasury:       crypto.CreateAddress(me.addr, nonce),
		ProjectFactory: crypto.CreateAddress(me.addr, nonce+1),
	}
	s.nonces[me.addr] = nonce
	reqs := []*txReq{
		deployReq(me, contracts.RahatTreasury, me.addr),
		deployReq(me, contracts.RahatProjectFactory, me.addr, d.Treasury),
	}
	res, err := s.run(ctx, "deploy", reqs, true)
	if err != nil {
		return nil, err
	}
	for i, want := range []common.Address{d.Treasury, d.ProjectFactory} {
		if got := res.receipts[i].ContractAddress; got != want {
			return nil, fmt.Errorf("deploy: contract landed at %s, expected %s", got, want)
		}
	}
	d.StartBlock = res.receipts[0].BlockNumber.Uint64()
	s.log.Info("contracts deployed", "chain_id", d.ChainID, "treasury", d.Treasury, "project_factory",
		d.ProjectFactory, "start_block", d.StartBlock)
	return d, nil
}

// deployReq builds a contract creation: the artifact's bytecode followed by the packed constructor args.
func deployReq(from *actor, name string, args ...any) *txReq {
	r := &txReq{from: from, what: "deploy " + name}
	c, err := contracts.Artifact(name)
	if err != nil {
		r.err = err
		return r
	}
	packed, err := c.ABI.Pack("", args...)
	if err != nil {
		r.err = fmt.Errorf("packing constructor of %s: %w", name, err)
		return r
	}
	r.data = append(c.Bytecode, packed...)
	return r
}

// Sources returns the indexer manifest for the deployment on the named network: the treasury and the
// factory by address, and tokens and projects as the factory sources their creation events announce.
// All start at StartBlock.
func (d *Deployment) Sources(network string) []config.Source {
	return []config.Source{
		{Name: SourceTreasury, Network: network, Contract: contracts.RahatTreasury, Address: d.Treasury.Hex(), StartBlock: d.StartBlock},
		{Name: SourceProjectFactory, Network: network, Contract: contracts.RahatProjectFactory, Address: d.ProjectFactory.Hex(), StartBlock: d.StartBlock},
		{Name: SourceToken, Network: network, Contract: contracts.RahatToken, StartBlock: d.StartBlock,
			Factory: &config.Factory{Source: SourceTreasury, Event: "TokenCreated", Param: "tokenAddress"}},
		{Name: SourceProject, Network: network, Contract: contracts.RahatProject, StartBlock: d.StartBlock,
			Factory: &config.Factory{Source: SourceProjectFactory, Event: "ProjectCreated", Param: "projectAddress"}},
	}
}
