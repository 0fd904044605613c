package entity

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
)

// noChain answers nothing: the metrics test handles no events.
type noChain struct{}

func (noChain) TokenInfo(context.Context, common.Address, common.Hash) (TokenInfo, error) {
	return TokenInfo{}, nil
}
func (noChain) ProjectInfo(context.Context, common.Address, common.Hash) (ProjectInfo, error) {
	return ProjectInfo{}, nil
}
func (noChain) ClaimCalls(context.Context, []TxRef) ([]ClaimCall, error) { return nil, nil }
func (noChain) Claim(context.Context, common.Address, *big.Int, common.Hash) (OnchainClaim, bool, error) {
	return OnchainClaim{}, false, nil
}

// TestMetricsPerNetwork: handlers of two networks on one registry share the collectors, and
// each one's figures carry its network.
func TestMetricsPerNetwork(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	hs := map[string]*Handler{}
	for i, n := range []string{"sepolia", "celo"} {
		h, err := New(Config{Chain: noChain{}, Registry: reg, Network: n})
		if err != nil {
			t.Fatalf("handler of %s: %v", n, err)
		}
		hs[n] = h
		h.versions.WithLabelValues("beneficiaries").Add(float64(10 * (i + 1)))
		h.duration.WithLabelValues("apply").Observe(0.001)
		h.statements.WithLabelValues("beneficiaries", "copy").Observe(0.001)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]float64{}
	series := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			series[mf.GetName()]++
			for _, l := range m.GetLabel() {
				if l.GetName() == "network" && mf.GetName() == "rahat_entity_versions_written_total" {
					versions[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	if versions["sepolia"] != 10 || versions["celo"] != 20 || len(versions) != 2 {
		t.Errorf("versions by network: %v, want sepolia 10 and celo 20", versions)
	}
	for _, name := range []string{"rahat_entity_versions_written_total", "rahat_entity_handle_seconds", "rahat_entity_statement_seconds"} {
		if series[name] != 2 {
			t.Errorf("%s: %d series, want one per network", name, series[name])
		}
	}
}
