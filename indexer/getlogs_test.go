package indexer

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
)

// TestDecodeLogsResponse checks the streaming eth_getLogs decoder against the answers a node can
// give: logs, none, null, an error (with a range hint the splitter must still read), members in any
// order, and a response cut short.
func TestDecodeLogsResponse(t *testing.T) {
	t.Parallel()
	const log0 = `{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"],"data":"0x01","blockNumber":"0x10","transactionHash":"0x0000000000000000000000000000000000000000000000000000000000000001","transactionIndex":"0x0","blockHash":"0x0000000000000000000000000000000000000000000000000000000000000002","blockTimestamp":"0x64","logIndex":"0x3","removed":false}`
	cases := []struct {
		name    string
		body    string
		logs    int
		errCode int    // JSON-RPC error code expected, 0 for none
		errHas  string // substring of the error expected
	}{
		{"two logs", `{"jsonrpc":"2.0","id":1,"result":[` + log0 + `,` + log0 + `]}`, 2, 0, ""},
		{"result first", `{"result":[` + log0 + `],"jsonrpc":"2.0","id":1}`, 1, 0, ""},
		{"empty", `{"jsonrpc":"2.0","id":1,"result":[]}`, 0, 0, ""},
		{"null", `{"jsonrpc":"2.0","id":1,"result":null}`, 0, 0, ""},
		{"error with hint", `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results. Try with this block range [0x10, 0x20].","data":{"x":1}}}`,
			0, -32005, "more than 10000 results"},
		{"neither", `{"jsonrpc":"2.0","id":1}`, 0, 0, "neither result nor error"},
		{"cut short", `{"jsonrpc":"2.0","id":1,"result":[` + log0 + `,{"address":"0x5f`, 0, 0, "unexpected EOF"},
		{"not an object", `[]`, 0, 0, "want {"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs, err := decodeLogsResponse(strings.NewReader(tc.body))
			switch {
			case tc.errCode != 0:
				var re rpc.Error
				if !errors.As(err, &re) || re.ErrorCode() != tc.errCode || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want JSON-RPC error %d containing %q", err, tc.errCode, tc.errHas)
				}
				if rg, ok := parseRangeError(err); !ok || rg.suggest != 17 {
					t.Fatalf("range hint not read from %v", err)
				}
			case tc.errHas != "":
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one containing %q", err, tc.errHas)
				}
				if tc.name == "cut short" && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("a cut response must look like a cut connection, got %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case len(logs) != tc.logs:
				t.Fatalf("%d logs, want %d", len(logs), tc.logs)
			}
			for _, l := range logs {
				if l.BlockNumber != 16 || l.Index != 3 || l.BlockTimestamp != 100 || len(l.Topics) != 1 {
					t.Fatalf("log decoded as %+v", l)
				}
			}
		})
	}
}
