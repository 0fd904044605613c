package pgcluster

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
)

// TestRunLockedOutlivesRetiredThreads: a child that runLocked started with a parent-death signal
// is not signalled while other goroutines retire OS threads (a goroutine that returns locked to
// its thread retires it). initdb, forked from an unlocked goroutine, was: its thread was later
// locked by a server's goroutine, which returned when that server stopped.
func TestRunLockedOutlivesRetiredThreads(t *testing.T) {
	t.Parallel()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("this test needs sleep(1): %v", err)
	}
	cmd := exec.Command(sleep, "1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	done := make(chan error, 1)
	go func() { done <- runLocked(cmd) }()
	retired := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the child, after %d threads were retired: %v", retired, err)
			}
			return
		default:
		}
		// Several at once, so that the idle threads, the forking one among them, are all taken.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(runtime.LockOSThread) // returns locked: its thread is retired
		}
		wg.Wait()
		retired += 8
	}
}
