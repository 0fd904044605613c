package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/ethclient"
)

// ErrUnknownRevert is returned for revert data that matches no error of the embedded ABIs.
var ErrUnknownRevert = errors.New("unknown revert")

// Revert is a decoded revert: a custom error of one of the contracts (NotAdmin, InvalidOtp, ...), or the
// built-in Error(string) and Panic(uint256).
type Revert struct {
	// Name is the error's name, e.g. "InsufficientBudget".
	Name string
	// Args are the error's arguments in declaration order (common.Address, *big.Int, bool, string, ...).
	Args []any
	// ArgNames are the declared names of Args.
	ArgNames []string
}

// String renders the revert as Name(arg=value, ...).
func (r Revert) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('(')
	for i, a := range r.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		if i < len(r.ArgNames) && r.ArgNames[i] != "" {
			b.WriteString(r.ArgNames[i])
			b.WriteByte('=')
		}
		fmt.Fprint(&b, a)
	}
	b.WriteByte(')')
	return b.String()
}

var (
	errorStringSelector = []byte{0x08, 0xc3, 0x79, 0xa0} // Error(string)
	panicSelector       = []byte{0x4e, 0x48, 0x7b, 0x71} // Panic(uint256)
)

// DecodeRevert decodes the data of a reverted call or transaction against the errors of every embedded ABI.
func DecodeRevert(data []byte) (Revert, error) {
	if len(data) < 4 {
		return Revert{}, fmt.Errorf("%w: %d bytes of data", ErrUnknownRevert, len(data))
	}
	sel, body := data[:4], data[4:]
	switch {
	case bytes.Equal(sel, errorStringSelector):
		msg, err := abi.UnpackRevert(data)
		if err != nil {
			return Revert{}, fmt.Errorf("decoding Error(string): %w", err)
		}
		return Revert{Name: "Error", Args: []any{msg}, ArgNames: []string{"message"}}, nil
	case bytes.Equal(sel, panicSelector):
		if len(body) != 32 {
			return Revert{}, fmt.Errorf("%w: malformed Panic(uint256)", ErrUnknownRevert)
		}
		return Revert{Name: "Panic", Args: []any{new(big.Int).SetBytes(body)}, ArgNames: []string{"code"}}, nil
	}
	for _, name := range Names() {
		a, err := ABI(name)
		if err != nil {
			return Revert{}, err
		}
		for _, e := range a.Errors {
			if !bytes.Equal(e.ID[:4], sel) {
				continue
			}
			args, err := e.Inputs.Unpack(body)
			if err != nil {
				return Revert{}, fmt.Errorf("decoding %s: %w", e.Sig, err)
			}
			names := make([]string, len(e.Inputs))
			for i, in := range e.Inputs {
				names[i] = in.Name
			}
			return Revert{Name: e.Name, Args: args, ArgNames: names}, nil
		}
	}
	return Revert{}, fmt.Errorf("%w: selector %x", ErrUnknownRevert, sel)
}

// RevertOf extracts and decodes the revert carried by an error from a JSON-RPC call, a gas estimate or a
// bound contract method (go-ethereum passes the node's revert data through as rpc.DataError). It reports
// false when err carries no revert data that an embedded ABI explains.
func RevertOf(err error) (Revert, bool) {
	data, ok := ethclient.RevertErrorData(err)
	if !ok {
		return Revert{}, false
	}
	r, derr := DecodeRevert(data)
	if derr != nil {
		return Revert{}, false
	}
	return r, true
}
