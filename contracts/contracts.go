package contracts

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// The names of the contracts that have artifacts and bindings.
const (
	RahatToken          = "RahatToken"
	RahatTreasury       = "RahatTreasury"
	RahatProjectFactory = "RahatProjectFactory"
	RahatProject        = "RahatProject"
)

// ErrUnknownContract is returned for a contract name that has no artifact.
var ErrUnknownContract = errors.New("unknown contract")

//go:embed artifacts/*.json
var artifactFiles embed.FS

// Contract is one compiled contract: its ABI (parsed and as JSON) and its bytecode.
type Contract struct {
	// Name is the contract's Solidity name, e.g. "RahatProject".
	Name string
	// ABI is the parsed ABI; every call to Artifact parses a fresh copy, so callers may keep it.
	ABI abi.ABI
	// ABIJSON is the ABI exactly as in the artifact.
	ABIJSON json.RawMessage
	// Bytecode is the creation code (constructor arguments are appended to it when deploying).
	Bytecode []byte
	// DeployedBytecode is the runtime code that eth_getCode returns after deployment.
	DeployedBytecode []byte
}

// artifactJSON is the file format that build.mjs writes.
type artifactJSON struct {
	ContractName     string          `json:"contractName"`
	ABI              json.RawMessage `json:"abi"`
	Bytecode         hexutil.Bytes   `json:"bytecode"`
	DeployedBytecode hexutil.Bytes   `json:"deployedBytecode"`
}

// artifacts reads and checks every embedded artifact once.
var artifacts = sync.OnceValues(func() (map[string]artifactJSON, error) {
	entries, err := artifactFiles.ReadDir("artifacts")
	if err != nil {
		return nil, fmt.Errorf("listing embedded artifacts: %w", err)
	}
	out := make(map[string]artifactJSON, len(entries))
	for _, e := range entries {
		raw, err := artifactFiles.ReadFile(path.Join("artifacts", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading artifact %s: %w", e.Name(), err)
		}
		var a artifactJSON
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("decoding artifact %s: %w", e.Name(), err)
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); a.ContractName != want {
			return nil, fmt.Errorf("artifact %s names contract %q", e.Name(), a.ContractName)
		}
		if _, err := abi.JSON(bytes.NewReader(a.ABI)); err != nil {
			return nil, fmt.Errorf("parsing ABI of %s: %w", a.ContractName, err)
		}
		out[a.ContractName] = a
	}
	return out, nil
})

// Names returns the names of all embedded contracts, sorted.
func Names() []string {
	all, err := artifacts()
	if err != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(all))
}

// Artifact returns the compiled contract called name.
func Artifact(name string) (Contract, error) {
	all, err := artifacts()
	if err != nil {
		return Contract{}, err
	}
	a, ok := all[name]
	if !ok {
		return Contract{}, fmt.Errorf("%w %q", ErrUnknownContract, name)
	}
	parsed, err := abi.JSON(bytes.NewReader(a.ABI))
	if err != nil {
		return Contract{}, fmt.Errorf("parsing ABI of %s: %w", name, err)
	}
	return Contract{
		Name:             name,
		ABI:              parsed,
		ABIJSON:          bytes.Clone(a.ABI),
		Bytecode:         bytes.Clone(a.Bytecode),
		DeployedBytecode: bytes.Clone(a.DeployedBytecode),
	}, nil
}

// ABI returns the parsed ABI of the contract called name.
func ABI(name string) (abi.ABI, error) {
	c, err := Artifact(name)
	if err != nil {
		return abi.ABI{}, err
	}
	return c.ABI, nil
}

// ContractEvent is an event together with the contract that declares it.
type ContractEvent struct {
	Contract string
	Event    abi.Event
}

// EventsByTopic returns every embedded event whose signature hash is topic0, ordered by contract name.
// Event names and even signatures may repeat across contracts, so callers that know the emitting contract
// should prefer it.
func EventsByTopic(topic0 common.Hash) []ContractEvent {
	var out []ContractEvent
	for _, name := range Names() {
		a, err := ABI(name)
		if err != nil {
			continue
		}
		for _, ev := range a.Events {
			if ev.ID == topic0 {
				out = append(out, ContractEvent{Contract: name, Event: ev})
			}
		}
	}
	return out
}
