#!/usr/bin/env bash
# build.sh rebuilds everything generated under contracts/: the solc artifacts (artifacts/*.json) and the
# abigen bindings (bindings/*.go, except the hand-written doc.go).
#
#   bash contracts/build.sh           rebuild in place (make contracts)
#   bash contracts/build.sh --check   rebuild into a temporary directory and fail, naming every stale file,
#                                     if anything differs from the files in the tree
#
# Needs node/npm (solc-js and OpenZeppelin come from package-lock.json via npm ci) and go (abigen at the
# go-ethereum version that go.mod requires, built from the module proxy into a temporary directory).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: bash contracts/build.sh [--check]" >&2; exit 2 ;;
esac

# Each generated binding file and the contract it binds.
contracts=(RahatToken RahatTreasury RahatProjectFactory RahatProject)
bindfile() { # RahatProjectFactory -> rahat_project_factory.go
  echo "$1" | sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' | tr 'A-Z' 'a-z' | sed 's/$/.go/'
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

node "$here/build.mjs" --out "$tmp/artifacts" --abigen "$tmp/abigen-in"

gethver="$(cd "$root" && go list -m -f '{{.Version}}' github.com/ethereum/go-ethereum)"
GOBIN="$tmp/bin" go install "github.com/ethereum/go-ethereum/cmd/abigen@$gethver"
mkdir -p "$tmp/bindings"
for c in "${contracts[@]}"; do
  "$tmp/bin/abigen" --abi "$tmp/abigen-in/$c.abi" --bin "$tmp/abigen-in/$c.bin" \
    --pkg bindings --type "$c" --out "$tmp/bindings/$(bindfile "$c")"
done

if [[ $check == 0 ]]; then
  mkdir -p "$here/artifacts" "$here/bindings"
  # Drop generated files of contracts that no longer exist, keep hand-written ones (doc.go, tests).
  find "$here/artifacts" -maxdepth 1 -name '*.json' -delete
  find "$here/bindings" -maxdepth 1 -name '*.go' -exec grep -l '^// Code generated - DO NOT EDIT.' {} + 2>/dev/null | xargs -r rm -f
  cp "$tmp/artifacts/"*.json "$here/artifacts/"
  cp "$tmp/bindings/"*.go "$here/bindings/"
  echo "contracts: wrote artifacts/ and bindings/ ($(ls "$tmp/artifacts" | wc -l) contracts)"
  exit 0
fi

stale=0
compare() { # compare GENERATED_DIR TREE_DIR GLOB
  local gen="$1" tree="$2" f rel
  for f in "$gen"/*; do
    rel="contracts/${tree#"$here"/}/$(basename "$f")"
    if [[ ! -f "$tree/$(basename "$f")" ]]; then
      echo "stale: $rel is missing" >&2; stale=1
    elif ! cmp -s "$f" "$tree/$(basename "$f")"; then
      echo "stale: $rel differs from a fresh build" >&2; stale=1
    fi
  done
}
compare "$tmp/artifacts" "$here/artifacts"
compare "$tmp/bindings" "$here/bindings"
# Generated files in the tree that a fresh build no longer produces.
for f in "$here"/artifacts/*.json; do
  [[ -e "$f" && ! -e "$tmp/artifacts/$(basename "$f")" ]] && { echo "stale: contracts/artifacts/$(basename "$f") is no longer built" >&2; stale=1; }
done
for f in "$here"/bindings/*.go; do
  [[ -e "$f" ]] || continue
  if grep -q '^// Code generated - DO NOT EDIT.' "$f" && [[ ! -e "$tmp/bindings/$(basename "$f")" ]]; then
    echo "stale: contracts/bindings/$(basename "$f") is no longer built" >&2; stale=1
  fi
done
if [[ $stale != 0 ]]; then
  echo "contracts: committed artifacts or bindings are stale; run 'make contracts' (bash contracts/build.sh)" >&2
  exit 1
fi
echo "contracts: artifacts and bindings are up to date"
