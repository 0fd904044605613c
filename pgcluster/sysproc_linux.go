package pgcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr runs a child as acct in its own process group (so a terminal's Ctrl-C reaches
// rahat, which then stops the server in order, rather than the server directly) and asks the
// kernel to send the fast-shutdown signal when the thread that started it dies. See doc.go for
// why the thread, not the process, matters and how cluster.go keeps that thread alive.
func sysProcAttr(acct *account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Credential: acct.credential(),
		Setpgid:    true,
		Pdeathsig:  sigFastShutdown,
	}
}

// hasPdeathsig reports whether children die with their parent on this platform.
const hasPdeathsig = true

// isPostmasterOf reports whether the live process pid is a PostgreSQL server for dataDir.
// A postmaster's working directory is its data directory; when that cannot be read (another
// user's process, as non-root), its command line naming postgres is taken as enough, since
// guessing wrong only turns a stale pid file into a clear error instead of deleting a live one.
func isPostmasterOf(pid int, dataDir string) bool {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	if cwd, err := os.Readlink(filepath.Join(proc, "cwd")); err == nil {
		real, err := filepath.EvalSymlinks(dataDir)
		if err != nil {
			real = dataDir
		}
		return cwd == real || cwd == dataDir
	}
	cmdline, err := os.ReadFile(filepath.Join(proc, "cmdline"))
	if err != nil {
		// The process exists (the caller checked) but /proc hides it: assume the worst.
		return true
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 0 && (strings.Contains(filepath.Base(args[0]), "postgres") ||
		strings.Contains(filepath.Base(args[0]), "postmaster"))
}
