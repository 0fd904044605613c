package indexer

import (
	"fmt"
	"sort"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/indexer/schema"
)

// source is a resolved config.Source.
type source struct {
	cfg      config.Source
	byTopic  map[common.Hash]*schema.Table
	children []*factoryRef // factories whose event this source emits
}

// factoryRef ties a factory event of a parent source to the child source it creates instances of.
type factoryRef struct {
	topic0 common.Hash
	key    string // Event.Args key
	col    string // column name of that parameter
	child  *source
}

// instance is a contract created by a factory, indexed from the start of its creation block.
type instance struct {
	Source    string
	Address   common.Address
	Factory   common.Address
	Block     uint64
	BlockHash common.Hash
	TxHash    common.Hash
	LogIndex  uint
}

// catalog is the immutable part of routing: sources, their tables and factories.
type catalog struct {
	sources []*source
	byName  map[string]*source
	tables  []*schema.Table // every table, deduplicated by name
	topics  []common.Hash   // every topic0 of every source, for the eth_getLogs filter
	start   uint64          // lowest start block
}

func newCatalog(srcs []config.Source, resolve func(string) (abi.ABI, error)) (*catalog, error) {
	c := &catalog{byName: map[string]*source{}}
	tablesByContract := map[string][]*schema.Table{}
	seenTable := map[string]bool{}
	seenTopic := map[common.Hash]bool{}
	for i, cs := range srcs {
		ts, ok := tablesByContract[cs.Contract]
		if !ok {
			a, err := resolve(cs.Contract)
			if err != nil {
				return nil, fmt.Errorf("source %q: loading ABI %q: %w", cs.Name, cs.Contract, err)
			}
			ts, err = schema.ForContract(cs.Contract, &a)
			if err != nil {
				return nil, fmt.Errorf("source %q: %w", cs.Name, err)
			}
			tablesByContract[cs.Contract] = ts
			for _, t := range ts {
				if !seenTable[t.Name] {
					seenTable[t.Name] = true
					c.tables = append(c.tables, t)
				}
			}
		}
		s := &source{cfg: cs, byTopic: map[common.Hash]*schema.Table{}}
		for _, t := range ts {
			s.byTopic[t.Topic0] = t
			if !seenTopic[t.Topic0] {
				seenTopic[t.Topic0] = true
				c.topics = append(c.topics, t.Topic0)
			}
		}
		c.sources = append(c.sources, s)
		c.byName[cs.Name] = s
		if i == 0 || cs.StartBlock < c.start {
			c.start = cs.StartBlock
		}
	}
	for _, s := range c.sources {
		f := s.cfg.Factory
		if f == nil {
			continue
		}
		parent := c.byName[f.Source]
		if parent == nil {
			return nil, fmt.Errorf("source %q: factory source %q not found", s.cfg.Name, f.Source)
		}
		var tbl *schema.Table
		for _, t := range parent.byTopic {
			if t.Event == f.Event || (tbl == nil && t.RawEvent == f.Event) {
				tbl = t
			}
		}
		if tbl == nil {
			return nil, fmt.Errorf("source %q: contract %s has no event %q", s.cfg.Name, parent.cfg.Contract, f.Event)
		}
		ref := &factoryRef{topic0: tbl.Topic0, child: s}
		for _, col := range tbl.Params() {
			if col.Param == f.Param || col.Name == f.Param {
				if col.ABIType != "address" {
					return nil, fmt.Errorf("source %q: factory parameter %s.%s is %s, not address", s.cfg.Name, f.Event, f.Param, col.ABIType)
				}
				ref.key, ref.col = col.Key, col.Name
			}
		}
		if ref.key == "" {
			return nil, fmt.Errorf("source %q: event %s.%s has no parameter %q", s.cfg.Name, parent.cfg.Contract, f.Event, f.Param)
		}
		parent.children = append(parent.children, ref)
	}
	sort.Slice(c.topics, func(i, j int) bool { return c.topics[i].Cmp(c.topics[j]) < 0 })
	return c, nil
}

// routes maps addresses to sources. It is immutable once published: the writer builds a new one
// (withInstances) after committing new instances, and fetchers keep the snapshot they started with.
type routes struct {
	cat       *catalog
	byAddr    map[common.Address]*source
	from      map[common.Address]uint64 // first block whose logs count, per address
	addrs     []common.Address          // static addresses, then instances in discovery order
	instances []instance                // committed instances in (block, log index) order
	static    int                       // len of the static prefix of addrs
}

func newRoutes(cat *catalog, instances []instance) *routes {
	r := &routes{cat: cat, byAddr: map[common.Address]*source{}, from: map[common.Address]uint64{}}
	for _, s := range cat.sources {
		if s.cfg.Address != "" {
			a := common.HexToAddress(s.cfg.Address)
			r.byAddr[a] = s
			r.from[a] = s.cfg.StartBlock
			r.addrs = append(r.addrs, a)
		}
	}
	r.static = len(r.addrs)
	return r.withInstances(instances)
}

// withInstances returns a copy of r with more instances. An address already routed keeps its first
// source: one address is one contract.
func (r *routes) withInstances(add []instance) *routes {
	n := &routes{
		cat:       r.cat,
		byAddr:    make(map[common.Address]*source, len(r.byAddr)+len(add)),
		from:      make(map[common.Address]uint64, len(r.byAddr)+len(add)),
		addrs:     append([]common.Address(nil), r.addrs...),
		instances: append([]instance(nil), r.instances...),
		static:    r.static,
	}
	for a, s := range r.byAddr {
		n.byAddr[a] = s
		n.from[a] = r.from[a]
	}
	for _, in := range add {
		if _, ok := n.byAddr[in.Address]; ok {
			continue
		}
		src := r.cat.byName[in.Source]
		n.byAddr[in.Address] = src
		n.from[in.Address] = max(in.Block, src.cfg.StartBlock)
		n.addrs = append(n.addrs, in.Address)
		n.instances = append(n.instances, in)
	}
	return n
}

// upTo returns the routes as they were at the end of block b: instances created above b dropped.
func (r *routes) upTo(b uint64) *routes {
	var keep []instance
	for _, in := range r.instances {
		if in.Block <= b {
			keep = append(keep, in)
		}
	}
	return newRoutes(r.cat, keep)
}
