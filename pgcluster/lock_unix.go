//go:build unix

package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dirLock is an exclusive flock on Config.Dir/lock, held while a Cluster may run the server.
// It settles races between two processes starting the same directory before postgres's own
// postmaster.pid exists, and the kernel drops it when the holder dies, so it is never stale.
type dirLock struct{ f *os.File }

func (c *Cluster) lockDir() error {
	if c.lock != nil {
		return nil
	}
	f, err := os.OpenFile(c.layout.lockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", c.layout.lockFile, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid := readPostmasterPID(c.layout.dataDir); pid > 0 {
				who = fmt.Sprintf("another process, whose PostgreSQL server has PID %d", pid)
			}
			return fmt.Errorf("cluster directory %s (data directory %s) is in use by %s: "+
				"stop it or use another directory: %w", c.layout.dir, c.layout.dataDir, who, ErrDataDirInUse)
		}
		return fmt.Errorf("locking %s: %w", c.layout.lockFile, err)
	}
	// For humans: who holds the lock.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	c.lock = &dirLock{f: f}
	return nil
}

// unlockDir releases the lock explicitly before closing the file: closing alone would leave it
// held while any process forked by this one (an exec from any goroutine, between its fork and its
// exec) still shares the file's open description, and a Start right after Stop would find the
// directory "in use".
func (c *Cluster) unlockDir() {
	if c.lock != nil {
		_ = syscall.Flock(int(c.lock.f.Fd()), syscall.LOCK_UN)
		c.lock.f.Close()
		c.lock = nil
	}
}

// readPostmasterPID returns the PID recorded in dataDir/postmaster.pid, or 0.
func readPostmasterPID(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}
