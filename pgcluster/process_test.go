package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects what TestHelperProcess does when this test binary is re-executed.
const helperEnv = "RAHAT_PGCLUSTER_HELPER"

// TestHelperProcess is not a test: other tests re-execute the test binary to run it in a
// separate process (killed from outside, or running as another user). It returns at once
// otherwise.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	ctx := context.Background()
	switch mode {
	case "serve":
		// Start a cluster, report its PID, and hold it until stdin closes or we are killed.
		c, err := Start(ctx, Config{Dir: os.Getenv("RAHAT_PGCLUSTER_DIR"), Ephemeral: true})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("PID %d\n", c.PID())
		io.Copy(io.Discard, os.Stdin)
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	case "unprivileged":
		if os.Geteuid() == 0 {
			t.Fatal("helper runs as root")
		}
		unprivilegedRoundTrip(t)
	default:
		t.Fatalf("unknown helper mode %q", mode)
	}
}

// unprivilegedRoundTrip starts, uses, restarts and stops a cluster as the current user.
func unprivilegedRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := startTestCluster(t, Config{})
	if uid := processUID(t, c.PID()); uid != os.Geteuid() {
		t.Fatalf("server runs as uid %d, want %d", uid, os.Geteuid())
	}
	var user string
	if err := connect(t, c.URL(DefaultDatabase)).QueryRow(ctx, "select current_user").Scan(&user); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	connect(t, c.URL(DefaultDatabase))
}

// TestUnprivilegedUser proves the cluster works for a normal user. As a normal user that is
// what the other tests do already, and this one runs the round trip directly; as root it
// re-executes this test binary as the postgres (or nobody) user.
func TestUnprivilegedUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		unprivilegedRoundTrip(t)
		return
	}
	acct, err := serverAccount("")
	if err != nil {
		t.Fatal(err)
	}
	// The go tool builds the test binary in a 0700 directory: give the account its own copy,
	// and a home and temporary directory it owns.
	home := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := acct.chown(home); err != nil {
		t.Fatal(err)
	}
	if err := acct.ensureTraversable(home, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(home, "pgcluster.test")
	if err := copyFile(bin, os.Args[0], 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out []byte
	for attempt := 1; ; attempt++ {
		cmd := exec.CommandContext(ctx, bin, "-test.run=^TestHelperProcess$", "-test.v")
		cmd.Dir = home
		cmd.Env = append(filteredEnv("HOME", "TMPDIR", "GOCOVERDIR"),
			helperEnv+"=unprivileged", "HOME="+home, "TMPDIR="+home)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential()}
		out, err = cmd.CombinedOutput()
		// "text file busy": a parallel test forked while the copy was open for writing, and its
		// child holds the descriptor until it execs (golang/go#22315); the exec succeeds once it
		// has. Seen once in a fresh-clone CI.
		if !errors.Is(err, syscall.ETXTBSY) || attempt == 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestHelperProcess") {
		t.Fatalf("running the tests as %s: %v\n%s", acct, err, out)
	}
	t.Logf("as %s:\n%s", acct, out)
}

// TestServerDiesWithParent kills a process running a cluster with SIGKILL, giving it no
// chance to stop the server, and checks that the server goes away by itself.
func TestServerDiesWithParent(t *testing.T) {
	t.Parallel()
	if !hasPdeathsig {
		t.Fatalf("no parent-death signal on %s: this test documents the gap", runtime.GOOS)
	}
	dir := filepath.Join(t.TempDir(), "pg")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=serve", "RAHAT_PGCLUSTER_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper did not report a PID: %v (%q)", err, line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PID ")))
	if err != nil || !alive(pid) {
		t.Fatalf("helper reported %q", line)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitFor(t, "the orphaned server to shut down", time.Minute, func() bool { return !alive(pid) })

	// Its fast shutdown removed postmaster.pid, so the directory starts cleanly.
	c := startTestCluster(t, Config{Dir: dir})
	connect(t, c.URL(DefaultDatabase))
}

func copyFile(dst, src string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// filteredEnv is os.Environ without the named variables.
func filteredEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return env
}
