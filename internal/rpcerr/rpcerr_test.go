package rpcerr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum"
)

func TestIsIndexing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"as a remote client sees it", errors.New("transaction indexing is in progress"), true},
		{"wrapped", fmt.Errorf("reading receipt: %w", errors.New("transaction indexing is in progress")), true},
		{"not found", ethereum.NotFound, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := IsIndexing(tt.err); got != tt.want {
			t.Errorf("%s: IsIndexing(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
