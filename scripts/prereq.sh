#!/usr/bin/env bash
# Checks what `make dev` and `make test` need, and says what to install when something is missing.
set -u
fail=0
if ! command -v go >/dev/null 2>&1; then
  echo "rahat: Go is not installed: install Go 1.26 or newer (https://go.dev/dl/)" >&2
  fail=1
fi
if [ -z "${DATABASE_URL:-}${TEST_DATABASE_URL:-}" ]; then
  found=""
  for d in "$(command -v postgres 2>/dev/null | xargs -r dirname)" "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
    if [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then found="$d"; break; fi
  done
  if [ -z "$found" ]; then
    echo "rahat: PostgreSQL server binaries (postgres, initdb) not found: install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL (and TEST_DATABASE_URL for tests) to an existing server" >&2
    fail=1
  fi
fi
exit $fail
