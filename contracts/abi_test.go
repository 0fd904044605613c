package contracts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/contracts/bindings"
)

// wantEventInterface is the event interface of issue 3, literally: dashboards' subgraph queries depend on
// every name, type and indexed flag. Parameters without a name are written with none.
var wantEventInterface = map[string][]string{
	contracts.RahatToken: {
		"Approval(address indexed owner, address indexed spender, uint256 value)",
		"OwnerAdded(address indexed)",
		"OwnerRemoved(address indexed)",
		"Transfer(address indexed from, address indexed to, uint256 value)",
	},
	contracts.RahatTreasury: {
		"TokenCreated(address indexed tokenAddress)",
		"TokenMintedAndApproved(address indexed tokenAddress, address indexed approveAddress, uint256 amount)",
		"TokenMintedAndSent(address indexed tokenAddress, address indexed receiverAddress, uint256 amount)",
	},
	contracts.RahatProjectFactory: {
		"ProjectCreated(address indexed projectAddress, address indexed tokenAddress, string name)",
	},
	contracts.RahatProject: {
		"BeneficiaryAdded(address indexed)",
		"BeneficiaryRemoved(address indexed)",
		"ClaimCreated(uint256 indexed claimId, address indexed claimer, address indexed claimee, address token, address otpServer, uint256 amount)",
		"ClaimProcessed(address indexed beneficiary, address indexed claimer, address indexed token, uint256 amount)",
		"ClaimerUpdated(address indexed claimer, bool approved)",
		"OfflineClaimProcessed(address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount)",
		"OtpAdded(address indexed beneficiary, address indexed tokenAddress, uint256 amount, bytes32 otpHash)",
		"OtpVerified(address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount)",
		"TokenBudgetIncrease(address indexed tokenAddress, uint256 amount)",
		"TokenRedeem(address indexed vendorAddress, address indexed tokenAddress, uint256 amount)",
		"TokensAllocated(address indexed token, address indexed beneficiary, uint256 amount)",
		"TokensDisbursed(address indexed token, address indexed beneficiary, uint256 amount)",
		"WalkInBeneficiaryAdded(address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount)",
	},
}

// abiEntry is one entry of a raw ABI; the test reads the JSON itself because go-ethereum's parser renames
// unnamed parameters (to arg0, ...), and the names in the artifact are what generated schemas see.
type abiEntry struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Anonymous bool   `json:"anonymous"`
	Inputs    []struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Indexed bool   `json:"indexed"`
	} `json:"inputs"`
}

// declarations renders the events of a raw ABI the way Solidity declares them.
func declarations(t *testing.T, raw []byte) []string {
	t.Helper()
	var entries []abiEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("decoding ABI: %v", err)
	}
	var out []string
	for _, e := range entries {
		if e.Type != "event" {
			continue
		}
		parts := make([]string, len(e.Inputs))
		for i, in := range e.Inputs {
			p := in.Type
			if in.Indexed {
				p += " indexed"
			}
			if in.Name != "" {
				p += " " + in.Name
			}
			parts[i] = p
		}
		anon := ""
		if e.Anonymous {
			anon = " anonymous"
		}
		out = append(out, fmt.Sprintf("%s(%s)%s", e.Name, strings.Join(parts, ", "), anon))
	}
	slices.Sort(out)
	return out
}

func TestEventInterface(t *testing.T) {
	t.Parallel()
	if got, want := contracts.Names(), slices.Sorted(maps.Keys(wantEventInterface)); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for name, want := range wantEventInterface {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := contracts.Artifact(name)
			if err != nil {
				t.Fatal(err)
			}
			got := declarations(t, c.ABIJSON)
			if !slices.Equal(got, want) {
				t.Fatalf("events of %s differ\n got:\n  %s\nwant:\n  %s", name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestBindingsMatchArtifacts catches bindings regenerated from other artifacts (or not regenerated at all).
// The full byte-for-byte check against the sources is `bash contracts/build.sh --check`.
func TestBindingsMatchArtifacts(t *testing.T) {
	t.Parallel()
	metas := map[string]*bind.MetaData{
		contracts.RahatToken:          bindings.RahatTokenMetaData,
		contracts.RahatTreasury:       bindings.RahatTreasuryMetaData,
		contracts.RahatProjectFactory: bindings.RahatProjectFactoryMetaData,
		contracts.RahatProject:        bindings.RahatProjectMetaData,
	}
	for name, meta := range metas {
		c, err := contracts.Artifact(name)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := common.FromHex(meta.Bin), c.Bytecode; !bytes.Equal(got, want) {
			t.Errorf("%s: binding bytecode differs from the artifact; run make contracts", name)
		}
		if !sameJSON(t, []byte(meta.ABI), c.ABIJSON) {
			t.Errorf("%s: binding ABI differs from the artifact; run make contracts", name)
		}
		if len(c.DeployedBytecode) == 0 || len(c.DeployedBytecode) > 24576 {
			t.Errorf("%s: deployed bytecode is %d bytes, want 1..24576 (EIP-170)", name, len(c.DeployedBytecode))
		}
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}

func TestArtifactUnknown(t *testing.T) {
	t.Parallel()
	if _, err := contracts.Artifact("Nope"); !errors.Is(err, contracts.ErrUnknownContract) {
		t.Fatalf("Artifact(Nope) error = %v, want ErrUnknownContract", err)
	}
	if _, err := contracts.ABI("Nope"); !errors.Is(err, contracts.ErrUnknownContract) {
		t.Fatalf("ABI(Nope) error = %v, want ErrUnknownContract", err)
	}
}

func TestEventsByTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig      string
		contract string
		event    string
	}{
		{"Transfer(address,address,uint256)", contracts.RahatToken, "Transfer"},
		{"TokenCreated(address)", contracts.RahatTreasury, "TokenCreated"},
		{"ProjectCreated(address,address,string)", contracts.RahatProjectFactory, "ProjectCreated"},
		{"ClaimCreated(uint256,address,address,address,address,uint256)", contracts.RahatProject, "ClaimCreated"},
		{"BeneficiaryAdded(address)", contracts.RahatProject, "BeneficiaryAdded"},
	}
	for _, tt := range tests {
		got := contracts.EventsByTopic(common.BytesToHash(keccak(tt.sig)))
		if len(got) != 1 || got[0].Contract != tt.contract || got[0].Event.Name != tt.event {
			t.Errorf("EventsByTopic(%s) = %+v, want %s.%s", tt.sig, got, tt.contract, tt.event)
		}
	}
	if got := contracts.EventsByTopic(common.Hash{1}); len(got) != 0 {
		t.Errorf("EventsByTopic(unknown) = %+v, want none", got)
	}
}

func TestDecodeRevert(t *testing.T) {
	t.Parallel()
	a, err := contracts.ABI(contracts.RahatProject)
	if err != nil {
		t.Fatal(err)
	}
	pack := func(name string, args ...any) []byte {
		e := a.Errors[name]
		data, err := e.Inputs.Pack(args...)
		if err != nil {
			t.Fatal(err)
		}
		return append(e.ID[:4:4], data...)
	}
	errString, _ := abi.Arguments{{Type: mustNewType(t, "string")}}.Pack("boom")
	panicArg, _ := abi.Arguments{{Type: mustNewType(t, "uint256")}}.Pack(bn(0x11))
	tests := []struct {
		name string
		data []byte
		want string
		err  error
	}{
		{"custom", pack("InsufficientBudget", bn(5), bn(10)), "InsufficientBudget(available=5, required=10)", nil},
		{"no args", pack("OtpServerNotSet"), "OtpServerNotSet()", nil},
		{"Error(string)", append(common.FromHex("0x08c379a0"), errString...), "Error(message=boom)", nil},
		{"Panic", append(common.FromHex("0x4e487b71"), panicArg...), "Panic(code=17)", nil},
		{"unknown", common.FromHex("0xdeadbeef"), "", contracts.ErrUnknownRevert},
		{"short", []byte{1}, "", contracts.ErrUnknownRevert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := contracts.DecodeRevert(tt.data)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if err == nil && r.String() != tt.want {
				t.Fatalf("got %s, want %s", r, tt.want)
			}
		})
	}
}

func mustNewType(t *testing.T, s string) abi.Type {
	t.Helper()
	typ, err := abi.NewType(s, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// TestErrorSelectorsUnambiguous checks that an error selector means the same error, with the same argument
// names, in every contract, so DecodeRevert needs no hint about which contract reverted.
func TestErrorSelectorsUnambiguous(t *testing.T) {
	t.Parallel()
	seen := map[[4]byte]string{}
	for _, name := range contracts.Names() {
		a, err := contracts.ABI(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range a.Errors {
			var sel [4]byte
			copy(sel[:], e.ID[:4])
			var names []string
			for _, in := range e.Inputs {
				names = append(names, in.Name)
			}
			desc := e.Sig + " " + strings.Join(names, ",")
			if prev, ok := seen[sel]; ok && prev != desc {
				t.Errorf("selector %x: %s in %s, but %s elsewhere", sel, desc, name, prev)
			}
			seen[sel] = desc
		}
	}
}
