package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
	"github.com/rahataid/rahat/sms"
)

// TestDevVendorRedemption plays, against `rahat dev` as `make dev` starts it, what a developer
// trying the REST API does: register a beneficiary, distribute to it, create a vendor, then
// redeem as that vendor with the code the beneficiary would receive by SMS (from the dev outbox),
// check the beneficiary's balance by SMS, and settle the vendor's tokens. A vendor created through
// the API holds a new custodial key with no ether: the claim goes through only if `rahat dev`
// funds it for gas.
func TestDevVendorRedemption(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	state := t.TempDir()
	var stdout, stderr syncbuf.Buffer
	devCtx, stopDev := context.WithCancel(ctx)
	exited := make(chan int, 1)
	go func() {
		exited <- Main(devCtx, []string{"dev"}, &stdout, &stderr, append(os.Environ(),
			"RAHAT_DATABASE_URL="+pgtest.NewURL(t), "RAHAT_STATE_DIR="+state, "RAHAT_LOG_FORMAT=json",
			"RAHAT_SERVE_ADDR=127.0.0.1:0", "RAHAT_DEV_CHAIN_ADDR=127.0.0.1:0", "RAHAT_DEV_WORKLOAD=none"))
	}()
	defer func() {
		stopDev()
		if code := <-exited; code != 0 {
			t.Errorf("rahat dev exited %d", code)
		}
		if t.Failed() {
			t.Logf("rahat dev's log:\n%s", stderr.String())
		}
	}()

	// The server's address from its log; the API's project and an operator token from its banner.
	base := servingAddr(t, ctx, &stderr)
	banner := regexp.MustCompile(`api\s+project (0x[0-9a-fA-F]{40}) .*\n\s+token\s+(\S+)`).FindStringSubmatch(stdout.String())
	if banner == nil {
		t.Fatalf("no API project and token in rahat dev's output:\n%s", stdout.String())
	}
	project, operator := banner[1], banner[2]
	api := &apiClient{t: t, ctx: ctx, base: base}

	const beneficiary = "0x1111111111111111111111111111111111111111"
	api.do(operator, "POST", "/v1/beneficiaries", map[string]any{"project": project, "address": beneficiary, "phone": "+9779812345678"}, nil)
	var dist struct {
		ID int64 `json:"id"`
	}
	api.do(operator, "POST", "/v1/distributions", map[string]any{"project": project,
		"allocations": []map[string]string{{"beneficiary": beneficiary, "amount": "500"}}}, &dist)
	var vendor struct {
		ID       int64  `json:"id"`
		Address  string `json:"address"`
		Approved bool   `json:"approved"`
	}
	api.do(operator, "POST", "/v1/vendors", map[string]any{"project": project, "name": "Shop"}, &vendor)
	waitFor(t, ctx, "the distribution to be final", func() bool {
		var d struct{ State string }
		api.do(operator, "GET", fmt.Sprintf("/v1/distributions/%d", dist.ID), nil, &d)
		if d.State == "failed" {
			t.Fatalf("distribution failed")
		}
		return d.State == "final"
	})
	waitFor(t, ctx, "the vendor to be approved", func() bool {
		api.do(operator, "GET", fmt.Sprintf("/v1/vendors/%d", vendor.ID), nil, &vendor)
		return vendor.Approved
	})

	// The vendor's own token, as `rahat token --role vendor` makes it with the dev secret.
	raw, err := os.ReadFile(filepath.Join(state, "dev-secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var secrets struct{ JWT string }
	if err := json.Unmarshal(raw, &secrets); err != nil {
		t.Fatal(err)
	}
	vendorAddr := common.HexToAddress(vendor.Address)
	vendorToken, err := auth.IssueHS256([]byte(secrets.JWT), auth.TokenSpec{Issuer: "rahat", Audience: "rahat-api",
		Roles: []auth.Role{auth.RoleVendor}, Vendor: &vendorAddr, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var claim struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	api.do(vendorToken, "POST", "/v1/vendor/claims", map[string]any{"project": project, "beneficiary": beneficiary, "amount": "100"}, &claim)
	path := fmt.Sprintf("/v1/vendor/claims/%d", claim.ID)
	waitFor(t, ctx, "the claim's code to be sent (the vendor's createClaim mined)", func() bool {
		api.do(vendorToken, "GET", path, nil, &claim)
		return claim.State == "code_sent"
	})
	// The SMS service's queue sends the message a moment after the claim records it.
	var code string
	waitFor(t, ctx, "the claim code in the dev outbox", func() bool {
		var outbox struct {
			Messages []struct{ Kind, Body string }
		}
		api.do("", "GET", "/sms/outbox?format=json", nil, &outbox)
		for _, m := range outbox.Messages {
			if m.Kind == "claim_code" && code == "" {
				code = regexp.MustCompile(`\b[0-9]{6}\b`).FindString(m.Body)
			}
		}
		return code != ""
	})
	// Accepted at once, even if the code's transaction is not mined yet: processClaim waits for it.
	if status := api.try(vendorToken, "POST", path+"/code", map[string]any{"code": code}, nil); status != http.StatusAccepted {
		t.Fatalf("submitting the code: %d", status)
	}
	waitFor(t, ctx, "the claim to be processed", func() bool {
		api.do(vendorToken, "GET", path, nil, &claim)
		if claim.State == "failed" {
			t.Fatalf("claim failed")
		}
		return claim.State == "processed"
	})

	// The beneficiary texts for its balance: 5 RDA allocated (500 units of 2 decimals), 1 claimed.
	// rahat dev's public URL, which Twilio signs, is http:// and serve.addr as configured.
	status, twiml, err := sms.Webhook{URL: base + "/sms/inbound", SignURL: "http://127.0.0.1:0/sms/inbound",
		AuthToken: sms.DevAuthToken, Params: sms.InboundSMS("AC00000000000000000000000000000000", "+9779812345678", "+15005550006", "BAL")}.Do(ctx, http.DefaultClient)
	if err != nil || status != http.StatusOK || !strings.Contains(twiml, "available 4") {
		t.Fatalf("balance by SMS: %d %q %v", status, twiml, err)
	}

	// The vendor hands the token back for cash.
	var settlement struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	api.do(vendorToken, "POST", "/v1/vendor/settlements", map[string]any{"project": project, "amount": "100"}, &settlement)
	waitFor(t, ctx, "the settlement to be final", func() bool {
		api.do(vendorToken, "GET", fmt.Sprintf("/v1/vendor/settlements/%d", settlement.ID), nil, &settlement)
		if settlement.State == "failed" {
			t.Fatalf("settlement failed")
		}
		return settlement.State == "final"
	})
}

// apiClient calls the REST API with a bearer token and decodes JSON answers; any status over 299
// fails the test.
type apiClient struct {
	t    *testing.T
	ctx  context.Context
	base string
	n    int // idempotency keys
}

func (c *apiClient) do(token, method, path string, body, out any) {
	c.t.Helper()
	c.try(token, method, path, body, out)
}

// try is do, but returns the status, and a status in allowed does not fail the test.
func (c *apiClient) try(token, method, path string, body, out any, allowed ...int) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		c.n++
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("dev-test-%d", c.n))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	switch {
	case slices.Contains(allowed, resp.StatusCode):
	case resp.StatusCode > 299:
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	case out != nil:
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// servingAddr waits for the JSON log of an in-process `rahat serve` (or dev) to say where it
// serves, and returns that base URL.
func servingAddr(t *testing.T, ctx context.Context, log *syncbuf.Buffer) string {
	t.Helper()
	var base string
	waitFor(t, ctx, "the server to listen", func() bool {
		sc := bufio.NewScanner(strings.NewReader(log.String()))
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "http serving" {
				base = rec.Addr
			}
		}
		return base != ""
	})
	return base
}

// waitFor polls cond every 100 ms until it holds, or fails the test when ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
