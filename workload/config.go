package workload

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/params"
)

// Config describes an aid programme. Counts of flows are per project. The zero value of a field takes its
// default; Profile returns complete, named configurations.
type Config struct {
	// Seed makes every choice and every derived key reproducible.
	Seed int64

	// Tokens is how many tokens the treasury creates; projects use them round-robin. Default 1.
	Tokens int
	// Projects is how many projects the factory creates. Default 1.
	Projects int
	// BeneficiariesPerProject is how many beneficiaries each project registers and allocates to. Default 10.
	BeneficiariesPerProject int
	// VendorsPerProject is how many vendors each project approves. Default 2.
	VendorsPerProject int

	// Claims is how many one-time-code claims vendors make (create, code added, processed).
	Claims int
	// OfflineClaims is how many vouchers signed by beneficiaries vendors settle.
	OfflineClaims int
	// WalkIns is how many walk-in beneficiaries vendors enrol.
	WalkIns int
	// Disbursements is how many times a project admin sends tokens to a beneficiary's wallet.
	Disbursements int
	// Redemptions is how many times a vendor settles tokens back to the project.
	Redemptions int
	// Removals is how many beneficiaries are removed (some with an allocation left).
	Removals int
	// VendorRevocations is how many vendors are revoked at the end (ClaimerUpdated false).
	VendorRevocations int

	// BatchSize is how many beneficiaries one addBeneficiaries transaction registers. Default 100 (a new
	// registration costs about 114,000 gas where state growth is priced, and a transaction at most 2^24).
	BatchSize int
	// AllocationBatchSize is how many allocations one allocateTokensBatch transaction sets. Default 500.
	AllocationBatchSize int
	// Decimals is the tokens' decimals. Default 18; amounts are whole tokens times 10^Decimals.
	Decimals uint8
	// Fund is the least ether (in wei) the admin sends a derived sender (project admin, vendor, OTP server)
	// whose balance cannot pay for its next transactions. Default 100 ether.
	Fund *big.Int

	// Continuous keeps the programme going after the initial flows, in rounds, until the context ends.
	Continuous bool
	// Rate is the target number of operations (claims, vouchers, walk-ins, disbursements, redemptions) per
	// second in the continuous phase. Default 5.
	Rate float64
	// RoundInterval is how often a continuous round starts (a round takes at least four blocks).
	// Default 3s.
	RoundInterval time.Duration
	// Rounds, when positive, ends the continuous phase after that many rounds instead of at the end of
	// the context.
	Rounds int
}

// Profile returns a named configuration with the given seed:
//
//   - "small": 2 tokens, 2 projects of 20 beneficiaries and 3 vendors, a few of every flow; emits every
//     event of every contract; a few seconds on the dev chain. For tests.
//   - "demo": 2 tokens, 3 projects of 1,000 beneficiaries and 10 vendors, hundreds of flows, then
//     continuous activity at 5 operations a second until the context ends. For `rahat dev`.
//   - "large": 3 tokens, 10 projects of 10,000 beneficiaries and 25 vendors, thousands of flows. For
//     benchmarks.
func Profile(name string, seed int64) (Config, error) {
	var c Config
	switch name {
	case "small":
		c = Config{Tokens: 2, Projects: 2, BeneficiariesPerProject: 20, VendorsPerProject: 3,
			Claims: 4, OfflineClaims: 3, WalkIns: 2, Disbursements: 3, Redemptions: 2, Removals: 2, VendorRevocations: 1,
			BatchSize: 8, AllocationBatchSize: 12}
	case "demo":
		c = Config{Tokens: 2, Projects: 3, BeneficiariesPerProject: 1_000, VendorsPerProject: 10,
			Claims: 100, OfflineClaims: 50, WalkIns: 20, Disbursements: 50, Redemptions: 10, Removals: 10, VendorRevocations: 1,
			Continuous: true, Rate: 5, RoundInterval: 3 * time.Second}
	case "large":
		c = Config{Tokens: 3, Projects: 10, BeneficiariesPerProject: 10_000, VendorsPerProject: 25,
			Claims: 1_000, OfflineClaims: 500, WalkIns: 200, Disbursements: 500, Redemptions: 100, Removals: 100, VendorRevocations: 2}
	default:
		return Config{}, fmt.Errorf("unknown workload profile %q (want small, demo or large)", name)
	}
	c.Seed = seed
	return c.withDefaults(), nil
}

// ProfileNames lists the names Profile accepts.
func ProfileNames() []string { return []string{"small", "demo", "large"} }

func (c Config) withDefaults() Config {
	c.Tokens = cmp.Or(c.Tokens, 1)
	c.Projects = cmp.Or(c.Projects, 1)
	c.BeneficiariesPerProject = cmp.Or(c.BeneficiariesPerProject, 10)
	c.VendorsPerProject = cmp.Or(c.VendorsPerProject, 2)
	c.BatchSize = cmp.Or(c.BatchSize, 100)
	c.AllocationBatchSize = cmp.Or(c.AllocationBatchSize, 500)
	c.Decimals = cmp.Or(c.Decimals, 18)
	if c.Fund == nil {
		c.Fund = new(big.Int).Mul(big.NewInt(100), big.NewInt(params.Ether))
	}
	c.Rate = cmp.Or(c.Rate, 5)
	c.RoundInterval = cmp.Or(c.RoundInterval, 3*time.Second)
	return c
}

// Validate reports the first problem with a defaulted configuration.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"Claims", c.Claims}, {"OfflineClaims", c.OfflineClaims}, {"WalkIns", c.WalkIns},
		{"Disbursements", c.Disbursements}, {"Redemptions", c.Redemptions}, {"Removals", c.Removals},
		{"VendorRevocations", c.VendorRevocations},
	} {
		if f.v < 0 {
			return fmt.Errorf("workload: %s must not be negative", f.name)
		}
	}
	switch {
	case c.Tokens < 1 || c.Projects < 1 || c.VendorsPerProject < 1:
		return errors.New("workload: Tokens, Projects and VendorsPerProject must be positive")
	case c.BeneficiariesPerProject < 1 || c.BeneficiariesPerProject > 1_000_000:
		return fmt.Errorf("workload: BeneficiariesPerProject %d is outside 1..1000000", c.BeneficiariesPerProject)
	case c.VendorRevocations >= c.VendorsPerProject:
		return fmt.Errorf("workload: VendorRevocations %d must leave at least one of %d vendors", c.VendorRevocations, c.VendorsPerProject)
	case c.Removals > c.BeneficiariesPerProject/2:
		return fmt.Errorf("workload: Removals %d exceeds half of BeneficiariesPerProject", c.Removals)
	case c.Claims+c.OfflineClaims+c.Disbursements > 4*c.BeneficiariesPerProject:
		return errors.New("workload: too many claims, vouchers and disbursements for the beneficiaries")
	case c.BatchSize < 1 || c.AllocationBatchSize < 1:
		return errors.New("workload: BatchSize and AllocationBatchSize must be positive")
	case c.Decimals > 30:
		return fmt.Errorf("workload: Decimals %d exceeds 30", c.Decimals)
	case c.Fund != nil && c.Fund.Sign() < 0:
		return errors.New("workload: Fund must not be negative")
	case c.Rate <= 0 || c.RoundInterval <= 0 || c.Rounds < 0:
		return errors.New("workload: Rate and RoundInterval must be positive and Rounds not negative")
	}
	return nil
}
