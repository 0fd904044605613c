package schema

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5/pgtype"
)

func TestSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"RahatTreasury":          "rahat_treasury",
		"TokenMintedAndSent":     "token_minted_and_sent",
		"tokenAddress":           "token_address",
		"OTPHash":                "otp_hash",
		"ERC20Token":             "erc20_token",
		"claimId":                "claim_id",
		"_amount":                "amount",
		"a__b":                   "a_b",
		"WalkInBeneficiaryAdded": "walk_in_beneficiary_added",
		"from":                   "from",
	} {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentLimit(t *testing.T) {
	t.Parallel()
	long := "evt_" + strings.Repeat("very_long_contract_name_", 3) + "event"
	a, b := Ident(long), Ident(long+"2")
	if len(a) != MaxIdentLen || a == b || Ident(a) != a {
		t.Fatalf("Ident(%q) = %q (%d bytes), Ident(+2) = %q", long, a, len(a), b)
	}
	if got := TableName("RahatProject", "TokensAllocated"); got != "evt_rahat_project_tokens_allocated" {
		t.Fatalf("TableName = %q", got)
	}
}

const testABI = `[
 {"type":"event","name":"Thing","anonymous":false,"inputs":[
  {"name":"","type":"address","indexed":true},
  {"name":"blockNumber","type":"uint64","indexed":false},
  {"name":"block_number","type":"uint8","indexed":false},
  {"name":"tag","type":"string","indexed":true},
  {"name":"ids","type":"uint256[]","indexed":false},
  {"name":"who","type":"address[2]","indexed":false},
  {"name":"code","type":"bytes32","indexed":false},
  {"name":"pair","type":"tuple","indexed":false,"components":[{"name":"a","type":"int8"},{"name":"b","type":"bytes"}]}
 ]},
 {"type":"event","name":"Anon","anonymous":true,"inputs":[]}
]`

func TestTableFromABI(t *testing.T) {
	t.Parallel()
	a, err := abi.JSON(strings.NewReader(testABI))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := ForContract("MyContract", &a)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1 (anonymous events are skipped)", len(tables))
	}
	tb := tables[0]
	var got []string
	for _, c := range tb.Params() {
		got = append(got, c.Name+":"+c.SQLType)
	}
	want := "arg0:bytea block_number_1:numeric block_number_2:numeric tag:bytea ids:numeric[] who:bytea[] code:bytea pair:jsonb"
	if strings.Join(got, " ") != want {
		t.Fatalf("columns\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if !tb.Params()[3].Hashed || tb.Params()[0].Key != "arg0" || tb.Params()[1].Key != "blockNumber" {
		t.Fatalf("column details wrong: %+v", tb.Params())
	}

	// Round trip: pack a log, decode it, convert to pg values and Args.
	ev := a.Events["Thing"]
	who := [2]common.Address{common.HexToAddress("0x01"), common.HexToAddress("0x02")}
	pair := struct {
		A int8   `json:"a"`
		B []byte `json:"b"`
	}{-3, []byte{0xab}}
	data, err := ev.Inputs.NonIndexed().Pack(uint64(7), uint8(9), []*big.Int{big.NewInt(1), big.NewInt(2)}, who, [32]byte{1}, pair)
	if err != nil {
		t.Fatal(err)
	}
	tagHash := common.HexToHash("0xfeed")
	l := &types.Log{Topics: []common.Hash{ev.ID, common.BytesToHash(common.HexToAddress("0xaa").Bytes()), tagHash}, Data: data}
	vals, err := tb.Decode(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tb.Params() {
		pv, err := c.PGValue(vals[c.Name])
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		switch c.Name {
		case "block_number_1":
			if n := pv.(pgtype.Numeric); n.Int.Int64() != 7 {
				t.Errorf("block_number_1 = %v", n.Int)
			}
			if c.ArgValue(vals[c.Name]).(*big.Int).Int64() != 7 {
				t.Errorf("Args blockNumber not a *big.Int 7")
			}
		case "tag":
			if common.BytesToHash(pv.([]byte)) != tagHash {
				t.Errorf("tag = %x", pv)
			}
		case "ids":
			if n := pv.([]pgtype.Numeric); len(n) != 2 || n[1].Int.Int64() != 2 {
				t.Errorf("ids = %v", n)
			}
		case "who":
			if b := pv.([][]byte); len(b) != 2 || common.BytesToAddress(b[1]) != who[1] {
				t.Errorf("who = %x", b)
			}
		case "pair":
			if s := string(pv.([]byte)); s != `{"a":"-3","b":"0xab"}` {
				t.Errorf("pair = %s", s)
			}
		}
	}
	if len(tb.CreateSQL()) != 5 { // table, tx_hash, contract, and the two indexed parameters
		t.Errorf("CreateSQL: %d statements", len(tb.CreateSQL()))
	}
}

func TestParseBound(t *testing.T) {
	t.Parallel()
	from, to, err := ParseBound("FOR VALUES FROM ('1000000') TO ('2000000')")
	if err != nil || from != 1000000 || to != 2000000 {
		t.Fatalf("ParseBound = %d %d %v", from, to, err)
	}
	if _, _, err := ParseBound("DEFAULT"); err == nil {
		t.Fatal("DEFAULT parsed")
	}
}

func TestCoveringIndexes(t *testing.T) {
	t.Parallel()
	const abiJSON = `[
 {"type":"event","name":"Moved","inputs":[
  {"name":"from","type":"address","indexed":true},
  {"name":"to","type":"address","indexed":true},
  {"name":"amount","type":"uint256","indexed":false},
  {"name":"ok","type":"bool","indexed":false},
  {"name":"code","type":"bytes32","indexed":false},
  {"name":"tag","type":"string","indexed":true}]},
 {"type":"event","name":"Noted","inputs":[
  {"name":"who","type":"address","indexed":true},
  {"name":"note","type":"string","indexed":false}]},
 {"type":"event","name":"Blob","inputs":[
  {"name":"who","type":"address","indexed":true},
  {"name":"data","type":"bytes","indexed":false}]},
 {"type":"event","name":"Listed","inputs":[
  {"name":"who","type":"address","indexed":true},
  {"name":"ids","type":"uint256[]","indexed":false}]},
 {"type":"event","name":"Plain","inputs":[
  {"name":"amount","type":"uint256","indexed":false}]}
]`
	a, err := abi.JSON(strings.NewReader(abiJSON))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := ForContract("Pool", &a)
	if err != nil {
		t.Fatal(err)
	}
	byEvent := map[string]*Table{}
	for _, tb := range tables {
		byEvent[tb.Event] = tb
	}
	moved := `INCLUDE ("chain_id", "contract", "block_timestamp", "tx_hash"`
	tests := []struct {
		event string
		want  []string // each index's column list; none when a column read has no size bound
	}{
		{"Moved", []string{
			`("from", block_number, log_index) ` + moved + `, "to", "amount", "ok", "code", "tag")`,
			`("to", block_number, log_index) ` + moved + `, "from", "amount", "ok", "code", "tag")`,
			// The hashed string is its 32-byte topic: bounded.
			`("tag", block_number, log_index) ` + moved + `, "from", "to", "amount", "ok", "code")`,
		}},
		{"Noted", nil},  // text
		{"Blob", nil},   // dynamic bytes
		{"Listed", nil}, // an array
		{"Plain", nil},  // no indexed parameter to filter by
	}
	for _, tc := range tests {
		t.Run(tc.event, func(t *testing.T) {
			tb := byEvent[tc.event]
			got := tb.CoveringIndexes()
			if len(got) != len(tc.want) {
				t.Fatalf("%d covering indexes, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, c := range got {
				if !strings.HasSuffix(c.ParentSQL(), `ON ONLY "`+tb.Name+`" `+tc.want[i]) {
					t.Errorf("ParentSQL\n got %s\nwant ... ON ONLY %q %s", c.ParentSQL(), tb.Name, tc.want[i])
				}
				part := PartitionName(tb.Name, 1000)
				if want := `CREATE INDEX CONCURRENTLY IF NOT EXISTS "` + c.PartitionIndex(part) + `" ON "` + part + `" ` + tc.want[i]; c.BuildSQL(part) != want {
					t.Errorf("BuildSQL\n got %s\nwant %s", c.BuildSQL(part), want)
				}
				if want := `ALTER INDEX "` + c.Name + `" ATTACH PARTITION "` + c.PartitionIndex(part) + `"`; c.AttachSQL(part) != want {
					t.Errorf("AttachSQL = %s", c.AttachSQL(part))
				}
			}
		})
	}
}

func TestForContracts(t *testing.T) {
	t.Parallel()
	parsed, err := abi.JSON(strings.NewReader(testABI))
	if err != nil {
		t.Fatal(err)
	}
	abiOf := func(name string) (abi.ABI, error) {
		if name == "Missing" {
			return abi.ABI{}, errors.New("no such contract")
		}
		return parsed, nil
	}
	ts, err := ForContracts([]string{"First", "Second"}, abiOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Contract != "First" || ts[1].Contract != "Second" {
		t.Fatalf("tables %+v, want Thing of First then of Second", ts)
	}
	if _, err := ForContracts([]string{"First", "Missing"}, abiOf); err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Fatalf("an unknown contract: %v, want an error naming it", err)
	}
}
