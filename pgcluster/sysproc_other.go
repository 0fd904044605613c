//go:build unix && !linux

package pgcluster

import "syscall"

// sysProcAttr runs a child as acct in its own process group. Outside Linux there is no
// parent-death signal: a server whose parent is SIGKILLed keeps running (see doc.go).
func sysProcAttr(acct *account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: acct.credential(), Setpgid: true}
}

// hasPdeathsig reports whether children die with their parent on this platform.
const hasPdeathsig = false

// isPostmasterOf cannot inspect the process without /proc, so any live process named in the
// pid file is taken to be the server: the caller reports a clear error rather than guessing.
func isPostmasterOf(pid int, dataDir string) bool { return true }
