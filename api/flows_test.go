package api_test

import (
	"fmt"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/api/apitest"
	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/chainlogs"
)

// ben is a registered beneficiary.
type ben struct {
	id   int64
	addr common.Address
	tel  string
}

var phoneSeq = int64(10_000_000)

// newBen makes an address and a Nepali mobile number not used before in this process.
func newBen(t *testing.T) ben {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	n := keySeq.Add(1) + phoneSeq
	return ben{addr: crypto.PubkeyToAddress(k.PublicKey), tel: fmt.Sprintf("+97798%08d", n)}
}

// registerBens registers n new beneficiaries in project through the API.
func (w *world) registerBens(project common.Address, n int) []ben {
	w.t.Helper()
	tok := w.token(auth.RoleOperator, nil)
	out := make([]ben, n)
	for i := range out {
		b := newBen(w.t)
		r := w.call(http.MethodPost, "/v1/beneficiaries", tok, map[string]any{"project": project.Hex(), "address": b.addr.Hex(), "phone": b.tel})
		if r.status != http.StatusCreated {
			w.t.Fatalf("registering a beneficiary: %d %s", r.status, r.body)
		}
		var v struct{ ID int64 }
		r.json(w.t, &v)
		b.id = v.ID
		out[i] = b
	}
	return out
}

type vendor struct {
	id   int64
	addr common.Address
	tok  string
}

// registerVendor registers a vendor in the managed project and waits until its approval and
// funding are final.
func (w *world) registerVendor() vendor {
	w.t.Helper()
	r := w.call(http.MethodPost, "/v1/vendors", w.token(auth.RoleAdmin, nil), map[string]any{"project": w.proj.Project.Hex(), "name": "Shop"}, idem()...)
	if r.status != http.StatusCreated {
		w.t.Fatalf("registering a vendor: %d %s", r.status, r.body)
	}
	var v struct {
		ID      int64
		Address string
	}
	r.json(w.t, &v)
	vd := vendor{id: v.ID, addr: common.HexToAddress(v.Address)}
	vd.tok = w.token(auth.RoleVendor, &vd.addr)
	staff := w.token(auth.RoleAdmin, nil)
	eventually(w.t, time.Minute, "vendor set-up final", func() bool {
		var got struct {
			Transactions []struct{ State string }
		}
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendors/%d", vd.id), staff, nil).json(w.t, &got)
		for _, tx := range got.Transactions {
			if tx.State != "final" {
				return false
			}
		}
		return len(got.Transactions) == 2
	})
	return vd
}

type allocation struct {
	Beneficiary string `json:"beneficiary"`
	Amount      string `json:"amount"`
}

func allocs(bens []ben, amount int64) []allocation {
	out := make([]allocation, len(bens))
	for i, b := range bens {
		out[i] = allocation{Beneficiary: b.addr.Hex(), Amount: big.NewInt(amount + int64(i)).String()}
	}
	return out
}

type distribution struct {
	ID            int64
	State         string
	Error         string
	Beneficiaries int
	Total         string
	AddedOnChain  int `json:"added_on_chain"`
	Transactions  []struct {
		ID    int64
		Kind  string
		State string
		Items int
		Error string
	}
}

// distribute posts a distribution and returns its accepted view.
func (w *world) distribute(as []allocation, hdr ...string) distribution {
	w.t.Helper()
	if hdr == nil {
		hdr = idem()
	}
	r := w.call(http.MethodPost, "/v1/distributions", w.token(auth.RoleOperator, nil),
		map[string]any{"project": w.proj.Project.Hex(), "allocations": as}, hdr...)
	if r.status != http.StatusAccepted {
		w.t.Fatalf("distribution: %d %s", r.status, r.body)
	}
	var d distribution
	r.json(w.t, &d)
	return d
}

// waitDistribution waits for a distribution to end and returns it.
func (w *world) waitDistribution(id int64, d time.Duration) distribution {
	w.t.Helper()
	var got distribution
	tok := w.token(auth.RoleOperator, nil)
	eventually(w.t, d, fmt.Sprintf("distribution %d to end", id), func() bool {
		got = distribution{}
		w.call(http.MethodGet, fmt.Sprintf("/v1/distributions/%d", id), tok, nil).json(w.t, &got)
		return got.State == "final" || got.State == "failed"
	})
	return got
}

// allocation reads a beneficiary's allocation on chain.
func (w *world) allocation(project, addr common.Address) *big.Int {
	w.t.Helper()
	data, err := projectABI.Pack("allocation", addr)
	if err != nil {
		w.t.Fatal(err)
	}
	out, err := w.client.CallContract(w.t.Context(), callMsg(project, data), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return new(big.Int).SetBytes(out)
}

var projectABI = func() abi.ABI {
	a, err := contracts.ABI(contracts.RahatProject)
	if err != nil {
		panic(err)
	}
	return a
}()

func callMsg(to common.Address, data []byte) ethereum.CallMsg {
	return ethereum.CallMsg{To: &to, Data: data}
}

type claim struct {
	ID            int64
	State         string
	Error         string
	ClaimID       *string `json:"claim_id"`
	AttemptsLeft  int     `json:"attempts_left"`
	CodesLeft     int     `json:"codes_left"`
	CodeExpiresAt *string `json:"code_expires_at"`
	Transactions  []struct {
		ID    int64
		Kind  string
		State string
	}
}

// createClaim asks for amount of b's allocation as v and waits until the code is sent.
func (w *world) createClaim(v vendor, b ben, amount string) claim {
	w.t.Helper()
	r := w.call(http.MethodPost, "/v1/vendor/claims", v.tok, map[string]any{"project": w.proj.Project.Hex(),
		"beneficiary": b.addr.Hex(), "amount": amount}, idem()...)
	if r.status != http.StatusAccepted {
		w.t.Fatalf("claim: %d %s", r.status, r.body)
	}
	var c claim
	r.json(w.t, &c)
	return w.waitClaim(v, c.ID, "code_sent")
}

// waitClaim waits until the claim is in state (or failed) and the code's transaction is mined.
func (w *world) waitClaim(v vendor, id int64, state string) claim {
	w.t.Helper()
	var c claim
	eventually(w.t, time.Minute, fmt.Sprintf("claim %d to be %s", id, state), func() bool {
		c = claim{}
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/claims/%d", id), v.tok, nil).json(w.t, &c)
		if c.State == "failed" && state != "failed" {
			w.t.Fatalf("claim failed: %+v", c)
		}
		if c.State != state {
			return false
		}
		if state == "code_sent" { // the code works once its hash is on chain
			for _, tx := range c.Transactions {
				if tx.Kind == "claim_otp" && tx.State != "mined" && tx.State != "final" {
					return false
				}
			}
		}
		return true
	})
	return c
}

// code reads the code the SMS sender was given for a claim.
func (w *world) code(c claim, attempt int) string {
	w.t.Helper()
	code, err := apitest.Code(w.t.Context(), w.db, fmt.Sprint(c.ID), attempt)
	if err != nil {
		w.t.Fatalf("reading the code of claim %d: %v", c.ID, err)
	}
	return code
}

// seedBens registers n beneficiaries of project straight into the registry (as the API would,
// hashed and sealed), for tests that need many.
func (w *world) seedBens(project common.Address, n int) []ben {
	w.t.Helper()
	out := make([]ben, n)
	rows := make([][]any, n)
	for i := range out {
		b := newBen(w.t)
		hash, err := w.hasher.Hash(b.tel)
		if err != nil {
			w.t.Fatal(err)
		}
		sealed, err := w.box.Seal(b.tel)
		if err != nil {
			w.t.Fatal(err)
		}
		out[i], rows[i] = b, []any{int64(devchain.ChainID), project.Bytes(), b.addr.Bytes(), hash, sealed, "en"}
	}
	if _, err := w.db.CopyFrom(w.t.Context(), pgx.Identifier{"reg_beneficiaries"},
		[]string{"chain_id", "project", "address", "phone_hash", "phone_enc", "language"}, pgx.CopyFromRows(rows)); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// allocatedLogs counts the TokensAllocated logs of project per beneficiary from block from on.
// It reads block by block, by hash: a range answer of go-ethereum's log index can miss a busy
// block it has just indexed (see internal/chainlogs).
func (w *world) allocatedLogs(project common.Address, from uint64) map[common.Address]int {
	w.t.Helper()
	logs, err := chainlogs.ByBlocks(w.t.Context(), w.client, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from),
		Addresses: []common.Address{project}, Topics: [][]common.Hash{{projectABI.Events["TokensAllocated"].ID}}})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[common.Address]int{}
	for _, l := range logs {
		out[common.BytesToAddress(l.Topics[2].Bytes())]++
	}
	return out
}
