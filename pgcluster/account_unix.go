//go:build unix

package pgcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// account is the unprivileged operating-system user that runs initdb and postgres when this
// process is root. A nil *account means "run as ourselves"; its methods are then no-ops.
type account struct {
	name     string
	uid, gid uint32
}

// serverAccount picks the user to run the server as: nil when not root, else the named user,
// else "postgres", else "nobody".
func serverAccount(name string) (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	names := []string{"postgres", "nobody"}
	if name != "" {
		names = []string{name}
	}
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &account{name: n, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root, and PostgreSQL refuses to run as root, but there is no "+
		"unprivileged user %s to run it as: create one (useradd --system postgres) or run rahat as a normal user",
		strings.Join(names, " or "))
}

func (a *account) String() string {
	if a == nil {
		return fmt.Sprintf("uid %d", os.Geteuid())
	}
	return fmt.Sprintf("%s (uid %d)", a.name, a.uid)
}

// uidOrSelf is the uid the server runs as.
func (a *account) uidOrSelf() uint32 {
	if a == nil {
		return uint32(os.Geteuid())
	}
	return a.uid
}

// credential is what exec needs to drop to this account. Supplementary groups are cleared so
// that the server holds none of root's groups.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}
}

// chown gives path to the account.
func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	if err := os.Lchown(path, int(a.uid), int(a.gid)); err != nil {
		return fmt.Errorf("giving %s to %s: %w", path, a, err)
	}
	return nil
}

// chownTree gives a whole tree to the account, used when a data directory created by another
// user (an earlier run as a different account) is reused by root.
func (a *account) chownTree(root string) error {
	if a == nil {
		return nil
	}
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return a.chown(p)
	})
}

// ensureTraversable makes dir and every directory above it searchable by the account, which
// must reach the data directory by path. Only the search bit for others (o+x) is added, and
// only where it is missing: it lets the account pass through, not list. t.TempDir() and
// os.MkdirTemp make 0700 directories, and /root is 0700 on most systems, so as root this is
// usually needed once per directory; each change is logged.
func (a *account) ensureTraversable(dir string, logger *slog.Logger) error {
	if a == nil {
		return nil
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("checking %s: %w", p, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("checking %s: no unix file attributes", p)
		}
		if !a.canSearch(fi.Mode().Perm(), st.Uid, st.Gid) {
			mode := fi.Mode().Perm() | 0o001
			if err := os.Chmod(p, mode); err != nil {
				return fmt.Errorf("letting %s reach the data directory: chmod o+x %s: %w", a, p, err)
			}
			logger.Info("granted search permission so the PostgreSQL user can reach its data directory",
				"dir", p, "mode", fmt.Sprintf("%04o", mode), "user", a.name)
		}
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}

func (a *account) canSearch(perm fs.FileMode, uid, gid uint32) bool {
	switch {
	case uid == a.uid:
		return perm&0o100 != 0
	case gid == a.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// ownerOf returns the uid that owns path.
func ownerOf(path string) (uint32, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("%s: no unix file attributes", path)
	}
	return st.Uid, nil
}

// processExists reports whether a process with this pid exists (EPERM means it does, owned by
// someone else).
func processExists(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// signalProcess sends sig to pid; a process that is already gone is not an error.
func signalProcess(p *os.Process, sig syscall.Signal) error {
	err := p.Signal(sig)
	if err == nil || errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

var (
	sigFastShutdown      = syscall.SIGINT  // postgres: fast shutdown (roll back, disconnect, checkpoint)
	sigImmediateShutdown = syscall.SIGQUIT // postgres: immediate shutdown (crash recovery next start)
	sigKill              = syscall.SIGKILL
)
