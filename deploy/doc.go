// Package deploy holds no code: it is the home of rahat's deployment files, and its tests
// (package deploy_test) validate them in `make test`, where no Docker engine or cluster exists.
//
//   - ../Dockerfile, ../.dockerignore and docker/rahat.yaml (the image's default config): the
//     build is static (CGO_ENABLED=0), runs as a non-root user, and no file the binary embeds is
//     left out of the build context.
//   - ../docker-compose.yml with compose/ (proxy, deploy script, Grafana provisioning): loaded
//     with compose-go, the loader behind `docker compose config`, and checked for health checks,
//     start-up order, mounted files and ports that agree with the rahat.yaml the services read.
//   - k8s/ (kustomize base and overlays/example): rendered with `kubectl kustomize` when kubectl
//     is installed, and always read file by file, checking the indexer's standby pair, the
//     server's HPA and PDB, probes, secrets by reference only, and configs that rahat accepts.
//   - prometheus/ and grafana/: every metric an alert or a panel queries is one the Go code
//     registers (found by parsing the sources), and the rule file is checked with promtool when
//     it is installed.
//
// The procedures these files serve are in docs/operations.md.
package deploy
