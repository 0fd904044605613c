package main

import (
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/codegen/templates"

	"github.com/rahataid/rahat/graphql/catalog"
)

// The fixed part of the subscription schema: the mode of list subscriptions and the types of
// newBlocks and reorgs (served by graphql/live from the indexer's notifications).
const subscriptionTypesSDL = `"How a list subscription answers after its first result."
enum SubscriptionMode {
  "The whole result again, each time a committed block changes it."
  RESULT
  "Only the rows a committed block added or changed, in the entity's default order, in pages of first."
  ROWS
}

"A committed indexing transaction: the blocks from fromBlock to number are indexed."
type IndexedBlock {
  chainId: Int!
  "The new indexed head."
  number: Int!
  hash: Bytes!
  "Null when the indexer no longer keeps the block's header."
  parentHash: Bytes
  "The head's time, unix seconds."
  timestamp: Int!
  "The first block of the commit (after a reorg, the ancestor + 1)."
  fromBlock: Int!
  "The event tables that received rows; null when unknown (a catch-up after the listener reconnected)."
  tables: [String!]
  "True when the server synthesized this notice after losing and regaining its listener."
  catchUp: Boolean!
  "Set when the commit replaced blocks above reorg.ancestor."
  reorg: Reorg
}

"A chain reorganisation the indexer handled: everything above ancestor was rolled back."
type Reorg {
  "The indexer_reorgs row id."
  id: Int8!
  chainId: Int!
  "The highest block both branches share."
  ancestor: Int!
  "How many indexed blocks were removed (oldHead - ancestor)."
  depth: Int!
  "The same as depth: the blocks a monitor must undo."
  removedBlocks: Int!
  oldHead: Int!
  oldHash: Bytes!
  "The head of the new branch when the reorg was committed."
  newHead: Int!
  newHash: Bytes!
  "A reorg deeper than the finality window (an alarm)."
  deep: Boolean!
}
`

// subscriptionSDL writes type Subscription: newBlocks, reorgs, and for every entity its list and
// aggregate fields with the Query field's arguments except block (a subscription follows the
// head) and subgraphError, plus mode on lists.
func subscriptionSDL(w *strings.Builder, cat *catalog.Catalog) {
	w.WriteString(`"""
Live queries over websocket (graphql-transport-ws or graphql-ws) or server-sent events: each list
field answers like the Query field of the same name at the indexed head, then again each time a
committed block changes the answer (mode: RESULT), or with only the new and changed rows (mode:
ROWS). See docs/graphql.md, "Subscriptions".
"""
type Subscription {
  "One message per committed indexing transaction, as the indexer commits it."
  newBlocks(chainId: Int): IndexedBlock!
  "One message per reorg the indexer handled; list subscriptions then answer from the new branch."
  reorgs(chainId: Int): Reorg!
`)
	for _, e := range cat.Entities {
		fmt.Fprintf(w, "  %s(%s, mode: SubscriptionMode = RESULT): [%s!]!\n", e.Plural, fmt.Sprintf(listArgs, e.Name), e.Name)
		fmt.Fprintf(w, "  %sAggregate(where: %s_filter%s%s, first: Int = 100, skip: Int = 0, orderDirection: OrderDirection): [%[2]s_aggregate!]!\n",
			e.Plural, e.Name, groupArg(e), intervalArg(e))
	}
	w.WriteString("}\n\n")
	w.WriteString(subscriptionTypesSDL)
}

// subscriptionResolversGo writes the Subscription resolvers of every entity. Subscriptions are
// executed by the live transports (subscribe.go), which re-run the equivalent Query field; the
// resolvers only answer a transport that does not support them (a plain POST).
func subscriptionResolversGo(w *strings.Builder, cat *catalog.Catalog) {
	for _, e := range cat.Entities {
		n := e.Name
		fmt.Fprintf(w, "func (r *subscriptionResolver) %s(ctx context.Context, %s, mode *string) (<-chan []*model.%s, error) {\n\treturn liveOnly[[]*model.%[3]s](ctx)\n}\n\n",
			templates.ToGo(e.Plural), listParams, n)
		var gp, ip string
		if len(groupFields(e)) > 0 {
			gp = ", groupBy []string"
		}
		if e.Timestamp != "" {
			ip = ", interval *string"
		}
		fmt.Fprintf(w, "func (r *subscriptionResolver) %sAggregate(ctx context.Context, where map[string]any%s%s, first *int, skip *int, orderDirection *string) (<-chan []*model.%sAggregate, error) {\n\treturn liveOnly[[]*model.%[4]sAggregate](ctx)\n}\n\n",
			templates.ToGo(e.Plural), gp, ip, n)
	}
}

// reservedTypes are the type names the subscription schema adds; an entity must not take them.
var reservedTypes = []string{"Subscription", "SubscriptionMode", "IndexedBlock", "Reorg"}

func checkReserved(cat *catalog.Catalog) error {
	for _, name := range reservedTypes {
		if cat.Entity(name) != nil {
			return fmt.Errorf("entity %s takes a type name the subscription schema needs", name)
		}
	}
	return nil
}
