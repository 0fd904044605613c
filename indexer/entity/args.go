package entity

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
)

// arg finds an event parameter by its ABI name or, for unnamed parameters, by position. The
// indexer keys unnamed parameters "param<i>" as TheGraph does; other decoders use "arg<i>" or "".
func arg(ev *indexer.Event, name string, pos int) (any, error) {
	if name != "" {
		if v, ok := ev.Args[name]; ok {
			return v, nil
		}
	}
	p := strconv.Itoa(pos)
	for _, k := range []string{"param" + p, "arg" + p, "_" + p} {
		if v, ok := ev.Args[k]; ok {
			return v, nil
		}
	}
	if name == "" {
		if v, ok := ev.Args[""]; ok && len(ev.Args) == 1 {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s.%s at %d/%d: no parameter %q (position %d)", ev.Contract, ev.Name, ev.BlockNumber, ev.LogIndex, name, pos)
}

func addrArg(ev *indexer.Event, name string, pos int) (common.Address, error) {
	v, err := arg(ev, name, pos)
	if err != nil {
		return common.Address{}, err
	}
	switch a := v.(type) {
	case common.Address:
		return a, nil
	case *common.Address:
		if a != nil {
			return *a, nil
		}
	case []byte:
		if len(a) == common.AddressLength {
			return common.BytesToAddress(a), nil
		}
	}
	return common.Address{}, fmt.Errorf("%s.%s parameter %q: %T is not an address", ev.Contract, ev.Name, name, v)
}

func bigArg(ev *indexer.Event, name string, pos int) (*big.Int, error) {
	v, err := arg(ev, name, pos)
	if err != nil {
		return nil, err
	}
	if b := schema.ToBig(v); b != nil {
		return b, nil
	}
	return nil, fmt.Errorf("%s.%s parameter %q: %T is not an integer", ev.Contract, ev.Name, name, v)
}

func boolArg(ev *indexer.Event, name string, pos int) (bool, error) {
	v, err := arg(ev, name, pos)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s.%s parameter %q: %T is not a bool", ev.Contract, ev.Name, name, v)
	}
	return b, nil
}

func hashArg(ev *indexer.Event, name string, pos int) (common.Hash, error) {
	v, err := arg(ev, name, pos)
	if err != nil {
		return common.Hash{}, err
	}
	switch h := v.(type) {
	case [32]byte:
		return h, nil
	case common.Hash:
		return h, nil
	case []byte:
		if len(h) == common.HashLength {
			return common.BytesToHash(h), nil
		}
	}
	return common.Hash{}, fmt.Errorf("%s.%s parameter %q: %T is not a bytes32", ev.Contract, ev.Name, name, v)
}

// num encodes an amount for Postgres numeric; nil is NULL.
func num(b *big.Int) pgtype.Numeric {
	if b == nil {
		return pgtype.Numeric{}
	}
	return pgtype.Numeric{Int: b, Valid: true}
}

// toBig converts a scanned numeric holding an integer to a *big.Int (nil for NULL).
func toBig(n pgtype.Numeric) (*big.Int, error) {
	if !n.Valid {
		return nil, nil
	}
	if n.NaN || n.InfinityModifier != pgtype.Finite {
		return nil, fmt.Errorf("numeric %v is not an integer", n)
	}
	out := new(big.Int).Set(n.Int)
	switch {
	case n.Exp > 0:
		out.Mul(out, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil))
	case n.Exp < 0:
		d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n.Exp)), nil)
		var rem big.Int
		out.QuoRem(out, d, &rem)
		if rem.Sign() != 0 {
			return nil, fmt.Errorf("numeric %se%d is not an integer", n.Int, n.Exp)
		}
	}
	return out, nil
}

// addrBytes returns a's bytes, or nil (NULL) for nil.
func addrBytes(a *common.Address) []byte {
	if a == nil {
		return nil
	}
	return a.Bytes()
}

// bytesAddr is the inverse of addrBytes.
func bytesAddr(b []byte) *common.Address {
	if b == nil {
		return nil
	}
	a := common.BytesToAddress(b)
	return &a
}

func add(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
func sub(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
