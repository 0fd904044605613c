package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rahataid/rahat/config"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rahat.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const base = `
log: {level: warn}
database: {url: "postgres://file@localhost/db"}
networks:
  - name: dev
    chain_id: 1337
    rpc_url: http://127.0.0.1:8545
sources:
  - name: RahatTreasury
    contract: RahatTreasury
    address: "0x5FbDB2315678afecb367f032d93F642f64180aa3"
  - name: RahatToken
    contract: RahatToken
    factory: {source: RahatTreasury, event: TokenCreated, param: tokenAddress}
`

func TestPrecedence(t *testing.T) {
	t.Parallel()
	path := writeFile(t, base)
	tests := []struct {
		name    string
		env     []string
		flags   map[string]string
		wantURL string
		wantLvl string
	}{
		{"file only", nil, nil, "postgres://file@localhost/db", "warn"},
		{"env beats file", []string{"RAHAT_DATABASE_URL=postgres://env@localhost/db", "RAHAT_LOG_LEVEL=debug"}, nil, "postgres://env@localhost/db", "debug"},
		{"DATABASE_URL beats file", []string{"DATABASE_URL=postgres://plain@localhost/db"}, nil, "postgres://plain@localhost/db", "warn"},
		{"RAHAT_DATABASE_URL beats DATABASE_URL", []string{"DATABASE_URL=postgres://plain@localhost/db", "RAHAT_DATABASE_URL=postgres://env@localhost/db"}, nil, "postgres://env@localhost/db", "warn"},
		{"flag beats env", []string{"RAHAT_DATABASE_URL=postgres://env@localhost/db"}, map[string]string{"database.url": "postgres://flag@localhost/db", "log.level": "error"}, "postgres://flag@localhost/db", "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(path, false, tt.env, tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Database.URL != tt.wantURL || cfg.Log.Level != tt.wantLvl {
				t.Fatalf("got url %q level %q, want %q %q", cfg.Database.URL, cfg.Log.Level, tt.wantURL, tt.wantLvl)
			}
		})
	}
}

func TestDefaultsAndLists(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(writeFile(t, base), false, []string{
		"RAHAT_NETWORKS_0_WS_URL=ws://127.0.0.1:8546",
		"RAHAT_NETWORKS_0_POLL_INTERVAL=250ms",
		"RAHAT_SOURCES_1_START_BLOCK=42",
		"RAHAT_UNRELATED_SECRET=x",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Networks[0]
	if n.WSURL != "ws://127.0.0.1:8546" || n.PollInterval.D() != 250*time.Millisecond || n.FinalityDepth != 64 || n.Concurrency != 4 {
		t.Fatalf("network = %+v", n)
	}
	if cfg.Sources[1].StartBlock != 42 || cfg.Sources[1].Network != "dev" {
		t.Fatalf("source = %+v", cfg.Sources[1])
	}
	if cfg.Serve.Addr != "127.0.0.1:8080" || !cfg.Database.Migrate {
		t.Fatalf("defaults lost: %+v", cfg)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := config.Load(missing, true, nil, nil); err != nil {
		t.Fatalf("optional missing file: %v", err)
	}
	if _, err := config.Load(missing, false, nil, nil); err == nil {
		t.Fatal("required missing file: no error")
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		env   []string
		flags map[string]string
		want  string
	}{
		{"unknown yaml field", "log: {levl: info}", nil, nil, "field levl not found"},
		{"bad level", "", []string{"RAHAT_LOG_LEVEL=loud"}, nil, "log.level"},
		{"bad format flag", "", nil, map[string]string{"log.format": "xml"}, "log.format"},
		{"bad duration", "", []string{"RAHAT_SERVE_SHUTDOWN_TIMEOUT=soon"}, nil, "RAHAT_SERVE_SHUTDOWN_TIMEOUT"},
		{"bad int", "", nil, map[string]string{"database.max_conns": "many"}, "--database-max-conns"},
		{"bad bool", "", []string{"RAHAT_DATABASE_MIGRATE=perhaps"}, nil, "database.migrate"},
		{"db url scheme", "database: {url: mysql://x}", nil, nil, "database.url"},
		{"missing chain id", "networks: [{name: a, rpc_url: 'http://x:1'}]", nil, nil, "networks[0].chain_id"},
		{"bad rpc scheme", "networks: [{name: a, chain_id: 1, rpc_url: 'ftp://x:1'}]", nil, nil, "networks[0].rpc_url"},
		{"duplicate network", "networks: [{name: a, chain_id: 1}, {name: a, chain_id: 2}]", nil, nil, "networks[1].name"},
		{"bad finality tag", "networks: [{name: a, chain_id: 1, finality_tag: latest}]", nil, nil, "networks[0].finality_tag"},
		{"bad address", "networks: [{name: a, chain_id: 1}]\nsources: [{name: s, contract: C, address: '0x12'}]", nil, nil, "sources[0].address"},
		{"address and factory", "networks: [{name: a, chain_id: 1}]\nsources: [{name: s, contract: C, address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', factory: {source: s, event: E, param: p}}]", nil, nil, "sources[0]: has both"},
		{"unknown factory source", "networks: [{name: a, chain_id: 1}]\nsources: [{name: s, contract: C, factory: {source: t, event: E, param: p}}]", nil, nil, "sources[0].factory.source"},
		{"unknown network", "networks: [{name: a, chain_id: 1}, {name: b, chain_id: 2}]\nsources: [{name: s, contract: C, network: c, address: '0x5FbDB2315678afecb367f032d93F642f64180aa3'}]", nil, nil, "sources[0].network"},
		{"list index gap", "", []string{"RAHAT_NETWORKS_3_NAME=x"}, nil, "list index"},
		{"bad workload", "dev: {workload: huge}", nil, nil, "dev.workload"},
		{"unknown serve network", "networks: [{name: a, chain_id: 1}]\nserve: {network: b}", nil, nil, "serve.network"},
		{"vendor funding without a funder", "keys: {vendor_funding_wei: '1000'}", nil, nil, "needs keys.funder"},
		{"vendor funding not a number", "keys: {funder: '0x5FbDB2315678afecb367f032d93F642f64180aa3', vendor_funding_wei: '1e18'}", nil, nil, "keys.vendor_funding_wei"},
		{"bad funder", "keys: {funder: '0x12'}", nil, nil, "keys.funder"},
		{"no sender sessions", "", []string{"RAHAT_TX_MAX_SESSIONS=0"}, nil, "tx.max_sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(writeFile(t, tt.file), false, tt.env, tt.flags)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestFieldsNameEveryKey(t *testing.T) {
	t.Parallel()
	seen := map[string]config.Field{}
	for _, f := range config.Fields() {
		seen[f.Key] = f
	}
	for key, env := range map[string]string{
		"database.url":            "RAHAT_DATABASE_URL",
		"networks.*.rpc_url":      "RAHAT_NETWORKS_N_RPC_URL",
		"sources.*.factory.event": "RAHAT_SOURCES_N_FACTORY_EVENT",
		"dev.block_interval":      "RAHAT_DEV_BLOCK_INTERVAL",
	} {
		if seen[key].Env != env {
			t.Errorf("%s: env %q, want %q", key, seen[key].Env, env)
		}
	}
	if seen["database.read_url"].Flag != "database-read-url" || seen["networks.*.rpc_url"].Flag != "" {
		t.Errorf("flags: %+v %+v", seen["database.read_url"], seen["networks.*.rpc_url"])
	}
}

func TestShippedConfigLoads(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../rahat.yaml", false, nil, nil)
	if err != nil {
		t.Fatalf("the repository's rahat.yaml: %v", err)
	}
	if cfg.Dev.Workload != "demo" || cfg.Serve.Addr == "" || cfg.Tx.MaxSessions != 8 {
		t.Fatalf("unexpected values: %+v", cfg)
	}
}

func TestEnvListBeyondTen(t *testing.T) {
	t.Parallel()
	env := []string{}
	for i := range 12 {
		env = append(env, fmt.Sprintf("RAHAT_NETWORKS_%d_NAME=n%d", i, i), fmt.Sprintf("RAHAT_NETWORKS_%d_CHAIN_ID=%d", i, i+1))
	}
	cfg, err := config.Load(writeFile(t, ""), false, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Networks) != 12 || cfg.Networks[10].Name != "n10" || cfg.Networks[2].ChainID != 3 {
		t.Fatalf("networks = %+v", cfg.Networks)
	}
}

func TestServeNetwork(t *testing.T) {
	t.Parallel()
	two := "networks: [{name: a, chain_id: 1, rpc_url: 'http://a:1'}, {name: b, chain_id: 2, rpc_url: 'http://b:1'}]\n"
	tests := []struct {
		name, file string
		want       uint64 // chain id; 0: none
	}{
		{"the first by default", two, 1},
		{"the one named", two + "serve: {network: b}", 2},
		{"none configured", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(writeFile(t, tt.file), false, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			n, ok := cfg.ServeNetwork()
			if ok != (tt.want != 0) || n.ChainID != tt.want {
				t.Fatalf("ServeNetwork() = %+v, %v; want chain %d", n, ok, tt.want)
			}
		})
	}
}

func TestVendorFunding(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(writeFile(t, "keys: {funder: '0x5FbDB2315678afecb367f032d93F642f64180aa3'}"), false,
		[]string{"RAHAT_KEYS_VENDOR_FUNDING_WEI=1000000000000000000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Keys.VendorFunding().String(); got != "1000000000000000000" {
		t.Fatalf("VendorFunding() = %s", got)
	}
	cfg, err = config.Load(writeFile(t, ""), false, nil, nil)
	if err != nil || cfg.Keys.VendorFunding().Sign() != 0 {
		t.Fatalf("default vendor funding: %v, %v", cfg.Keys.VendorFunding(), err)
	}
}

// TestDocumentedKeysExist: every configuration key the documentation names in backticks
// (`serve.network`, `networks[0].rpc_url`) is one rahat.yaml has, so that docs cannot describe
// keys that were never there.
func TestDocumentedKeysExist(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	sections := map[string]bool{}
	for _, f := range config.Fields() {
		known[f.Key] = true
		sections[strings.Split(f.Key, ".")[0]] = true
	}
	docs, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile("`([a-z_]+(?:\\[[0-9N*]+\\])?(?:\\.[a-z_]+(?:\\[[0-9N*]+\\])?)+)`")
	index := regexp.MustCompile(`\[[0-9N*]+\]`)
	for _, doc := range append(docs, "../README.md") {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(raw), -1) {
			k := index.ReplaceAllString(m[1], ".*")
			if sections[strings.Split(k, ".")[0]] && !known[k] {
				t.Errorf("%s names `%s`, which is not a configuration key", filepath.Base(doc), m[1])
			}
		}
		// rahat.yaml excerpts (```yaml blocks, and README's heredoc) decode with no unknown field.
		excerpt := regexp.MustCompile("(?s)```yaml\n(.*?)```|<<'YAML'\n(.*?)\nYAML")
		for _, m := range excerpt.FindAllStringSubmatch(string(raw), -1) {
			dec := yaml.NewDecoder(strings.NewReader(m[1] + m[2]))
			dec.KnownFields(true)
			var c config.Config
			if err := dec.Decode(&c); err != nil {
				t.Errorf("%s: a rahat.yaml excerpt does not decode: %v", filepath.Base(doc), err)
			}
		}
	}
}
