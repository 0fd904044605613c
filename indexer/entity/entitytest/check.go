package entitytest

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/indexer/entity"
)

// maxShown bounds the mismatches a failing check prints.
const maxShown = 20

// RequireMatch runs entity.Check at block n and fails the test now on any mismatch, printing the
// first maxShown.
func RequireMatch(t testing.TB, ctx context.Context, db entity.Querier, client *ethclient.Client, chainID, n uint64) {
	t.Helper()
	ms, err := entity.Check(ctx, db, client, chainID, n)
	if err != nil {
		t.Fatalf("checking entities at block %d: %v", n, err)
	}
	for i, m := range ms {
		if i == maxShown {
			t.Errorf("... and %d more", len(ms)-maxShown)
			break
		}
		t.Errorf("block %d: %s", n, m)
	}
	if len(ms) > 0 {
		t.FailNow()
	}
}
