package yamledit

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// location is where a path leads in a document. When the path exists,
// node is its value, key its key (nil in a list) and parent the collection
// that holds it. When it does not, host is the deepest node that exists (a
// mapping, a null value, or nil for an empty document), hostKey the key
// that holds host, and missing the keys to create under it.
type location struct {
	node, key, parent *yaml.Node
	// flow is set when node (or host) sits in a flow collection; a flow
	// host itself may sit in a block one.
	flow bool

	host, hostKey *yaml.Node
	missing       []string
}

func (l *location) found() bool { return l.node != nil }

// locate follows path from root. It refuses to go through aliases, since
// an edit there would change every place that uses the anchor, and to
// create keys that a merge key (<<) provides, since the new key would hide
// the merged mapping's other keys.
func locate(root *yaml.Node, path Path) (*location, error) {
	loc := &location{}
	cur := root
	for i, st := range path {
		if cur == nil || isNull(cur) {
			return loc.missingFrom(path, i, cur)
		}
		if cur.Kind == yaml.AliasNode {
			return nil, fmt.Errorf("%s is an alias (*%s): set the value where the anchor &%s is defined",
				displayPath(path[:i]), cur.Value, cur.Value)
		}
		flow := loc.flow || cur.Style&yaml.FlowStyle != 0
		if st.IsIndex {
			item, err := index(cur, path[:i+1])
			if err != nil {
				return nil, err
			}
			loc.node, loc.key, loc.parent, loc.flow = item, nil, cur, flow
			cur = item
			continue
		}
		if cur.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s is %s, not a mapping", displayPath(path[:i]), kindName(cur))
		}
		k, v := lookup(cur, st.Key)
		if k == nil {
			if hasMergeKey(cur) && i < len(path)-1 {
				return nil, fmt.Errorf("%s is not set in the mapping itself and the mapping merges others (<<): set it where it is defined", path[:i+1])
			}
			return loc.missingFrom(path, i, cur)
		}
		loc.node, loc.key, loc.parent, loc.flow = v, k, cur, flow
		cur = v
	}
	return loc, nil
}

// missingFrom records that path[i:] does not exist under host.
func (l *location) missingFrom(path Path, i int, host *yaml.Node) (*location, error) {
	for _, st := range path[i:] {
		if st.IsIndex {
			return nil, fmt.Errorf("%s does not exist: only mapping keys are created, never list elements", path)
		}
		l.missing = append(l.missing, st.Key)
	}
	l.host, l.hostKey = host, l.key
	l.node, l.key = nil, nil
	return l, nil
}

func index(seq *yaml.Node, path Path) (*yaml.Node, error) {
	if seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s is %s, not a list", displayPath(path[:len(path)-1]), kindName(seq))
	}
	i := path[len(path)-1].Index
	if i < 0 {
		i += len(seq.Content)
	}
	if i < 0 || i >= len(seq.Content) {
		return nil, fmt.Errorf("%s does not exist: the list has %d elements", path, len(seq.Content))
	}
	return seq.Content[i], nil
}

func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Kind == yaml.ScalarNode && c.Value == key {
			return c, m.Content[i+1]
		}
	}
	return nil, nil
}

func hasMergeKey(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Kind == yaml.ScalarNode && c.ShortTag() == "!!merge" {
			return true
		}
	}
	return false
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a value (" + n.ShortTag() + ")"
}

func displayPath(p Path) string {
	if len(p) == 0 {
		return "the document"
	}
	return p.String()
}
