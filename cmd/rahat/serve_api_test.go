package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
	"github.com/rahataid/rahat/workload"
)

// TestServeVendorKeys runs `rahat index` and `rahat serve` as a deployment does (keys from a
// keystore directory and the environment, no dev defaults) and creates a vendor through the REST
// API: its custodial key goes to the database, not to the keystore directory, the funder pays its
// gas, and the vendor's claim, signed with that key, goes through with the code the beneficiary
// was texted (through a local server speaking Twilio's Messages API).
func TestServeVendorKeys(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	chain, err := devchain.Start(ctx, devchain.Config{BlockInterval: 200 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	keys := chain.Keys()
	dep, err := workload.Deploy(ctx, chain.Client(), keys[0], workload.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	operator, otp, funder := keys[1], keys[2], keys[3]
	p, err := workload.DeployProject(ctx, chain.Client(), chain.ChainID(), keys[0], dep.Treasury, dep.ProjectFactory,
		addrOf(operator), addrOf(otp), "Serve API project", "RSA", big.NewInt(1_000_000))
	if err != nil {
		t.Fatal(err)
	}

	// The fixed keys as an operator provides them: keystore files (light scrypt, for speed).
	dir := filepath.Join(t.TempDir(), "keystore")
	ks := keystore.NewKeyStore(dir, keystore.LightScryptN, keystore.LightScryptP)
	for _, k := range []*ecdsa.PrivateKey{operator, otp, funder} {
		if _, err := ks.ImportECDSA(k, "keystore-pw"); err != nil {
			t.Fatal(err)
		}
	}
	files := func() int {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	// Twilio, as a local server speaking its Messages API: it keeps the texts sent.
	var texts syncbuf.Buffer
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") || r.ParseForm() != nil {
			http.Error(w, `{"code": 20404, "message": "not found"}`, http.StatusNotFound)
			return
		}
		_, _ = texts.Write([]byte(r.PostForm.Get("Body") + "\n"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"sid": "SM%032d", "status": "queued", "to": %q, "num_segments": "1"}`, len(texts.String()), r.PostForm.Get("To"))
	}))
	t.Cleanup(twilio.Close)
	secret := strings.Repeat("s", 32)
	url := pgtest.NewURL(t)
	env := append(os.Environ(), "RAHAT_DATABASE_URL="+url, "RAHAT_STATE_DIR="+t.TempDir(), "RAHAT_LOG_FORMAT=json",
		"RAHAT_SERVE_ADDR=127.0.0.1:0",
		"RAHAT_KEYS_KEYSTORE="+dir, "RAHAT_KEYSTORE_PASSWORD=keystore-pw",
		"RAHAT_KEYS_OPERATOR="+addrOf(operator).Hex(), "RAHAT_KEYS_OTP_SERVER="+addrOf(otp).Hex(),
		"RAHAT_KEYS_FUNDER="+addrOf(funder).Hex(), "RAHAT_KEYS_VENDOR_FUNDING_WEI=1000000000000000000",
		"RAHAT_JWT_SECRET="+secret, "RAHAT_PHONE_HASH_KEY="+hex.EncodeToString(make([]byte, 32)),
		"RAHAT_PHONE_ENC_KEY="+strings.Repeat("01", 32), "RAHAT_SMS_PUBLIC_URL=http://127.0.0.1:1",
		"RAHAT_SMS_TWILIO_ACCOUNT_SID=AC"+strings.Repeat("0", 32), "RAHAT_SMS_TWILIO_AUTH_TOKEN=twiliotoken",
		"RAHAT_SMS_TWILIO_FROM=+15005550006", "RAHAT_SMS_TWILIO_BASE_URL="+twilio.URL,
		"RAHAT_TX_CONFIRMATIONS=2", "RAHAT_TX_POLL_INTERVAL=200ms")
	cfgPath := writeFailoverConfig(t, chain, dep)
	var serveLog syncbuf.Buffer
	for _, cmd := range []string{"index", "serve"} {
		procCtx, stop := context.WithCancel(ctx)
		exited := make(chan int, 1)
		log := io.Writer(io.Discard)
		if cmd == "serve" {
			log = &serveLog
		}
		go func() { exited <- Main(procCtx, []string{cmd, "--config", cfgPath}, io.Discard, log, env) }()
		defer func() {
			stop()
			if code := <-exited; code != 0 {
				t.Errorf("rahat %s exited %d", cmd, code)
			}
		}()
	}
	defer func() {
		if t.Failed() {
			t.Logf("rahat serve's log:\n%s", serveLog.String())
		}
	}()
	base := servingAddr(t, ctx, &serveLog)
	opToken, err := auth.IssueHS256([]byte(secret), auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	api := &apiClient{t: t, ctx: ctx, base: base}
	project := p.Project.Hex()

	const beneficiary = "0x3333333333333333333333333333333333333333"
	waitFor(t, ctx, "the project to be indexed", func() bool {
		return api.try(opToken, "POST", "/v1/beneficiaries", map[string]any{"project": project, "address": beneficiary, "phone": "+9779812345671"},
			nil, http.StatusUnprocessableEntity) == http.StatusCreated
	})
	api.do(opToken, "POST", "/v1/distributions", map[string]any{"project": project,
		"allocations": []map[string]string{{"beneficiary": beneficiary, "amount": "500"}}}, nil)
	var vendor struct {
		ID       int64  `json:"id"`
		Address  string `json:"address"`
		Approved bool   `json:"approved"`
	}
	api.do(opToken, "POST", "/v1/vendors", map[string]any{"project": project, "name": "Shop"}, &vendor)
	db := openPool(t, ctx, url)
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM keyring_keys WHERE address = $1`, common.HexToAddress(vendor.Address).Bytes()).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("the vendor's key in keyring_keys: %d rows (%v)", stored, err)
	}
	if n := files(); n != 3 {
		t.Fatalf("%d files in the keystore directory, want the 3 fixed keys alone", n)
	}
	waitFor(t, ctx, "the vendor to be approved", func() bool {
		api.do(opToken, "GET", fmt.Sprintf("/v1/vendors/%d", vendor.ID), nil, &vendor)
		return vendor.Approved
	})

	vendorAddr := common.HexToAddress(vendor.Address)
	vendorToken, err := auth.IssueHS256([]byte(secret), auth.TokenSpec{Roles: []auth.Role{auth.RoleVendor}, Vendor: &vendorAddr, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var claim struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	waitFor(t, ctx, "the allocation, to claim against", func() bool {
		return api.try(vendorToken, "POST", "/v1/vendor/claims", map[string]any{"project": project, "beneficiary": beneficiary, "amount": "100"},
			&claim, 409, 422) == 202
	})
	waitFor(t, ctx, "the vendor's createClaim to be mined (its key read from the database, its gas from the funder)", func() bool {
		api.do(vendorToken, "GET", fmt.Sprintf("/v1/vendor/claims/%d", claim.ID), nil, &claim)
		if claim.State == "failed" {
			t.Fatalf("claim failed")
		}
		return claim.State == "code_sent"
	})
	// The beneficiary's text, through Twilio; the vendor types its code.
	var code string
	waitFor(t, ctx, "the code's text", func() bool {
		code = regexp.MustCompile(`\b[0-9]{6}\b`).FindString(texts.String())
		return code != ""
	})
	path := fmt.Sprintf("/v1/vendor/claims/%d", claim.ID)
	waitFor(t, ctx, "the code to be accepted", func() bool {
		return api.try(vendorToken, "POST", path+"/code", map[string]any{"code": code}, nil, http.StatusConflict) != http.StatusConflict
	})
	waitFor(t, ctx, "the claim to be processed", func() bool {
		api.do(vendorToken, "GET", path, nil, &claim)
		return claim.State == "processed"
	})
}

func addrOf(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }
