package pgcluster

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartStopRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := startTestCluster(t, Config{Settings: map[string]string{"max_connections": "42"}})

	conn := connect(t, c.URL(DefaultDatabase))
	var user, db, listen, maxConns string
	err := conn.QueryRow(ctx, `select current_user, current_database(),
		current_setting('listen_addresses'), current_setting('max_connections')`).Scan(&user, &db, &listen, &maxConns)
	if err != nil {
		t.Fatal(err)
	}
	if user != Superuser || db != DefaultDatabase || listen != "127.0.0.1" || maxConns != "42" {
		t.Fatalf("got user=%s db=%s listen=%s max_connections=%s", user, db, listen, maxConns)
	}
	if _, err := conn.Exec(ctx, "create table survivor (x int); insert into survivor values (7)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	// The password file is private; the password is required (no trust authentication).
	fi, err := os.Stat(filepath.Join(c.Dir(), "password"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v, mode %v", err, fi.Mode())
	}
	u, _ := url.Parse(c.URL(DefaultDatabase))
	u.User = url.UserPassword(Superuser, "wrong")
	if conn, err := pgx.Connect(ctx, u.String()); err == nil {
		conn.Close(ctx)
		t.Fatal("connected with a wrong password")
	}
	u.User = url.User(Superuser)
	if conn, err := pgx.Connect(ctx, u.String()); err == nil {
		conn.Close(ctx)
		t.Fatal("connected without a password")
	}

	if os.Geteuid() == 0 && runtime.GOOS == "linux" {
		uid := processUID(t, c.PID())
		if uid == 0 {
			t.Fatal("the server runs as root")
		}
	}

	// Stop, then restart on the same port with the data kept.
	pid, port := c.PID(), c.Port()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c.PID() != 0 || alive(pid) {
		t.Fatalf("after Stop: PID()=%d, old server alive=%v", c.PID(), alive(pid))
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Port() != port || c.PID() == 0 || c.PID() == pid {
		t.Fatalf("after restart: port %d (was %d), pid %d (was %d)", c.Port(), port, c.PID(), pid)
	}
	var x int
	if err := connect(t, c.URL(DefaultDatabase)).QueryRow(ctx, "select x from survivor").Scan(&x); err != nil || x != 7 {
		t.Fatalf("after restart: x=%d, %v", x, err)
	}
}

func TestDirInUse(t *testing.T) {
	t.Parallel()
	c := startTestCluster(t, Config{})
	_, err := Start(context.Background(), Config{Dir: c.Dir(), Ephemeral: true, Logger: testLogger(t)})
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("second Start = %v, want ErrDataDirInUse", err)
	}
	for _, want := range []string{c.Dir(), strconv.Itoa(c.PID())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestStalePIDFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config{Dir: filepath.Join(t.TempDir(), "pg")}
	c := startTestCluster(t, cfg)
	pidFile := filepath.Join(c.layout.dataDir, "postmaster.pid")

	// Kill the postmaster outright: it leaves postmaster.pid behind, and its backends detach
	// from shared memory only as they notice.
	pid := c.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop after kill: %v", err)
	}
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatalf("expected a stale postmaster.pid: %v", err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start over a stale postmaster.pid: %v", err)
	}
	connect(t, c.URL(DefaultDatabase))

	// A pid file naming a live process that is not a server on this directory (the PID was
	// reused after a reboot) is stale too.
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stale := strconv.Itoa(os.Getpid()) + "\n" + c.layout.dataDir + "\n"
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.acct.chown(pidFile); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start over a pid file naming a reused PID: %v", err)
	}
	connect(t, c.URL(DefaultDatabase))
}

func TestExplicitPortInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Config{Dir: filepath.Join(t.TempDir(), "pg"), Port: port, Ephemeral: true})
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("Start on a busy port = %v, want ErrPortInUse naming %d", err, port)
	}
}

func TestExplicitPortBecomesBusyBeforeRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := startTestCluster(t, Config{})
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(c.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := c.Start(ctx); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("restart on a port taken meanwhile = %v, want ErrPortInUse", err)
	}
	l.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("restart once the port is free: %v", err)
	}
}

func TestFailedStartReportsLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Start(ctx, Config{
		Dir:       filepath.Join(t.TempDir(), "pg"),
		Ephemeral: true,
		Settings:  map[string]string{"shared_buffers": "lots"},
	})
	if err == nil || !strings.Contains(err.Error(), "exited during startup") ||
		!strings.Contains(err.Error(), `"shared_buffers"`) {
		t.Fatalf("Start with a bad setting = %v, want an error quoting the server log", err)
	}
}

func TestStartTimeout(t *testing.T) {
	t.Parallel()
	// A cluster initialised normally, then a restart with a deadline too short to finish.
	c := startTestCluster(t, Config{})
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	err := c.Start(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start with an expired deadline = %v, want a deadline error", err)
	}
	if c.PID() != 0 {
		t.Fatalf("a failed start left a server running (PID %d)", c.PID())
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("Start after a timed-out start: %v", err)
	}
}

// processUID reads the real uid of pid from /proc.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			uid, err := strconv.Atoi(strings.Fields(rest)[0])
			if err != nil {
				t.Fatal(err)
			}
			return uid
		}
	}
	t.Fatalf("no Uid in /proc/%d/status", pid)
	return -1
}

func TestLongDirUsesTemporarySocketDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), strings.Repeat("long-directory-name-", 5), "pg")
	c := startTestCluster(t, Config{Dir: dir})
	var sockDir string
	err := connect(t, c.URL(DefaultDatabase)).QueryRow(ctx, "select current_setting('unix_socket_directories')").Scan(&sockDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sockDir, "/tmp/rahat-pg-") {
		t.Fatalf("socket directory %s, want one under /tmp", sockDir)
	}
	if _, err := os.Stat(filepath.Join(sockDir, ".s.PGSQL."+strconv.Itoa(c.Port()))); err != nil {
		t.Fatalf("no socket: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sockDir); !os.IsNotExist(err) {
		t.Fatalf("socket directory %s left behind after Stop (%v)", sockDir, err)
	}
}
