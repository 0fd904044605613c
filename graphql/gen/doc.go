// Command gen writes the generated parts of rahat's GraphQL API from graphql/catalog (the
// contracts' ABIs and the hand-written entities.graphql):
//
//	schema.graphql                  the whole published schema (repository root)
//	graphql/model/entities_gen.go   a model struct per entity, which rows are scanned into
//	graphql/resolvers_gen.go        every entity resolver, each a call into the generic engine
//	gqlgen.yml                      the models section between the "generated" markers
//
// gqlgen then generates the executable schema from schema.graphql (see graphql/generate.go; `make
// generate` runs both). With -check it writes nothing and fails if a file is out of date.
package main
