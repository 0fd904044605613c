package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNoBinaries reports that no usable PostgreSQL server binaries were found on this machine.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install them " +
	"(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL to an existing server")

// MinMajorVersion is the oldest PostgreSQL major version a private cluster can run on.
const MinMajorVersion = 14

// binaries are the server programs of one PostgreSQL installation.
type binaries struct {
	dir      string // directory holding postgres and initdb, symlinks resolved
	postgres string
	initdb   string
	major    int    // e.g. 15
	version  string // e.g. "15.18"
}

// binDirGlobs are the places distributions install versioned server binaries, searched when
// neither Config.BinDir, PATH nor pg_config lead to them. The newest version wins.
var binDirGlobs = []string{
	"/usr/lib/postgresql/*/bin",          // Debian, Ubuntu
	"/usr/pgsql-*/bin",                   // RHEL, Fedora (PGDG)
	"/opt/homebrew/opt/postgresql@*/bin", // macOS Homebrew, Apple silicon
	"/usr/local/opt/postgresql@*/bin",    // macOS Homebrew, Intel
	"/Applications/Postgres.app/Contents/Versions/*/bin",
}

// findBinaries locates the server binaries: binDir if set, else postgres on PATH, else
// `pg_config --bindir`, else the newest versioned install directory. The first candidate with a
// supported version is used, so an old server on PATH does not hide a newer versioned install.
func findBinaries(ctx context.Context, binDir string) (binaries, error) {
	if binDir != "" {
		b, err := probeBinDir(ctx, binDir)
		if err != nil {
			return binaries{}, fmt.Errorf("using PostgreSQL binaries from %s: %w", binDir, err)
		}
		if b.major < MinMajorVersion {
			return binaries{}, unsupportedVersion([]binaries{b})
		}
		return b, nil
	}

	var tooOld []binaries
	seen := map[string]bool{}
	for _, dir := range candidateDirs(ctx) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		b, err := probeBinDir(ctx, dir)
		if err != nil {
			continue
		}
		if b.major < MinMajorVersion {
			tooOld = append(tooOld, b)
			continue
		}
		return b, nil
	}
	if len(tooOld) > 0 {
		return binaries{}, unsupportedVersion(tooOld)
	}
	return binaries{}, ErrNoBinaries
}

func unsupportedVersion(found []binaries) error {
	var parts []string
	for _, b := range found {
		parts = append(parts, fmt.Sprintf("%s in %s", b.version, b.dir))
	}
	return fmt.Errorf("PostgreSQL %d or newer is required, found only %s: %w",
		MinMajorVersion, strings.Join(parts, ", "), ErrNoBinaries)
}

// candidateDirs lists directories that may hold postgres and initdb, in order of preference.
func candidateDirs(ctx context.Context) []string {
	var dirs []string
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	if p, err := exec.LookPath("pg_config"); err == nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := exec.CommandContext(cctx, p, "--bindir").Output()
		cancel()
		if err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	for _, pattern := range binDirGlobs {
		matches, _ := filepath.Glob(pattern)
		sort.Slice(matches, func(i, j int) bool { return pathVersion(matches[i]) > pathVersion(matches[j]) })
		dirs = append(dirs, matches...)
	}
	return dirs
}

var pathVersionRE = regexp.MustCompile(`(\d+)(?:\.\d+)?`)

// pathVersion extracts the major version from an install path such as /usr/lib/postgresql/15/bin.
func pathVersion(p string) int {
	m := pathVersionRE.FindAllStringSubmatch(p, -1)
	if len(m) == 0 {
		return 0
	}
	v, _ := strconv.Atoi(m[len(m)-1][1])
	return v
}

// probeBinDir checks that dir holds postgres and initdb and asks postgres for its version.
func probeBinDir(ctx context.Context, dir string) (binaries, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return binaries{}, fmt.Errorf("resolving %s: %w", dir, ErrNoBinaries)
	}
	b := binaries{
		dir:      real,
		postgres: filepath.Join(real, "postgres"),
		initdb:   filepath.Join(real, "initdb"),
	}
	for _, p := range []string{b.postgres, b.initdb} {
		if !isExecutable(p) {
			return binaries{}, fmt.Errorf("%s is missing or not executable: %w", p, ErrNoBinaries)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(cctx, b.postgres, "--version")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return binaries{}, fmt.Errorf("running %s --version: %w: %s", b.postgres, err, strings.TrimSpace(stderr.String()))
	}
	b.version, b.major, err = parseVersion(string(out))
	if err != nil {
		return binaries{}, fmt.Errorf("%s --version: %w", b.postgres, err)
	}
	return b, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\)\s+((\d+)(?:\.\d+)?(?:devel|beta\d*|rc\d*)?)`)

// parseVersion reads the output of `postgres --version`, for example
// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
func parseVersion(out string) (version string, major int, err error) {
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return "", 0, fmt.Errorf("unrecognised version output %q", strings.TrimSpace(out))
	}
	major, err = strconv.Atoi(m[2])
	if err != nil {
		return "", 0, fmt.Errorf("unrecognised version output %q: %w", strings.TrimSpace(out), err)
	}
	return m[1], major, nil
}
