package graphql_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
)

// BenchmarkIdleSubscriberMemory measures what an idle newBlocks subscriber costs the server:
// RAHAT_MEM_SUBSCRIBERS (default 10,000) websockets held by a client in another process (this
// test binary again, as TestLiveClientProcess), after a full collection, heap and stacks.
//
//	go test ./graphql -run '^$' -bench IdleSubscriberMemory -benchtime 1x
func BenchmarkIdleSubscriberMemory(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("RAHAT_MEM_SUBSCRIBERS")); err == nil {
		n = v
	}
	db := pgtest.New(b)
	ls := serveLive(b, db, func(c *graphql.Config) {
		c.Subscriptions.MaxConnectionsPerIP = n + 10
	}, nil)
	before, beforeStack := memInUse()
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestLiveClientProcess$")
		cmd.Env = append(os.Environ(), "RAHAT_LIVE_CLIENT_URL="+ls.wsURL, "RAHAT_LIVE_CLIENT_N="+strconv.Itoa(n))
		stdin, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() && sc.Text() != "ready" {
		}
		waitStats(b, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == n })
		after, afterStack := memInUse()
		b.ReportMetric(float64(after-before)/float64(n), "bytes/subscriber")
		b.ReportMetric(float64(afterStack-beforeStack)/float64(n), "stack-bytes/subscriber")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")

		// Then blocks: the time from each notice to the last of its n messages written.
		var worst []time.Duration
		sent := metricValue(b, ls, "rahat_graphql_live_messages_total")
		for i := range 20 {
			start := time.Now()
			notify(b, db, indexer.Notification{ChainID: 1337, From: uint64(i + 1), To: uint64(i + 1)})
			sent += float64(n)
			tick := time.NewTicker(time.Millisecond)
			for metricValue(b, ls, "rahat_graphql_live_messages_total") < sent {
				if time.Since(start) > time.Minute {
					b.Fatalf("block %d: not delivered in a minute", i)
				}
				<-tick.C
			}
			tick.Stop()
			worst = append(worst, time.Since(start))
		}
		slices.Sort(worst)
		b.ReportMetric(float64(worst[len(worst)/2].Microseconds())/1000, "ms-all-written-p50")
		b.ReportMetric(float64(worst[len(worst)-1].Microseconds())/1000, "ms-all-written-max")
		stdin.Close()
		cmd.Wait()
		waitStats(b, ls, func(s graphql.LiveStats) bool { return s.Connections == 0 })
	}
}

// memInUse is the heap and stacks in use after a full collection, and the stacks alone.
func memInUse() (total, stacks uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, m.StackInuse
}

// TestLiveClientProcess is the client side of BenchmarkIdleSubscriberMemory when run by it;
// otherwise it does nothing.
func TestLiveClientProcess(t *testing.T) {
	url := os.Getenv("RAHAT_LIVE_CLIENT_URL")
	if url == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv("RAHAT_LIVE_CLIENT_N"))
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: time.Minute, ReadBufferSize: 512, WriteBufferSize: 512}
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		c, _, err := d.Dial(url, nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		c.WriteMessage(websocket.TextMessage, []byte(`{"type":"connection_init"}`))
		c.WriteMessage(websocket.TextMessage, []byte(`{"id":"1","type":"subscribe","payload":{"query":"subscription { newBlocks { number } }"}}`))
		conns = append(conns, c)
		go func() {
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') //nolint:errcheck // EOF when the parent is done
	for _, c := range conns {
		c.Close()
	}
}
