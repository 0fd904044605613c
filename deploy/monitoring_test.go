package deploy_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// codeMetrics returns the metric names the Go sources register: the Namespace, Subsystem and
// Name of every prometheus.*Opts literal and the first argument of every prometheus.NewDesc,
// with string constants resolved; histograms add their _bucket, _sum and _count series.
func codeMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	fset := token.NewFileSet()
	err := walkSources(func(path string) error {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		consts := map[string]string{}
		ast.Inspect(f, func(n ast.Node) bool {
			if gd, ok := n.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if i < len(vs.Values) {
							if s, ok := stringValue(vs.Values[i], consts); ok {
								consts[id.Name] = s
							}
						}
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || !isIdent(sel.X, "prometheus") || !strings.HasSuffix(sel.Sel.Name, "Opts") {
					return true
				}
				parts := map[string]string{}
				for _, e := range n.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key, ok := kv.Key.(*ast.Ident)
					if !ok {
						continue
					}
					if s, ok := stringValue(kv.Value, consts); ok {
						parts[key.Name] = s
					}
				}
				if parts["Name"] == "" {
					return true
				}
				var full []string
				for _, k := range []string{"Namespace", "Subsystem", "Name"} {
					if parts[k] != "" {
						full = append(full, parts[k])
					}
				}
				name := strings.Join(full, "_")
				names[name] = true
				if sel.Sel.Name == "HistogramOpts" || sel.Sel.Name == "SummaryOpts" {
					names[name+"_sum"], names[name+"_count"] = true, true
					if sel.Sel.Name == "HistogramOpts" {
						names[name+"_bucket"] = true
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "prometheus") && sel.Sel.Name == "NewDesc" && len(n.Args) > 0 {
					if s, ok := stringValue(n.Args[0], consts); ok {
						names[s] = true
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The Go and process collectors every rahat process registers (cmd/rahat newRegistry).
	for _, n := range []string{"go_goroutines", "process_resident_memory_bytes", "process_cpu_seconds_total", "up"} {
		names[n] = true
	}
	return names
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// stringValue evaluates a string literal, a known constant, or a + of those.
func stringValue(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringValue(e.X, consts)
		b, ok2 := stringValue(e.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return stringValue(e.X, consts)
	}
	return "", false
}

var (
	metricRE  = regexp.MustCompile(`\b(?:rahat_[a-z0-9_]+|go_[a-z0-9_]+|process_[a-z0-9_]+|up)\b`)
	matcherRE = regexp.MustCompile(`\b([a-z_]+)\s*(=~|!~|=|!=)\s*"([^"]*)"`)
	literalRE = regexp.MustCompile(`^[a-z_]+$`)
)

// checkExpr checks that a PromQL expression queries only metrics the code exports, and that the
// label values it names literally appear in the Go sources (outcome="rate_limited" ...).
func checkExpr(t *testing.T, where, expr string, metrics map[string]bool, goText string) {
	t.Helper()
	found := metricRE.FindAllString(expr, -1)
	if !slices.ContainsFunc(found, func(m string) bool {
		return strings.HasPrefix(m, "rahat_") || m == "up" || strings.HasPrefix(m, "process_") || strings.HasPrefix(m, "go_")
	}) {
		t.Errorf("%s: %q queries no metric", where, expr)
	}
	for _, m := range found {
		if !metrics[m] {
			t.Errorf("%s: %s is not a metric the code exports", where, m)
		}
	}
	for _, m := range matcherRE.FindAllStringSubmatch(expr, -1) {
		label, value := m[1], m[3]
		if label == "job" || label == "le" || label == "instance" || strings.HasPrefix(value, "$") {
			continue
		}
		for _, v := range strings.Split(value, "|") {
			if literalRE.MatchString(v) && !strings.Contains(goText, strconv.Quote(v)) {
				t.Errorf("%s: %s=%q: no Go source mentions the value %q", where, label, value, v)
			}
		}
	}
}

// goSources returns the text of every non-test Go file, for looking up label values.
func goSources(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	if err := walkSources(func(path string) error {
		data, err := os.ReadFile(path)
		b.Write(data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAlertRules(t *testing.T) {
	t.Parallel()
	metrics, goText := codeMetrics(t), goSources(t)
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, "deploy/prometheus/alerts.yml")))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q is empty or unnamed", g.Name)
		}
		for _, r := range g.Rules {
			where := "alert " + r.Alert
			if !regexp.MustCompile(`^Rahat[A-Z][A-Za-z0-9]+$`).MatchString(r.Alert) || seen[r.Alert] {
				t.Errorf("%s: name not RahatCamelCase or used twice", where)
			}
			seen[r.Alert] = true
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", where, r.For, err)
				}
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", where, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: needs a summary and a description", where)
			}
			checkExpr(t, where, r.Expr, metrics, goText)
		}
	}
	for _, want := range []string{"RahatIndexerStalled", "RahatIndexerLagHigh", "RahatIndexerDeepReorg", "RahatIndexerRPCErrors",
		"RahatIndexerNoWriter", "RahatTransactionStuck", "RahatSMSSendFailures", "RahatAPI5xx"} {
		if !seen[want] {
			t.Errorf("alert %s is missing", want)
		}
	}

	// With promtool installed (Debian: prometheus), also check the rules' PromQL and run their
	// unit tests. CI installs it and sets RAHAT_REQUIRE_PROMTOOL, so there they always run.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("RAHAT_REQUIRE_PROMTOOL") != "" {
			t.Fatal("promtool is not installed (apt-get install prometheus) and RAHAT_REQUIRE_PROMTOOL is set")
		}
		t.Log("promtool is not installed: PromQL syntax and alerts_test.yml not checked")
		return
	}
	for _, args := range [][]string{
		{"check", "rules", repoPath("deploy/prometheus/alerts.yml")},
		{"test", "rules", repoPath("deploy/prometheus/alerts_test.yml")},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.WaitDelay = 10 * time.Second
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	metrics, goText := codeMetrics(t), goSources(t)
	type panel struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		GridPos struct{ H, W, X, Y int } `json:"gridPos"`
		Targets []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
	}
	var dash struct {
		UID           string  `json:"uid"`
		Title         string  `json:"title"`
		SchemaVersion int     `json:"schemaVersion"`
		Panels        []panel `json:"panels"`
		Templating    struct {
			List []struct {
				Name    string `json:"name"`
				Type    string `json:"type"`
				Query   any    `json:"query"`
				Current struct {
					Value any `json:"value"`
				} `json:"current"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal([]byte(readFile(t, "deploy/grafana/rahat.json")), &dash); err != nil {
		t.Fatalf("rahat.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" || dash.SchemaVersion < 36 || len(dash.Panels) == 0 {
		t.Fatalf("dashboard uid %q title %q schemaVersion %d panels %d", dash.UID, dash.Title, dash.SchemaVersion, len(dash.Panels))
	}
	vars := map[string]bool{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = true
		if v.Name == "datasource" && (v.Type != "datasource" || v.Query != "prometheus" || v.Current.Value != "prometheus") {
			t.Errorf("the datasource variable must pick a Prometheus, by default uid prometheus (the provisioned one): %+v", v)
		}
	}
	ids := map[int]bool{}
	// cells records which panel covers each grid cell, to find overlaps.
	cells := map[[2]int]string{}
	for _, p := range dash.Panels {
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("panel %q: id %d is zero or not unique", p.Title, p.ID)
		}
		ids[p.ID] = true
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v is outside the 24-column grid", p.Title, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := cells[[2]int{x, y}]; ok {
					t.Errorf("panel %q overlaps %q", p.Title, other)
				}
				cells[[2]int{x, y}] = p.Title
			}
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: needs targets on the ${datasource} variable", p.Title)
		}
		for _, tg := range p.Targets {
			checkExpr(t, "panel "+strconv.Quote(p.Title), tg.Expr, metrics, goText)
			for _, v := range regexp.MustCompile(`\$([a-z_]+)`).FindAllStringSubmatch(tg.Expr, -1) {
				if !vars[v[1]] && !strings.HasPrefix(v[1], "__") {
					t.Errorf("panel %q uses undefined variable $%s", p.Title, v[1])
				}
			}
		}
	}
	// Every family of rahat metrics has a place on the dashboard.
	for _, prefix := range []string{"rahat_indexer_", "rahat_graphql_", "rahat_api_", "rahat_txmgr_", "rahat_sms_"} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(metrics)), func(m string) bool { return strings.HasPrefix(m, prefix) }) {
			t.Errorf("the code exports no %s* metric any more: update the dashboard and the alerts", prefix)
		}
		if !strings.Contains(readFile(t, "deploy/grafana/rahat.json"), prefix) {
			t.Errorf("the dashboard shows no %s* metric", prefix)
		}
	}
}

// TestCodeMetricsFound guards the AST walk itself: it must find metrics registered in each style
// the code uses (a full Name, Namespace + Name, Namespace + Subsystem + Name, NewDesc).
func TestCodeMetricsFound(t *testing.T) {
	t.Parallel()
	metrics := codeMetrics(t)
	for _, m := range []string{
		"rahat_indexer_indexed_block", "rahat_indexer_rpc_duration_seconds_bucket",
		"rahat_graphql_request_duration_seconds_count", "rahat_api_requests_total", "rahat_api_objects",
		"rahat_txmgr_txs", "rahat_sms_outbound_attempts_total",
	} {
		if !metrics[m] {
			t.Errorf("codeMetrics did not find %s", m)
		}
	}
}
