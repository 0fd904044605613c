//go:build unix

package pgcluster

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestRestartWithLockFileSharedByChild: Stop releases the directory lock even while a child
// process shares the lock file's open description (as every child of this process does between
// its fork and its exec), so a Start right after Stop finds the directory free. Closing the file
// alone left the lock held, and the Start failed with "in use by another process".
func TestRestartWithLockFileSharedByChild(t *testing.T) {
	t.Parallel()
	c := startTestCluster(t, Config{})
	c.mu.Lock()
	shared := c.lock.f
	c.mu.Unlock()
	child := exec.Command("sleep", "600")
	child.ExtraFiles = []*os.File{shared} // inherited without close-on-exec: held until the child ends
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start right after Stop, the lock file still open in a child: %v", err)
	}
}
