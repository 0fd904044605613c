// Package schema maps contract ABIs to the indexer's Postgres event tables: the table and column
// names, their SQL types, the DDL that creates them (partitioned by block-number range) and the
// conversion of decoded event values to pgx values.
//
// It is the one place that knows the naming rule, so the GraphQL generator and the indexer cannot
// disagree. The rule (also in docs/schema.md):
//
//   - Table: "evt_" + snake(contract ABI name) + "_" + snake(event name), where the event name is
//     go-ethereum's unique name (an overloaded event's second signature is "Name0", then "Name1").
//     E.g. RahatProject.TokensAllocated -> evt_rahat_project_tokens_allocated.
//   - snake: an underscore goes before an upper-case letter that follows a lower-case letter or a
//     digit, or that starts a new word after an acronym ("OTPHash" -> "otp_hash", "ERC20Token" ->
//     "erc20_token"); everything is lower-cased; characters other than [a-z0-9] become "_"; runs of
//     "_" collapse and leading/trailing "_" are dropped ("_amount" -> "amount").
//   - Identifiers longer than 63 bytes (Postgres' limit) are cut to 54 bytes and suffixed with "_"
//     and the first 8 hex digits of the SHA-256 of the full name.
//   - Parameter column: snake(parameter name). An unnamed parameter is "arg<i>", i its position in
//     the event's inputs (go-ethereum names it so when it parses the ABI; TheGraph's scaffolding
//     calls the same field "param<i>"). A name that collides with a metadata column or an earlier parameter
//     column gets the suffix "_<i>".
//   - Metadata columns, in this order, before the parameters: chain_id int8, contract bytea (the
//     emitting address), block_number int8, block_hash bytea, block_timestamp int8 (unix seconds),
//     tx_hash bytea, tx_index int4, log_index int4.
//   - Types: address, bytes, bytesN, function -> bytea; intN/uintN (all widths) -> numeric; bool ->
//     boolean; string -> text; a one-dimensional array or slice of those -> the element type's array
//     type; tuples and nested arrays -> jsonb (addresses and bytes as 0x-hex strings, integers as
//     decimal strings). An indexed parameter of a dynamic type (string, bytes, array, tuple) cannot be
//     recovered from the log and is stored as its 32-byte topic (bytea).
//   - Primary key (chain_id, block_number, log_index); B-tree indexes on every indexed parameter
//     (param, block_number), on tx_hash and on (contract, block_number). Covering indexes
//     "<table>_<param>_cov" on (param, block_number, log_index) INCLUDE (the other columns the
//     GraphQL API reads), built after the backfill (Table.CoveringIndexes); none for a table with a
//     column of unbounded size.
//   - Partitions: "<table>_p<first block>" covering [first, first+size).
package schema
