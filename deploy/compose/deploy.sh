#!/bin/sh
# The compose stack's one-shot deploy step (the `deploy` service runs it in the rahat image).
#
# It deploys the contracts to the dev chain once and writes the manifest that index and serve read
# (/var/lib/rahat/rahat.yaml on the shared volume). On later `docker compose up`s it finds the
# manifest and does nothing, provided the chain is still the one the contracts were deployed to.
#
# `rahat chain` keeps its chain in the volume chaindata (dev.chain_dir), so a restarted chain
# container is the same chain. Should the chain still be replaced (its volume removed alone), the
# manifest's addresses would not exist on it and the index in Postgres would describe a chain that
# is gone. The script recognises that case by the hash of block 1, recorded at deploy time, and stops
# with an error instead of starting an indexer on a chain that contradicts its database. Reset the
# stack with
#   docker compose down -v
set -eu

state=/var/lib/rahat
manifest=$state/rahat.yaml
stamp=$state/chain-block1
rpc=${RAHAT_CHAIN_RPC:-http://chain:8545}

# block1 prints the hash of block 1, or nothing while the chain has not sealed it.
block1() {
	wget -q -O - --header 'Content-Type: application/json' \
		--post-data '{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["0x1",false]}' "$rpc" |
		sed -n 's/.*"hash":"\(0x[0-9a-f]\{64\}\)".*/\1/p'
}

# The chain seals a block every second; give it a minute before giving up.
tries=0
hash=$(block1 || true)
while [ -z "$hash" ]; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "deploy: block 1 of $rpc did not appear within a minute" >&2
		exit 1
	fi
	sleep 1
	hash=$(block1 || true)
done

if [ -s "$manifest" ]; then
	if [ "$(cat "$stamp" 2>/dev/null || true)" = "$hash" ]; then
		echo "deploy: contracts already deployed on this chain (block 1 $hash); nothing to do"
		exit 0
	fi
	echo "deploy: $manifest was written for another chain (block 1 was $(cat "$stamp" 2>/dev/null || echo unknown), is $hash)." >&2
	echo "deploy: the in-memory dev chain was restarted and its state is gone; reset the stack with: docker compose down -v" >&2
	exit 1
fi

# Deploy into a temporary copy, record the chain, then publish the manifest with a rename: a manifest
# that exists is complete.
cp /etc/rahat-compose/rahat.yaml "$manifest.tmp"
/usr/local/bin/rahat deploy --config "$manifest.tmp"
echo "$hash" > "$stamp"
mv "$manifest.tmp" "$manifest"
echo "deploy: manifest written to $manifest"
