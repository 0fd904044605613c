package workload

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"gopkg.in/yaml.v3"

	"github.com/rahataid/rahat/config"
)

func TestUpdateManifest(t *testing.T) {
	t.Parallel()
	d := &Deployment{
		ChainID:        1337,
		Treasury:       common.HexToAddress("0x00000000000000000000000000000000000000aa"),
		ProjectFactory: common.HexToAddress("0x00000000000000000000000000000000000000bb"),
		StartBlock:     42,
	}
	tests := []struct {
		name string
		doc  string
		keep []string // substrings that must survive
	}{
		{name: "empty", doc: ""},
		{name: "no sources", doc: "# my rahat\nlog:\n  level: debug # loud\n", keep: []string{"# my rahat", "level: debug # loud"}},
		{name: "null sources", doc: "sources:\n", keep: nil},
		{
			name: "existing sources",
			doc: `# Rahat on the dev chain.
networks:
  - name: dev # the embedded chain
    chain_id: 1337
sources:
  # The treasury creates tokens.
  - name: RahatTreasury
    network: dev
    contract: RahatTreasury
    address: "0x0000000000000000000000000000000000000001" # replaced by rahat deploy
    start_block: 0
  # Someone else's contract, left alone.
  - name: Other
    network: dev
    contract: RahatToken
    address: "0x0000000000000000000000000000000000000002"
  - name: RahatToken
    network: dev
    contract: RahatToken
    address: "0x0000000000000000000000000000000000000003"
serve:
  addr: 127.0.0.1:9999 # keep me
`,
			keep: []string{"# Rahat on the dev chain.", "- name: dev # the embedded chain", "# The treasury creates tokens.",
				"# replaced by rahat deploy", "# Someone else's contract, left alone.", "0x0000000000000000000000000000000000000002",
				"addr: 127.0.0.1:9999 # keep me"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := UpdateManifest([]byte(tt.doc), d.Sources("dev"))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.keep {
				if !strings.Contains(string(out), k) {
					t.Errorf("lost %q:\n%s", k, out)
				}
			}
			var got struct {
				Sources []config.Source `yaml:"sources"`
			}
			if err := yaml.Unmarshal(out, &got); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			byName := map[string]config.Source{}
			for _, s := range got.Sources {
				byName[s.Name] = s
			}
			for _, want := range d.Sources("dev") {
				g, ok := byName[want.Name]
				switch {
				case !ok:
					t.Errorf("source %s missing:\n%s", want.Name, out)
				case g.Address != want.Address || g.StartBlock != want.StartBlock || g.Network != want.Network || g.Contract != want.Contract:
					t.Errorf("source %s = %+v, want %+v", want.Name, g, want)
				case (g.Factory == nil) != (want.Factory == nil) || (g.Factory != nil && *g.Factory != *want.Factory):
					t.Errorf("source %s factory = %+v, want %+v", want.Name, g.Factory, want.Factory)
				}
			}
			if strings.Contains(tt.doc, "name: Other") && byName["Other"].Address != "0x0000000000000000000000000000000000000002" {
				t.Errorf("unrelated source changed: %+v", byName["Other"])
			}
		})
	}
}

func TestUpdateManifestRejects(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"- a list\n", "sources: 3\n", "a: [\n"} {
		if _, err := UpdateManifest([]byte(doc), nil); err == nil {
			t.Errorf("UpdateManifest(%q) succeeded", doc)
		}
	}
}
