package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrPortInUse reports that the requested TCP port is taken by another process.
var ErrPortInUse = errors.New("port in use")

const (
	pollInterval   = 50 * time.Millisecond
	portAttempts   = 5                // free-port picks before giving up on Port 0
	logTailLines   = 20               // server log lines quoted in errors
	maxLogSize     = 16 << 20         // rotate postgres.log past this size
	killWait       = 10 * time.Second // wait after SIGQUIT and after SIGKILL
	connectTimeout = 2 * time.Second  // per readiness probe
)

// server is one run of the postmaster.
type server struct {
	cmd      *exec.Cmd
	pid      int
	port     int
	sockDir  string // removed after exit when tempSock
	tempSock bool
	logFrom  int64 // offset in the log file where this run's output starts
	exited   chan struct{}
	waitErr  error       // valid after exited is closed
	stopping atomic.Bool // set by Stop, so an exit is not reported as unexpected
}

func (s *server) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// startFailure classifies why a server did not come up, from its log.
type startFailure int

const (
	failOther startFailure = iota
	failPortInUse
	failShmemInUse // orphaned backends of a killed postmaster still attached; they exit shortly
	failLockFile   // another postmaster created postmaster.pid first
)

func classify(log string) startFailure {
	switch {
	case strings.Contains(log, "could not bind IPv4 address"), strings.Contains(log, "could not create any TCP/IP sockets"):
		return failPortInUse
	case strings.Contains(log, "pre-existing shared memory block"):
		return failShmemInUse
	case strings.Contains(log, `lock file "postmaster.pid" already exists`):
		return failLockFile
	}
	return failOther
}

// startLocked starts the postmaster and waits until it accepts connections. With Port 0 it
// picks a free port and retries if another process takes that port first; after a killed
// server it waits (until the deadline) for the old server's processes to go away.
func (c *Cluster) startLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.StartTimeout)
	defer cancel()
	fixedPort := c.port != 0 // explicit, or chosen by an earlier start that clients know
	for attempt := 1; ; attempt++ {
		if err := c.checkPIDFile(); err != nil {
			return err
		}
		port := c.port
		if !fixedPort {
			p, err := freePort()
			if err != nil {
				return err
			}
			port = p
		} else if err := checkPortFree(port); err != nil {
			return err
		}
		s, err := c.launch(port)
		if err != nil {
			return err
		}
		err = c.waitReady(ctx, s)
		if err == nil {
			c.srv, c.port = s, port
			c.logger.Info("PostgreSQL is ready", "port", port, "pid", s.pid, "dir", c.layout.dataDir,
				"version", c.bins.version, "user", c.acct.String())
			return nil
		}
		c.kill(s)
		tail := c.logTail(s)
		switch classify(tail) {
		case failPortInUse:
			if !fixedPort && attempt < portAttempts {
				c.logger.Info("port taken before PostgreSQL could bind it, trying another", "port", port)
				continue
			}
			return fmt.Errorf("PostgreSQL could not listen on 127.0.0.1:%d, it is in use by another process: %w\n%s",
				port, ErrPortInUse, tail)
		case failShmemInUse:
			if ctx.Err() == nil {
				// Wait for the orphans to exit: the condition is re-checked by the next start.
				select {
				case <-ctx.Done():
				case <-time.After(4 * pollInterval):
				}
				continue
			}
		case failLockFile:
			return fmt.Errorf("another PostgreSQL server started on data directory %s: %w\n%s",
				c.layout.dataDir, ErrDataDirInUse, tail)
		}
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, c.layout.logFile, tail)
	}
}

// launch starts the postmaster without waiting for it.
func (c *Cluster) launch(port int) (*server, error) {
	s := &server{port: port, exited: make(chan struct{})}
	var err error
	if s.sockDir, s.tempSock, err = c.makeSocketDir(); err != nil {
		return nil, err
	}
	logf, err := c.openLog()
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	if s.logFrom, err = logf.Seek(0, io.SeekEnd); err != nil {
		return nil, fmt.Errorf("opening the server log: %w", err)
	}

	cmd := exec.Command(c.bins.postgres, c.serverArgs(port, s.sockDir)...)
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr(c.acct)
	s.cmd = cmd

	// The parent-death signal is sent when the *thread* that forked the child exits, not the
	// process. Go retires an OS thread only when a goroutine locked to it exits, so this
	// goroutine locks its thread, forks from it and stays on it until the server has exited.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: returning while locked retires the thread, harmless once the
		// child is gone.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		if s.tempSock {
			os.RemoveAll(s.sockDir)
		}
		close(s.exited)
		if !s.stopping.Load() {
			c.logger.Error("PostgreSQL exited unexpectedly", "pid", cmd.Process.Pid, "err", s.waitErr,
				"log", c.logTail(s))
		}
	}()
	if err := <-started; err != nil {
		if s.tempSock {
			os.RemoveAll(s.sockDir)
		}
		return nil, fmt.Errorf("starting %s as %s: %w", c.bins.postgres, c.acct, err)
	}
	s.pid = cmd.Process.Pid
	return s, nil
}

// runLocked runs cmd to completion from a goroutine locked to its OS thread. A child started with
// a parent-death signal (sysProcAttr) gets it when the thread that forked it exits, and Go
// retires a thread when a goroutine locked to it exits: forked from an unlocked goroutine, the
// child could be signalled as soon as another goroutine locked that thread and returned (launch's
// goroutine does, when its server stops). initdb was interrupted that way ("caught signal") while
// parallel tests started and stopped clusters.
func runLocked(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread() // the child is gone by then
		done <- cmd.Run()
	}()
	return <-done
}

// serverArgs are the postmaster's command line. Settings override these parameters (and
// postgresql.conf), except the data directory and the port, which the Cluster manages.
func (c *Cluster) serverArgs(port int, sockDir string) []string {
	set := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(port),
		"unix_socket_directories": sockDir,
		"unix_socket_permissions": "0700",
		"logging_collector":       "off",
		"log_destination":         "stderr",
	}
	if c.cfg.Ephemeral {
		set["fsync"] = "off"
		set["synchronous_commit"] = "off"
		set["full_page_writes"] = "off"
	}
	for k, v := range c.cfg.Settings {
		set[k] = v
	}
	set["port"] = strconv.Itoa(port) // Config.Port decides
	args := []string{"-D", c.layout.dataDir}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		args = append(args, "-c", k+"="+set[k])
	}
	return args
}

// makeSocketDir makes a fresh, private unix socket directory: Dir/run when its path is short
// enough for a socket name, else a new directory under /tmp (removed when the server exits).
func (c *Cluster) makeSocketDir() (dir string, temp bool, err error) {
	if c.layout.runDir != "" {
		dir = c.layout.runDir
		// No server uses it: the directory lock and checkPIDFile made sure of that.
		if err := os.RemoveAll(dir); err != nil {
			return "", false, fmt.Errorf("clearing the socket directory: %w", err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			return "", false, fmt.Errorf("creating the socket directory: %w", err)
		}
	} else {
		if dir, err = os.MkdirTemp("/tmp", "rahat-pg-"); err != nil {
			return "", false, fmt.Errorf("creating the socket directory: %w", err)
		}
		temp = true
	}
	if err := c.acct.chown(dir); err != nil {
		return "", false, err
	}
	return dir, temp, nil
}

// openLog opens the server log for appending, rotating it once it grows large.
func (c *Cluster) openLog() (*os.File, error) {
	if fi, err := os.Stat(c.layout.logFile); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(c.layout.logFile, c.layout.logFile+".1")
	}
	f, err := os.OpenFile(c.layout.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the server log: %w", err)
	}
	return f, nil
}

// logTail returns the last lines this run of the server wrote to its log.
func (c *Cluster) logTail(s *server) string {
	f, err := os.Open(c.layout.logFile)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	defer f.Close()
	from := s.logFrom
	if fi, err := f.Stat(); err == nil && fi.Size()-from > 64<<10 {
		from = fi.Size() - 64<<10
	}
	b, err := io.ReadAll(io.NewSectionReader(f, from, 1<<30))
	if err != nil {
		return fmt.Sprintf("(reading the server log: %v)", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return "(the server wrote nothing to its log)"
	}
	return lastLines(string(b), logTailLines)
}

// waitReady polls until the server accepts an authenticated connection, the server exits, or
// ctx ends, whichever comes first.
func (c *Cluster) waitReady(ctx context.Context, s *server) error {
	cfg, err := pgconn.ParseConfig(connURL(c.password, s.port, "postgres"))
	if err != nil {
		return fmt.Errorf("building the readiness probe: %w", err)
	}
	cfg.ConnectTimeout = connectTimeout
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var lastErr error
	for {
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		lastErr = err
		select {
		case <-s.exited:
			return fmt.Errorf("PostgreSQL (PID %d) exited during startup: %v", s.pid, s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL (PID %d) did not accept connections on port %d in time: %w (last attempt: %v)",
				s.pid, s.port, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// stopLocked stops the current server, escalating from fast to immediate shutdown to SIGKILL.
func (c *Cluster) stopLocked(ctx context.Context) error {
	s := c.srv
	c.srv = nil
	if s == nil {
		return nil
	}
	s.stopping.Store(true)
	if s.hasExited() {
		c.logger.Warn("PostgreSQL had already exited", "pid", s.pid, "err", s.waitErr)
		return nil
	}
	if err := signalProcess(s.cmd.Process, sigFastShutdown); err != nil {
		return fmt.Errorf("stopping PostgreSQL (PID %d): %w", s.pid, err)
	}
	timer := time.NewTimer(c.cfg.StopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		c.logger.Info("PostgreSQL stopped", "pid", s.pid)
		return nil
	case <-ctx.Done():
	case <-timer.C:
	}
	c.kill(s)
	return fmt.Errorf("PostgreSQL (PID %d) did not finish a fast shutdown in time, so it was killed "+
		"(the next start runs crash recovery):\n%s", s.pid, c.logTail(s))
}

// kill ends a server without ceremony: immediate shutdown, then SIGKILL, each with a deadline.
func (c *Cluster) kill(s *server) {
	s.stopping.Store(true)
	for _, sig := range []syscall.Signal{sigImmediateShutdown, sigKill} {
		if s.hasExited() {
			return
		}
		if err := signalProcess(s.cmd.Process, sig); err != nil {
			c.logger.Warn("signalling PostgreSQL", "pid", s.pid, "signal", sig, "err", err)
		}
		select {
		case <-s.exited:
			return
		case <-time.After(killWait):
		}
	}
	c.logger.Error("PostgreSQL did not exit after SIGKILL", "pid", s.pid)
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another process may take it before
// postgres binds it; startLocked retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// checkPortFree fails with ErrPortInUse if port cannot be bound on 127.0.0.1.
func checkPortFree(port int) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("port %d on 127.0.0.1 is in use by another process: "+
				"choose another port, or 0 for a free one: %w", port, ErrPortInUse)
		}
		return fmt.Errorf("checking port %d: %w", port, err)
	}
	return l.Close()
}
