package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Superuser is the name of the cluster's superuser role.
const Superuser = "rahat"

// DefaultDatabase is the database Start creates if it is missing.
const DefaultDatabase = "rahat"

// ErrDataDirInUse reports that another server or process already uses the cluster's directory.
var ErrDataDirInUse = errors.New("data directory is in use")

// maxSocketPath keeps <socket dir>/.s.PGSQL.<port>.lock under sun_path (108 bytes on Linux,
// 104 on macOS, including the terminating NUL).
const maxSocketPath = 100

// layout names the files under Config.Dir.
type layout struct {
	dir          string // Config.Dir, symlinks resolved
	dataDir      string // PGDATA
	passwordFile string // superuser password, 0600, owned by the invoking user
	logFile      string // server stdout+stderr, appended
	lockFile     string // flock held while a Cluster uses dir
	runDir       string // unix socket directory, or "" to use a fresh one under /tmp
}

func newLayout(dir string) layout {
	l := layout{
		dir:          dir,
		dataDir:      filepath.Join(dir, "data"),
		passwordFile: filepath.Join(dir, "password"),
		logFile:      filepath.Join(dir, "postgres.log"),
		lockFile:     filepath.Join(dir, "lock"),
	}
	if run := filepath.Join(dir, "run"); len(run+"/.s.PGSQL.65535.lock") <= maxSocketPath {
		l.runDir = run
	}
	return l
}

// isInitialised reports whether initdb has completed in the data directory.
func (l layout) isInitialised() bool {
	_, err := os.Stat(filepath.Join(l.dataDir, "PG_VERSION"))
	return err == nil
}

// dataVersion reads the major version that initialised the data directory.
func (l layout) dataVersion() (int, error) {
	b, err := os.ReadFile(filepath.Join(l.dataDir, "PG_VERSION"))
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("reading %s/PG_VERSION: %w", l.dataDir, err)
	}
	return v, nil
}

// readPassword returns the stored superuser password.
func (l layout) readPassword() (string, error) {
	b, err := os.ReadFile(l.passwordFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("the cluster in %s has no password file %s: without it rahat cannot log in; "+
			"remove %s to start a fresh cluster", l.dir, l.passwordFile, l.dir)
	}
	if err != nil {
		return "", fmt.Errorf("reading the superuser password: %w", err)
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return "", fmt.Errorf("password file %s is empty", l.passwordFile)
	}
	return pw, nil
}

// newPassword generates and stores a random superuser password, readable only by us.
func (l layout) newPassword() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating a password: %w", err)
	}
	pw := hex.EncodeToString(b[:])
	if err := os.WriteFile(l.passwordFile, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("storing the superuser password: %w", err)
	}
	// WriteFile keeps the mode of an existing file; make sure it is private.
	if err := os.Chmod(l.passwordFile, 0o600); err != nil {
		return "", fmt.Errorf("storing the superuser password: %w", err)
	}
	return pw, nil
}

// checkPIDFile looks at postmaster.pid. A live server on this data directory is an error
// naming its PID; a pid file left by a server that is gone (killed, or the machine rebooted and
// the PID now belongs to something else) is removed so that the next start does not trip on it.
func (c *Cluster) checkPIDFile() error {
	path := filepath.Join(c.layout.dataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if pid < 0 {
		pid = -pid // a single-user backend writes its PID negated
	}
	if err == nil && processExists(pid) && isPostmasterOf(pid, c.layout.dataDir) {
		return fmt.Errorf("a PostgreSQL server (PID %d) is already running on data directory %s: "+
			"stop it or use another directory: %w", pid, c.layout.dataDir, ErrDataDirInUse)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing stale %s: %w", path, err)
	}
	c.logger.Warn("removed a stale postmaster.pid left by a server that is gone",
		"dir", c.layout.dataDir, "stale_pid", pid)
	return nil
}

// prepareDataDir makes the data directory ready to start: checks an existing one, or creates
// and initialises a new one. It returns the superuser password.
func (c *Cluster) prepareDataDir(ctx context.Context) (string, error) {
	l := c.layout
	if l.isInitialised() {
		v, err := l.dataVersion()
		if err != nil {
			return "", err
		}
		if v != c.bins.major {
			return "", fmt.Errorf("data directory %s was initialised by PostgreSQL %d, but the server binaries "+
				"in %s are version %s: use PostgreSQL %d binaries (Config.BinDir), or remove %s to start afresh",
				l.dataDir, v, c.bins.dir, c.bins.version, v, l.dir)
		}
		if err := c.checkDataDirOwner(); err != nil {
			return "", err
		}
		return l.readPassword()
	}

	entries, err := os.ReadDir(l.dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(l.dataDir, 0o700); err != nil {
			return "", fmt.Errorf("creating the data directory: %w", err)
		}
	case err != nil:
		return "", fmt.Errorf("reading the data directory: %w", err)
	case len(entries) > 0:
		return "", fmt.Errorf("data directory %s is not empty but holds no PostgreSQL cluster "+
			"(no PG_VERSION; perhaps an interrupted initdb): remove it to start afresh", l.dataDir)
	}
	if err := c.acct.chown(l.dataDir); err != nil {
		return "", err
	}
	pw, err := l.newPassword()
	if err != nil {
		return "", err
	}
	if err := c.initdb(ctx, pw); err != nil {
		return "", err
	}
	return pw, nil
}

// checkDataDirOwner fails clearly when the server would run as a user that does not own the
// data directory (PostgreSQL would refuse with a less helpful message). As root the directory
// is simply given to the server's account, for example after an earlier run as another user.
func (c *Cluster) checkDataDirOwner() error {
	owner, err := ownerOf(c.layout.dataDir)
	if err != nil {
		return fmt.Errorf("checking the data directory: %w", err)
	}
	want := c.acct.uidOrSelf()
	if owner == want {
		return nil
	}
	if c.acct == nil {
		return fmt.Errorf("data directory %s belongs to uid %d, but PostgreSQL would run as uid %d: "+
			"run as that user, or use another directory", c.layout.dataDir, owner, want)
	}
	c.logger.Info("giving the data directory to the PostgreSQL user", "dir", c.layout.dataDir, "user", c.acct.name)
	return c.acct.chownTree(c.layout.dataDir)
}

// initdb creates the cluster: UTF8, C locale, superuser rahat with a password, scram-sha-256
// for every connection (local and TCP), so nothing is trusted without the password.
func (c *Cluster) initdb(ctx context.Context, password string) error {
	l := c.layout
	// initdb runs as the server's account, which cannot read our private password file, so it
	// gets a copy of its own, removed as soon as initdb is done.
	pwf, err := os.CreateTemp(l.dir, ".initdb-pw-*")
	if err != nil {
		return fmt.Errorf("initdb: writing the password file: %w", err)
	}
	defer os.Remove(pwf.Name())
	_, werr := pwf.WriteString(password + "\n")
	if cerr := pwf.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("initdb: writing the password file: %w", werr)
	}
	if err := c.acct.chown(pwf.Name()); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}

	args := []string{
		"-D", l.dataDir,
		"--username=" + Superuser,
		"--pwfile=" + pwf.Name(),
		"--auth=scram-sha-256",
		"--encoding=UTF8",
		"--locale=C",
		"--no-instructions",
	}
	if c.cfg.Ephemeral {
		args = append(args, "--no-sync")
	}
	ictx, cancel := context.WithTimeout(ctx, c.cfg.StartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ictx, c.bins.initdb, args...)
	cmd.Env = serverEnv()
	cmd.SysProcAttr = sysProcAttr(c.acct)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	c.logger.Info("initialising a PostgreSQL cluster", "dir", l.dataDir, "version", c.bins.version, "user", c.acct.String())
	if err := runLocked(cmd); err != nil {
		if ictx.Err() != nil {
			err = fmt.Errorf("%w (timed out after %v)", err, c.cfg.StartTimeout)
		}
		// initdb removes what it created on failure, but not the directory we made for it.
		c.cleanFailedInit()
		return fmt.Errorf("initdb in %s as %s: %w\n%s", l.dataDir, c.acct, err, lastLines(out.String(), 20))
	}
	return nil
}

// cleanFailedInit empties the data directory after a failed initdb so that a retry starts clean.
func (c *Cluster) cleanFailedInit() {
	entries, _ := os.ReadDir(c.layout.dataDir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(c.layout.dataDir, e.Name()))
	}
}

// serverEnv is our environment without PG* variables (which would point initdb and postgres at
// other clusters) and with the C locale (the cluster's locale is C; an unavailable locale in
// LANG would otherwise make the postmaster fail on start).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") || name == "LANG" || name == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
