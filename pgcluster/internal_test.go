package pgcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out     string
		version string
		major   int
		wantErr bool
	}{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15.18", 15, false},
		{"postgres (PostgreSQL) 14.0\n", "14.0", 14, false},
		{"postgres (PostgreSQL) 17devel\n", "17devel", 17, false},
		{"postgres (PostgreSQL) 16beta2\n", "16beta2", 16, false},
		{"postgres (PostgreSQL) 9.6.24\n", "9.6", 9, false},
		{"something else\n", "", 0, true},
	}
	for _, tt := range tests {
		version, major, err := parseVersion(tt.out)
		if (err != nil) != tt.wantErr || version != tt.version || major != tt.major {
			t.Errorf("parseVersion(%q) = %q, %d, %v; want %q, %d, err=%v",
				tt.out, version, major, err, tt.version, tt.major, tt.wantErr)
		}
	}
}

func TestPathVersion(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		"/usr/lib/postgresql/15/bin":          15,
		"/usr/pgsql-16/bin":                   16,
		"/opt/homebrew/opt/postgresql@17/bin": 17,
		"/nowhere/bin":                        0,
	}
	for path, want := range tests {
		if got := pathVersion(path); got != want {
			t.Errorf("pathVersion(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		log  string
		want startFailure
	}{
		{`LOG:  could not bind IPv4 address "127.0.0.1": Address already in use`, failPortInUse},
		{`FATAL:  could not create any TCP/IP sockets`, failPortInUse},
		{`FATAL:  pre-existing shared memory block (key 1, ID 2) is still in use`, failShmemInUse},
		{`FATAL:  lock file "postmaster.pid" already exists`, failLockFile},
		{`FATAL:  invalid value for parameter "shared_buffers"`, failOther},
	}
	for _, tt := range tests {
		if got := classify(tt.log); got != tt.want {
			t.Errorf("classify(%q) = %v, want %v", tt.log, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   Config
		field string // "" means valid
	}{
		{"valid", Config{Dir: "/x"}, ""},
		{"no dir", Config{}, "Dir"},
		{"port", Config{Dir: "/x", Port: 70000}, "Port"},
		{"start timeout", Config{Dir: "/x", StartTimeout: -time.Second}, "StartTimeout"},
		{"stop timeout", Config{Dir: "/x", StopTimeout: -time.Second}, "StopTimeout"},
		{"setting", Config{Dir: "/x", Settings: map[string]string{"bad name": "1"}}, "Settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

func TestServerArgsSettingsOverride(t *testing.T) {
	t.Parallel()
	c := &Cluster{
		cfg: Config{Ephemeral: true, Settings: map[string]string{
			"max_connections": "300", "fsync": "on", "port": "1"}},
		layout: newLayout("/d"),
	}
	args := strings.Join(c.serverArgs(5432, "/s"), " ")
	for _, want := range []string{"-D /d/data", "-c fsync=on", "-c max_connections=300", "-c port=5432",
		"-c listen_addresses=127.0.0.1", "-c unix_socket_directories=/s", "-c synchronous_commit=off"} {
		if !strings.Contains(args, want) {
			t.Errorf("serverArgs = %s\nmissing %q", args, want)
		}
	}
}

func TestLayoutSocketDirFallsBackForLongPaths(t *testing.T) {
	t.Parallel()
	if l := newLayout("/tmp/short"); l.runDir != "/tmp/short/run" {
		t.Errorf("short path: runDir = %q", l.runDir)
	}
	long := "/tmp/" + strings.Repeat("x", 100)
	if l := newLayout(long); l.runDir != "" {
		t.Errorf("long path: runDir = %q, want a temporary directory", l.runDir)
	}
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, err := findBinaries(ctx, "")
	if err != nil {
		t.Fatalf("findBinaries: %v", err)
	}
	if b.major < MinMajorVersion {
		t.Fatalf("found PostgreSQL %s, want %d+", b.version, MinMajorVersion)
	}
	if b2, err := findBinaries(ctx, b.dir); err != nil || b2.dir != b.dir {
		t.Fatalf("findBinaries(%q) = %+v, %v", b.dir, b2, err)
	}

	empty := t.TempDir()
	_, err = findBinaries(ctx, empty)
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), empty) {
		t.Fatalf("findBinaries(empty dir) = %v, want ErrNoBinaries naming %s", err, empty)
	}
	wantMsg := "PostgreSQL server binaries not found: install them (Debian/Ubuntu: apt-get install postgresql; " +
		"macOS: brew install postgresql) or set DATABASE_URL to an existing server"
	if ErrNoBinaries.Error() != wantMsg {
		t.Fatalf("ErrNoBinaries = %q", ErrNoBinaries)
	}

	// A BinDir holding an old server is refused with the version named.
	old := t.TempDir()
	for _, name := range []string{"postgres", "initdb"} {
		script := "#!/bin/sh\necho 'postgres (PostgreSQL) 13.9'\n"
		if err := os.WriteFile(filepath.Join(old, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, err = findBinaries(ctx, old)
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "13.9") || !strings.Contains(err.Error(), "14 or newer") {
		t.Fatalf("findBinaries(old) = %v, want an error naming 13.9 and 14", err)
	}
}

func TestServerEnvDropsPGVariables(t *testing.T) {
	t.Setenv("PGDATA", "/elsewhere")
	t.Setenv("LANG", "xx_XX.UTF-8")
	env := serverEnv()
	if slices.ContainsFunc(env, func(kv string) bool {
		return strings.HasPrefix(kv, "PGDATA=") || strings.HasPrefix(kv, "LANG=")
	}) {
		t.Fatalf("serverEnv kept PGDATA or LANG: %v", env)
	}
	if !slices.Contains(env, "LC_ALL=C") {
		t.Fatalf("serverEnv lacks LC_ALL=C")
	}
}

func TestCheckPIDFileNamesLiveServer(t *testing.T) {
	t.Parallel()
	c := startTestCluster(t, Config{})
	// A second Cluster on the same directory, bypassing the directory lock, as a server started
	// by hand (pg_ctl) would be seen.
	other := &Cluster{layout: c.layout, logger: c.logger}
	err := other.checkPIDFile()
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("checkPIDFile = %v, want ErrDataDirInUse", err)
	}
	for _, want := range []string{c.layout.dataDir, itoa(c.PID())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
