package indexer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// logsClient runs eth_getLogs over HTTP and decodes the response as it streams in. go-ethereum's
// client holds a whole response three times over (its read buffer, the raw result, the decoded
// logs) and scans it twice; a backfill range of 10,000 logs is several MB of JSON per fetcher, so
// that was the indexer's largest transient memory and half its CPU. Errors keep go-ethereum's
// types (rpc.HTTPError for a non-2xx status, an rpc.Error for a JSON-RPC error), so retries and
// range splitting treat both clients alike.
type logsClient struct {
	url string
	hc  *http.Client
}

// newLogsClient returns a client for an http(s) endpoint, nil for any other (the caller then uses
// the go-ethereum client).
func newLogsClient(endpoint string) *logsClient {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return &logsClient{url: endpoint, hc: &http.Client{}}
}

// maxErrorBody bounds what is kept of a non-2xx answer, for the error message and range hints.
const maxErrorBody = 64 << 10

func (c *logsClient) getLogs(ctx context.Context, f logFilter) ([]types.Log, error) {
	body, err := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      int    `json:"id"`
		Method  string `json:"method"`
		Params  []any  `json:"params"`
	}{"2.0", 1, "eth_getLogs", []any{f}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody)) // lets the connection be reused
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, rpc.HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: b}
	}
	return decodeLogsResponse(resp.Body)
}

// rpcError is a JSON-RPC error object; it satisfies rpc.Error.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *rpcError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("json-rpc error %d", e.Code)
	}
	return e.Message
}

// ErrorCode returns the JSON-RPC error code.
func (e *rpcError) ErrorCode() int { return e.Code }

var _ rpc.Error = (*rpcError)(nil)

// decodeLogsResponse decodes a JSON-RPC response whose result is an array of logs, one log at a
// time, in whatever order the members come.
func decodeLogsResponse(r io.Reader) ([]types.Log, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var logs []types.Log
	var rerr *rpcError
	result := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decoding eth_getLogs response: %w", err)
		}
		switch key {
		case "result":
			result = true
			tok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("decoding eth_getLogs result: %w", err)
			}
			if tok == nil {
				continue // null: no logs
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return nil, fmt.Errorf("decoding eth_getLogs result: want an array, got %v", tok)
			}
			for dec.More() {
				logs = append(logs, types.Log{})
				if err := dec.Decode(&logs[len(logs)-1]); err != nil {
					return nil, fmt.Errorf("decoding log %d: %w", len(logs)-1, err)
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return nil, err
			}
		case "error":
			rerr = &rpcError{}
			if err := dec.Decode(rerr); err != nil {
				return nil, fmt.Errorf("decoding eth_getLogs error: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("decoding eth_getLogs response: %w", err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	if !result {
		return nil, errors.New("eth_getLogs response has neither result nor error")
	}
	return logs, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // a cut connection, retried like one
		}
		return fmt.Errorf("decoding eth_getLogs response: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("decoding eth_getLogs response: want %v, got %v", want, tok)
	}
	return nil
}
