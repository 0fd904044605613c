package graphql

// `make generate` (go generate ./...) runs, from this directory: our generator, which writes
// schema.graphql, the models, the entity resolvers and gqlgen.yml's models from the ABIs and
// graphql/catalog/*.graphql; then gqlgen (from the repository root, where gqlgen.yml is), which
// writes the executable schema (graphql/exec).
//go:generate go run ./gen -root ..
//go:generate go -C .. run github.com/99designs/gqlgen generate
