package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWritesAndTail(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("ab"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := b.String(); len(got) != 1600 || strings.Trim(got, "ab") != "" {
		t.Fatalf("%d bytes written, want 1600", len(got))
	}
	if got := b.Tail(4); got != "...abab" {
		t.Fatalf("Tail(4) = %q", got)
	}
	var short Buffer
	_, _ = short.Write([]byte("xy"))
	if got := short.Tail(4); got != "xy" {
		t.Fatalf("Tail of a short buffer = %q", got)
	}
}
