// Package pgcluster runs a private PostgreSQL server from the machine's own server binaries,
// for `rahat dev` and for tests when no DATABASE_URL is given.
//
// A cluster lives in one directory (Config.Dir):
//
//	Dir/data          the data directory (PGDATA), owned by the server's user, 0700
//	Dir/password      the superuser's random password, 0600, owned by the invoking user
//	Dir/postgres.log  the server's output, appended (rotated past 16 MiB)
//	Dir/run           the unix socket directory, 0700 (under /tmp if Dir's path is too long)
//	Dir/lock          an flock held by the Cluster using the directory
//
// Start initialises the directory on first use (UTF8, C locale, superuser "rahat", password
// authentication with scram-sha-256 for local and TCP connections: nothing is trusted), starts
// the server listening on 127.0.0.1 only, waits until it accepts an authenticated connection,
// and creates the database "rahat". Clients connect with URL(db).
//
// # Running as root
//
// PostgreSQL refuses to run as root. When os.Geteuid() is 0, initdb and postgres run as an
// unprivileged account (Config.RunAsUser, else "postgres", else "nobody") through
// SysProcAttr.Credential with supplementary groups dropped. That account must own the data
// directory and reach it by path: the data directory and socket directory are chowned to it,
// and every directory from Dir up to / gets the search bit for others (o+x) where the account
// could not pass (each change is logged). o+x lets it traverse, not list; it is needed because
// t.TempDir and os.MkdirTemp create 0700 directories and /root is 0700. The password and log
// files stay private to the invoking user: initdb reads a short-lived copy of the password
// owned by the account, and the server's output goes to a log descriptor we open and pass in.
// As a normal user nothing changes hands and the server runs as that user.
//
// # Never leaking or hanging
//
// The server must not outlive its parent, including a `go test` binary killed with SIGKILL.
// On Linux the kernel's parent-death signal (SysProcAttr.Pdeathsig) sends SIGINT, PostgreSQL's
// fast shutdown, when the parent dies. The kernel ties it to the thread that forked, not the
// process, and the Go runtime retires a thread when a goroutine locked to it exits, so the
// server is forked from a goroutine that locks its OS thread and stays on it, waiting for the
// server, until the server is gone; initdb likewise (runLocked), or a server goroutine that took
// its forking thread and returned could interrupt it. We chose this over a watchdog process
// because it needs no extra process, works however the parent dies, and costs one idle thread. Other systems have
// no such signal: there a server whose parent is SIGKILLed keeps running until stopped by hand,
// and the next Start on its directory reports it (ErrDataDirInUse, naming its PID).
//
// The server runs in its own process group, so a terminal's Ctrl-C reaches rahat, which then
// stops the server after its own clients (the indexer finishing a transaction) rather than
// under them.
//
// Every wait has a deadline (Config.StartTimeout, Config.StopTimeout, and the caller's
// context), and a failed start reports the last lines of the server log. Readiness is
// observed by connecting, polled every 50ms, and a server that exits during startup fails the
// wait at once.
//
// # Stale and busy directories, busy ports
//
// A postmaster.pid whose process is gone, or whose PID now belongs to a process that is not a
// PostgreSQL server on this data directory (checked through /proc on Linux), is removed before
// starting. A live server on the directory, or another Cluster holding Dir/lock, is an error
// wrapping ErrDataDirInUse that names the PID and directory. When a killed postmaster's
// backends are still detaching from shared memory, start is retried until the deadline.
// With Port 0 a free port is chosen, and another one if a different process binds it first;
// a stopped cluster restarts on the port it had, so its URLs stay valid. An explicit port in
// use is an error wrapping ErrPortInUse that names the port.
package pgcluster
