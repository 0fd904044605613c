package workload

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/rahataid/rahat/config"
)

// UpdateManifest writes sources into a rahat.yaml document and returns the new document. It edits the
// YAML tree rather than re-encoding a config.Config, so comments, key order and every other field stay as
// they were. A source whose name is already listed has its network, contract, address, start_block and
// factory replaced (its other keys and comments are kept); a new one is appended; other sources are left
// alone. An empty doc yields a document holding only the sources.
func UpdateManifest(doc []byte, sources []config.Source) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("parsing manifest: %w", err)
	}
	if root.Kind == 0 { // empty document
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("manifest: the document is not a YAML mapping")
	}
	top := root.Content[0]
	list := mapValue(top, "sources")
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		list = setKey(top, "sources", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"})
	}
	if list.Kind != yaml.SequenceNode {
		return nil, errors.New("manifest: sources is not a list")
	}
	for _, src := range sources {
		item := findSource(list, src.Name)
		if item == nil {
			item = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			setKey(item, "name", scalar(src.Name))
			list.Content = append(list.Content, item)
		}
		setScalar(item, "network", src.Network)
		setScalar(item, "contract", src.Contract)
		if src.Factory == nil {
			// Quoted: other YAML readers may take an unquoted 0x... for a (huge) hex integer.
			setScalar(item, "address", src.Address).Style = yaml.DoubleQuotedStyle
			deleteKey(item, "factory")
		} else {
			deleteKey(item, "address")
			f := mapValue(item, "factory")
			if f == nil || f.Kind != yaml.MappingNode {
				f = setKey(item, "factory", &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
			}
			setScalar(f, "source", src.Factory.Source)
			setScalar(f, "event", src.Factory.Event)
			setScalar(f, "param", src.Factory.Param)
		}
		v := setScalar(item, "start_block", strconv.FormatUint(src.StartBlock, 10))
		v.Tag = "!!int"
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// findSource returns the list item whose name is name.
func findSource(list *yaml.Node, name string) *yaml.Node {
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		if n := mapValue(item, "name"); n != nil && n.Kind == yaml.ScalarNode && n.Value == name {
			return item
		}
	}
	return nil
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// mapValue returns the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setKey sets key's value in mapping m to v, appending the key if it is missing, and returns v.
func setKey(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return v
		}
	}
	m.Content = append(m.Content, scalar(key), v)
	return v
}

// setScalar sets key in mapping m to the string value, editing an existing scalar in place so that its
// comments survive.
func setScalar(m *yaml.Node, key, value string) *yaml.Node {
	if v := mapValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		v.Value, v.Tag, v.Style = value, "!!str", 0
		return v
	}
	return setKey(m, key, scalar(value))
}

// deleteKey removes key from mapping m.
func deleteKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
