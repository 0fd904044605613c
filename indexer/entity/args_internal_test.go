package entity

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/indexer"
)

// TestArgKeys reads parameters under the keys different decoders use for unnamed parameters.
func TestArgKeys(t *testing.T) {
	t.Parallel()
	a := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	cases := []struct {
		name string
		args map[string]any
		key  string
		pos  int
		want common.Address
		err  bool
	}{
		{"named", map[string]any{"beneficiary": a}, "beneficiary", 0, a, false},
		{"indexer param<i>", map[string]any{"param0": a}, "", 0, a, false},
		{"abigen arg<i>", map[string]any{"arg0": a}, "", 0, a, false},
		{"empty key", map[string]any{"": a}, "", 0, a, false},
		{"named falls back to position", map[string]any{"param1": a}, "vendor", 1, a, false},
		{"pointer", map[string]any{"param0": &a}, "", 0, a, false},
		{"bytes", map[string]any{"param0": a.Bytes()}, "", 0, a, false},
		{"missing", map[string]any{"other": a}, "", 0, common.Address{}, true},
		{"wrong type", map[string]any{"param0": "0xaa"}, "", 0, common.Address{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := &indexer.Event{Contract: "RahatProject", Name: "BeneficiaryAdded", Args: c.args}
			got, err := addrArg(ev, c.key, c.pos)
			if (err != nil) != c.err || got != c.want {
				t.Fatalf("addrArg = %s, %v; want %s, error %t", got, err, c.want, c.err)
			}
		})
	}
}

// TestNumericRoundTrip converts numerics as Postgres may return them (with exponents) to integers.
func TestNumericRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   pgtype.Numeric
		want string
		err  bool
	}{
		{pgtype.Numeric{Int: big.NewInt(12), Exp: 0, Valid: true}, "12", false},
		{pgtype.Numeric{Int: big.NewInt(12), Exp: 3, Valid: true}, "12000", false},
		{pgtype.Numeric{Int: big.NewInt(12000), Exp: -3, Valid: true}, "12", false},
		{pgtype.Numeric{Int: big.NewInt(12001), Exp: -3, Valid: true}, "", true},
		{pgtype.Numeric{NaN: true, Valid: true}, "", true},
	}
	for _, c := range cases {
		got, err := toBig(c.in)
		if (err != nil) != c.err || (err == nil && got.String() != c.want) {
			t.Errorf("toBig(%+v) = %v, %v; want %s, error %t", c.in, got, err, c.want, c.err)
		}
	}
}

// TestSharedRegistry creates two handlers on one registry: the second shares the first's collectors.
func TestSharedRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h1, err := New(Config{Chain: &RPC{}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := New(Config{Chain: &RPC{}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	// Both count into the one registered collector (the same network: the same series).
	h1.versions.WithLabelValues("projects").Add(1)
	h2.versions.WithLabelValues("projects").Add(2)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series int
	var total float64
	for _, mf := range mfs {
		if mf.GetName() == "rahat_entity_versions_written_total" {
			for _, m := range mf.GetMetric() {
				series++
				total += m.GetCounter().GetValue()
			}
		}
	}
	if series != 1 || total != 3 {
		t.Fatalf("the second handler did not reuse the registered collectors: %d series, %v in all", series, total)
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted a Config without Chain")
	}
}
