// Command rahat indexes Rahat's aid contracts into Postgres and serves them over GraphQL, REST and SMS.
// Run `rahat help` for the subcommands.
package main
