package api_test

import (
	"fmt"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/contracts"
)

// TestCodeHashCannotBeSearched: the hash a claim's code puts on chain is salted with a secret of
// the API's, so trying every code of its length against it finds nothing, while the right code,
// given to the API, still settles the claim (processClaim gets the salted string).
func TestCodeHashCannotBeSearched(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	bens := w.registerBens(w.proj.Project, 1)
	if d := w.waitDistribution(w.distribute([]allocation{{bens[0].addr.Hex(), "500"}}).ID, time.Minute); d.State != "final" {
		t.Fatalf("distribution: %+v", d)
	}
	v := w.registerVendor()
	c := w.createClaim(v, bens[0], "120")
	code := w.code(c, 1)
	if r := w.call(http.MethodPost, fmt.Sprintf("/v1/vendor/claims/%d/code", c.ID), v.tok, map[string]string{"code": code}, idem()...); r.status != http.StatusAccepted {
		t.Fatalf("right code: %d %s", r.status, r.body)
	}
	w.waitClaim(v, c.ID, "processed")

	// The hash the chain holds for the claim (claims(id).otpHash).
	id, ok := new(big.Int).SetString(*c.ClaimID, 10)
	if !ok {
		t.Fatalf("claim id %q", *c.ClaimID)
	}
	data, err := projectABI.Pack("claims", id)
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.client.CallContract(t.Context(), callMsg(w.proj.Project, data), nil)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := projectABI.Unpack("claims", out)
	if err != nil {
		t.Fatal(err)
	}
	var onChain common.Hash
	for _, f := range fields {
		if h, ok := f.([32]byte); ok {
			onChain = h
		}
	}
	var salt []byte
	if err := w.db.QueryRow(t.Context(), `SELECT code_salt FROM api_claims WHERE id = $1`, c.ID).Scan(&salt); err != nil {
		t.Fatal(err)
	}
	if len(salt) != 16 || contracts.OtpHash(contracts.SaltedOtp(code, salt)) != onChain {
		t.Fatalf("on-chain hash %s is not that of the code and its %d-byte salt", onChain, len(salt))
	}
	// What a vendor would do with an unsalted hash: try every code.
	limit := 1
	for range api.DefaultCodeDigits {
		limit *= 10
	}
	for i := range limit {
		if contracts.OtpHash(fmt.Sprintf("%0*d", api.DefaultCodeDigits, i)) == onChain {
			t.Fatalf("code %0*d found by search", api.DefaultCodeDigits, i)
		}
	}
	if a := w.allocation(w.proj.Project, bens[0].addr); a.Cmp(big.NewInt(380)) != 0 {
		t.Fatalf("allocation after the claim: %s", a)
	}
}
