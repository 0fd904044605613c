// Package status is the live status page that `rahat serve` (and `rahat dev`) answers at "/": the
// indexed networks with their head and indexed block, lag and throughput, the recent reorgs, the
// latest events as they stream in, and links to GraphiQL (/graphql) and the OpenAPI document
// (/v1/openapi.json).
//
// # A public page
//
// Like /healthz and /readyz, the page and its JSON need no token and show no secret: chain data
// (blocks, hashes, addresses, event names) and the indexer's state. indexer_chains.last_error is
// left out on purpose, since an RPC error can quote a provider URL and its API key; the page says
// only that a chain has indexing errors. Operators who do not want it public turn it off with
// `serve.status_page: false` (RAHAT_SERVE_STATUS_PAGE=false), or keep "/" off their ingress.
//
// # What serves what
//
//   - "/" is one HTML page, "/status/status.js" and "/status/status.css" its script and style:
//     plain files embedded with go:embed, no build step, under a Content-Security-Policy that
//     confines them to this origin.
//   - "/status.json" is a Snapshot: indexer_chains, the last reorgs of indexer_reorgs, the newest
//     events over every event table of indexer_event_tables, and throughput. A snapshot is reused
//     for CacheFor (a second), and concurrent requests share the read in flight, so a wall of
//     open pages costs the database about one read a second per replica.
//   - The page's events stream through the GraphQL subscriptions of /graphql, over a websocket
//     speaking graphql-transport-ws: it asks the schema (introspection) for the subscriptions
//     whose rows are events, opens one per event type in the mode that sends only new rows, plus
//     newBlocks (moves the indexed block between polls) and reorgs (drops the rows a reorg undid).
//     It polls /status.json every five seconds for the rest. When the websocket cannot be opened
//     it reconnects with exponential backoff and jitter, and meanwhile polls /status.json every
//     second, whose events keep the list moving.
//
// # Throughput
//
// Event tables carry no time of writing, and block timestamps say when a block was made, not when
// it was indexed (a backfill indexes old blocks fast). So Run follows the commits the indexer
// announces, through the hub that serves GraphQL subscriptions (graphql/live; no connection of
// its own), and keeps those of the last Window: which blocks and which tables each covered. A
// snapshot counts the rows of those tables in those blocks (a primary-key range per table) and
// divides by the window, or by the time since Run began when that is shorter. The hub catches up
// after a lost connection with an event covering the blocks missed (tables unknown: all are
// counted), so the figure survives it; while the hub is not listening the page shows it as
// unknown. Nothing is counted while nobody looks.
package status
