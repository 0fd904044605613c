package deploy_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rahataid/rahat/config"
)

// root is the repository root, relative to this package's directory (go test runs tests there).
const root = ".."

// repoPath joins a slash-separated repository path to root.
func repoPath(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadConfig loads a rahat.yaml as `rahat` would, with environ, and fails the test if rahat would
// refuse it.
func loadConfig(t *testing.T, path string, environ ...string) config.Config {
	t.Helper()
	cfg, err := config.Load(path, false, environ, nil)
	if err != nil {
		t.Fatalf("rahat would refuse %s: %v", path, err)
	}
	return cfg
}

// port returns the port of a host:port address.
func port(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("%q has no port", addr)
	}
	return addr[i+1:]
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := readFile(t, "Dockerfile")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM .*golang:\$\{GO_VERSION\} AS build$`),
		regexp.MustCompile(`(?m)^ARG GO_VERSION=1\.26$`),
		regexp.MustCompile(`CGO_ENABLED=0`),
		regexp.MustCompile(`go build -trimpath .*-X main\.version=\$\{VERSION\}.* \./cmd/rahat`),
		regexp.MustCompile(`(?m)^COPY --from=build /out/rahat /usr/local/bin/rahat$`),
		regexp.MustCompile(`(?m)^COPY deploy/docker/rahat\.yaml /etc/rahat/rahat\.yaml$`),
		regexp.MustCompile(`(?m)^USER 10001:10001$`),
		regexp.MustCompile(`(?m)^HEALTHCHECK `),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/rahat"\]$`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile does not match %s", want)
		}
	}
	// The last stage is the runtime image, and it must not run as root.
	stages := regexp.MustCompile(`(?m)^FROM `).FindAllStringIndex(df, -1)
	if len(stages) != 2 {
		t.Fatalf("want a builder and a runtime stage, found %d FROM lines", len(stages))
	}
	if last := df[stages[1][0]:]; !strings.Contains(last, "USER 10001") || strings.Contains(last, "USER root") {
		t.Error("the runtime stage must switch to the unprivileged user")
	}

	// The image's default configuration is one rahat accepts, listening beyond the container.
	cfg := loadConfig(t, repoPath("deploy/docker/rahat.yaml"))
	if !strings.HasPrefix(cfg.Serve.Addr, "0.0.0.0:") || !strings.HasPrefix(cfg.Index.MetricsAddr, "0.0.0.0:") {
		t.Errorf("image config listens on %s and %s; a container needs 0.0.0.0", cfg.Serve.Addr, cfg.Index.MetricsAddr)
	}
	if got := port(t, cfg.Serve.Addr); !strings.Contains(df, "http://127.0.0.1:"+got+"/healthz") {
		t.Errorf("HEALTHCHECK does not probe serve.addr's port %s", got)
	}
}

// TestDockerignoreKeepsEmbeddedFiles checks that every file a //go:embed directive names is in
// the build context, or the image build fails (or, worse, a pattern that matches nothing).
func TestDockerignoreKeepsEmbeddedFiles(t *testing.T) {
	t.Parallel()
	ignore := parseDockerignore(t, readFile(t, ".dockerignore"))
	embedRE := regexp.MustCompile(`^//go:embed (.+)$`)
	var embedded []string
	err := walkSources(func(path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			m := embedRE.FindStringSubmatch(strings.TrimSpace(sc.Text()))
			if m == nil {
				continue
			}
			for _, pat := range strings.Fields(m[1]) {
				matches, err := filepath.Glob(filepath.Join(filepath.Dir(path), pat))
				if err != nil || len(matches) == 0 {
					t.Errorf("%s: //go:embed %s matches nothing", path, pat)
				}
				embedded = append(embedded, matches...)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(embedded) == 0 {
		t.Fatal("found no embedded files; the walk is broken")
	}
	for _, e := range append(embedded, repoPath("go.mod"), repoPath("go.sum"), repoPath("cmd/rahat/main.go"), repoPath("deploy/docker/rahat.yaml")) {
		rel, err := filepath.Rel(root, e)
		if err != nil {
			t.Fatal(err)
		}
		if ignore.excludes(filepath.ToSlash(rel)) {
			t.Errorf(".dockerignore excludes %s, which the build needs", rel)
		}
	}
	for _, secret := range []string{".git/config", ".rahat/pg/postgresql.conf", "bin/rahat", "contracts/node_modules/x.js", "deploy/compose/rahat.yaml", "ops/.env"} {
		if !ignore.excludes(secret) {
			t.Errorf(".dockerignore lets %s into the build context", secret)
		}
	}
}

// dockerignore is a parsed .dockerignore: patterns in order, the last match deciding.
type dockerignore []struct {
	re     *regexp.Regexp
	negate bool
}

// parseDockerignore turns the patterns into regular expressions with Docker's rules: paths are
// relative to the context root, `*` and `?` stay within a path element, `**` spans elements,
// and a pattern that matches a directory excludes everything under it.
func parseDockerignore(t *testing.T, text string) dockerignore {
	t.Helper()
	var out dockerignore
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		line = strings.Trim(strings.TrimPrefix(line, "!"), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case strings.HasPrefix(line[i:], "**/"):
				re.WriteString("(?:.*/)?")
				i += 2
			case strings.HasPrefix(line[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("(?:/.*)?$")
		out = append(out, struct {
			re     *regexp.Regexp
			negate bool
		}{regexp.MustCompile(re.String()), neg})
	}
	return out
}

func (d dockerignore) excludes(path string) bool {
	excluded := false
	for _, p := range d {
		if p.re.MatchString(path) {
			excluded = !p.negate
		}
	}
	return excluded
}

// walkSources calls f for every non-test Go file of the module, outside vendored, generated-data
// and scratch directories.
func walkSources(f func(path string) error) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case path == root:
			case strings.HasPrefix(name, "."), name == "node_modules", name == "testdata", name == "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			return f(path)
		}
		return nil
	})
}
