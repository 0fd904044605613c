// Package config reads rahat's configuration: rahat.yaml, then RAHAT_* environment variables, then
// command-line flags, each overriding the one before. Every key has one dotted path ("database.url") that
// names the YAML field, the variable (RAHAT_DATABASE_URL) and the flag (--database-url); list elements are
// reached by index in the environment (RAHAT_NETWORKS_0_RPC_URL). Validate names the first bad field.
//
// The package only describes and checks configuration: it opens nothing and starts nothing.
package config
