package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/graphql/catalog"
)

// TestUpToDate fails when the committed generated files differ from what the ABIs and
// graphql/catalog/*.graphql produce now: run make generate.
func TestUpToDate(t *testing.T) {
	t.Parallel()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	yml, err := os.ReadFile(filepath.Join(root, "gqlgen.yml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Outputs(cat, string(yml))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range out {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run make generate", name)
		}
	}
}

// TestCollidingEventNames checks TheGraph's rule: an event name two contracts share is prefixed
// with the contract's name in both types (and an event named like a derived entity too).
func TestCollidingEventNames(t *testing.T) {
	t.Parallel()
	abis := func(name string) (abi.ABI, error) {
		switch name {
		case "Alpha", "Beta":
			return contracts.ABI("RahatToken") // both have Transfer, Approval ...
		}
		return contracts.ABI(name)
	}
	cat, err := catalog.Load([]string{"Alpha", "Beta", "RahatTreasury"}, abis, catalog.EntitiesSDL)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"AlphaTransfer", "BetaTransfer", "AlphaApproval", "BetaApproval", "TokenCreated"} {
		if cat.Entity(name) == nil {
			t.Errorf("no entity %s", name)
		}
	}
	if cat.Entity("Transfer") != nil {
		t.Errorf("Transfer should be prefixed")
	}
	sdl := schemaSDL(cat)
	for _, want := range []string{"alphaTransfer(id: ID!", "betaTransfers(skip: Int = 0", "type AlphaTransfer {", "input BetaTransfer_filter {"} {
		if !strings.Contains(sdl, want) {
			t.Errorf("schema lacks %q", want)
		}
	}
}
