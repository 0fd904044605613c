package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// loadCompose loads docker-compose.yml as `docker compose config` does (compose-go is its loader:
// schema validation, anchors and merges, interpolation, normalisation), with an empty environment
// so that the defaults in the file are what is checked.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(abs, "docker-compose.yml")},
		cli.WithName("rahat"),
		cli.WithWorkingDirectory(abs),
		cli.WithEnv([]string{}),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func TestCompose(t *testing.T) {
	t.Parallel()
	p := loadCompose(t)
	abs, _ := filepath.Abs(root)

	want := []string{"chain", "deploy", "grafana", "index", "postgres", "prometheus", "proxy", "serve-1", "serve-2"}
	if got := p.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Fatalf("services %v, want %v", sorted(got), want)
	}
	for name, s := range p.Services {
		// Health checks everywhere but on the one-shot deploy, whose success is its exit code.
		hc := s.HealthCheck
		if name == "deploy" {
			if s.Restart != "no" {
				t.Errorf("deploy is one-shot: restart %q, want no", s.Restart)
			}
		} else if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("service %s has no health check", name)
		}
		// Images are pinned.
		if tag := s.Image[strings.LastIndex(s.Image, ":")+1:]; !strings.Contains(s.Image, ":") || tag == "latest" {
			t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
		}
		// Start-up order waits for health (or completion), never just for a start.
		for dep, d := range s.DependsOn {
			ds, ok := p.Services[dep]
			switch {
			case !ok:
				t.Errorf("%s depends on unknown service %s", name, dep)
			case d.Condition == types.ServiceConditionCompletedSuccessfully:
				if dep != "deploy" {
					t.Errorf("%s waits for %s to complete, which is not one-shot", name, dep)
				}
			case d.Condition != types.ServiceConditionHealthy:
				t.Errorf("%s depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			case ds.HealthCheck == nil || ds.HealthCheck.Disable:
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			}
		}
		// Bind mounts name files of this repository.
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if !strings.HasPrefix(v.Source, abs) {
				t.Errorf("%s mounts %s from outside the repository", name, v.Source)
			} else if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s: %v", name, v.Source, err)
			}
			if !v.ReadOnly {
				t.Errorf("%s mounts %s writable", name, v.Source)
			}
		}
	}

	// The rahat services run the binary built from this repository's Dockerfile, with the
	// subcommand their name says.
	for name, sub := range map[string]string{"chain": "chain", "index": "index", "serve-1": "serve", "serve-2": "serve"} {
		s := p.Services[name]
		if s.Build == nil || s.Build.Context != abs || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s is not built from the repository's Dockerfile: %+v", name, s.Build)
		}
		if len(s.Command) == 0 || s.Command[0] != sub {
			t.Errorf("%s runs %v, want rahat %s", name, s.Command, sub)
		}
	}
	for _, name := range []string{"index", "serve-1", "serve-2"} {
		deps := p.Services[name].DependsOn
		if deps["postgres"].Condition != types.ServiceConditionHealthy || deps["deploy"].Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s must wait for a healthy postgres and a finished deploy: %v", name, deps)
		}
	}
	if got := p.Services["deploy"].Entrypoint; !slices.Equal(got, []string{"/bin/sh", "/etc/rahat-compose/deploy.sh"}) {
		t.Errorf("deploy entrypoint %v", got)
	}
	if !strings.HasPrefix(p.Services["postgres"].Image, "postgres:16") {
		t.Errorf("postgres image %s, want 16", p.Services["postgres"].Image)
	}

	checkComposeConfig(t, p)
}

// checkComposeConfig checks that the rahat.yaml the services read is valid and agrees with the
// health checks, the proxy and Prometheus about addresses.
func checkComposeConfig(t *testing.T, p *types.Project) {
	t.Helper()
	env := []string{"RAHAT_DATABASE_URL=" + *p.Services["index"].Environment["RAHAT_DATABASE_URL"]}
	cfg := loadConfig(t, repoPath("deploy/compose/rahat.yaml"), env...)
	if len(cfg.Networks) != 1 || cfg.Networks[0].RPCURL != "http://chain:8545" || cfg.Networks[0].ChainID != 1337 {
		t.Errorf("compose network %+v, want the chain service (chain id 1337)", cfg.Networks)
	}
	// The chain keeps its blocks on a named volume of its service, so a restart is the same chain.
	onVolume := false
	for _, v := range p.Services["chain"].Volumes {
		if v.Type == types.VolumeTypeVolume && !v.ReadOnly && cfg.Dev.ChainDir != "" && strings.HasPrefix(cfg.Dev.ChainDir, v.Target+"/") {
			onVolume = true
		}
	}
	if !onVolume {
		t.Errorf("dev.chain_dir %q is not on a writable named volume of the chain service", cfg.Dev.ChainDir)
	}
	probe := func(service string) string {
		return strings.Join(p.Services[service].HealthCheck.Test, " ")
	}
	for service, addr := range map[string]string{"chain": cfg.Dev.ChainAddr, "index": cfg.Index.MetricsAddr, "serve-1": cfg.Serve.Addr, "serve-2": cfg.Serve.Addr} {
		if !strings.HasPrefix(addr, "0.0.0.0:") {
			t.Errorf("%s listens on %s, unreachable from other containers", service, addr)
		}
		if !strings.Contains(probe(service), "127.0.0.1:"+port(t, addr)+"/") {
			t.Errorf("%s health check %q does not probe its port %s", service, probe(service), port(t, addr))
		}
	}
	servePort := port(t, cfg.Serve.Addr)

	// The proxy balances over both replicas and passes websocket upgrades on.
	ngx := readFile(t, "deploy/compose/nginx.conf")
	for _, want := range []string{
		"server serve-1:" + servePort, "server serve-2:" + servePort,
		"proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
		"proxy_http_version 1.1;", "location = /proxy-health",
	} {
		if !strings.Contains(ngx, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if strings.Count(ngx, "{") != strings.Count(ngx, "}") {
		t.Error("nginx.conf: unbalanced braces")
	}

	// Prometheus scrapes what runs, where it listens.
	var prom struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, "deploy/prometheus/prometheus.yml")), &prom); err != nil {
		t.Fatal(err)
	}
	targets := map[string][]string{}
	for _, sc := range prom.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			targets[sc.JobName] = append(targets[sc.JobName], s.Targets...)
		}
	}
	if want := []string{"index:" + port(t, cfg.Index.MetricsAddr)}; !slices.Equal(targets["rahat-index"], want) {
		t.Errorf("rahat-index targets %v, want %v", targets["rahat-index"], want)
	}
	if want := []string{"serve-1:" + servePort, "serve-2:" + servePort}; !slices.Equal(targets["rahat-serve"], want) {
		t.Errorf("rahat-serve targets %v, want %v", targets["rahat-serve"], want)
	}
	if !slices.Equal(prom.RuleFiles, []string{"/etc/prometheus/alerts.yml"}) {
		t.Errorf("rule_files %v", prom.RuleFiles)
	}

	// The deploy script is a POSIX script that publishes the manifest index and serve read.
	script := readFile(t, "deploy/compose/deploy.sh")
	for _, want := range []string{"manifest=$state/rahat.yaml", "rahat deploy --config", `mv "$manifest.tmp" "$manifest"`} {
		if !strings.Contains(script, want) {
			t.Errorf("deploy.sh lacks %q", want)
		}
	}
	for _, name := range []string{"index", "serve-1"} {
		if cmd := strings.Join(p.Services[name].Command, " "); !strings.Contains(cmd, "--config /var/lib/rahat/rahat.yaml") {
			t.Errorf("%s does not read the deployed manifest: %s", name, cmd)
		}
	}
	if m := regexp.MustCompile(`(?m)^\s+uid: (\S+)$`).FindStringSubmatch(readFile(t, "deploy/compose/grafana/datasource.yml")); m == nil || m[1] != "prometheus" {
		t.Errorf("the provisioned datasource's uid must be prometheus (the dashboard's default), got %v", m)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
