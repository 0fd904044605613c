//go:build !unix

package pgcluster

import (
	"errors"
	"log/slog"
	"os"
	"syscall"
)

// This file lets the module build where a private cluster is not supported (Windows): Start
// fails with errUnsupported, and DATABASE_URL must point at a server.

var errUnsupported = errors.New("a private PostgreSQL cluster is supported only on Linux and other unix systems: set DATABASE_URL")

type account struct{ name string }

func serverAccount(string) (*account, error)                    { return nil, errUnsupported }
func (a *account) String() string                               { return "current user" }
func (a *account) uidOrSelf() uint32                            { return 0 }
func (a *account) chown(string) error                           { return errUnsupported }
func (a *account) chownTree(string) error                       { return errUnsupported }
func (a *account) ensureTraversable(string, *slog.Logger) error { return errUnsupported }
func ownerOf(string) (uint32, error)                            { return 0, errUnsupported }
func processExists(int) bool                                    { return false }
func isPostmasterOf(int, string) bool                           { return false }
func signalProcess(p *os.Process, _ syscall.Signal) error       { return p.Kill() }
func sysProcAttr(*account) *syscall.SysProcAttr                 { return nil }
func (c *Cluster) lockDir() error                               { return errUnsupported }
func (c *Cluster) unlockDir()                                   {}
func readPostmasterPID(string) int                              { return 0 }

type dirLock struct{}

const hasPdeathsig = false

var (
	sigFastShutdown      = syscall.SIGINT
	sigImmediateShutdown = syscall.SIGQUIT
	sigKill              = syscall.SIGKILL
)
