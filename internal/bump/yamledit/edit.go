package yamledit

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// op is one edit: the splices to make in the source, and expect, which
// makes the same change on a freshly parsed tree of the old source so that
// verify can compare it with the parsed result.
type op struct {
	splices []splice
	expect  func(docs []*yaml.Node) ([]*yaml.Node, error)
}

// replaceOp replaces the existing scalar (or alias) at loc.
func replaceOp(t *text, loc *location, p Path, value string, typ Type) (*op, error) {
	s := renderScalar(value, typ, oldScalar(loc.node), loc.flow)
	var sp splice
	if isEmptyPlain(loc.node) {
		if loc.key == nil {
			return nil, errors.New("cannot fill an empty list element")
		}
		at, err := t.afterColon(loc.key, loc.flow)
		if err != nil {
			return nil, err
		}
		sp = splice{span{at, at}, " " + s.text}
	} else {
		tok, err := t.scalarSpan(loc.node, loc.flow)
		if err != nil {
			return nil, err
		}
		sp = splice{tok, s.text}
	}
	expect := func(docs []*yaml.Node) ([]*yaml.Node, error) {
		l, err := locate(rootOf(docs), p)
		if err != nil || !l.found() {
			return nil, fmt.Errorf("locate %s again: %v", p, err)
		}
		*l.node = yaml.Node{Kind: yaml.ScalarNode, Tag: s.tag, Value: value, Anchor: l.node.Anchor}
		return docs, nil
	}
	return &op{splices: []splice{sp}, expect: expect}, nil
}

func isEmptyPlain(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style == 0 && n.Value == ""
}

// createOp inserts the missing keys of loc with value at the end.
func createOp(t *text, loc *location, p Path, value string, typ Type) (*op, error) {
	host := loc.host
	var splices []splice
	var err error
	switch {
	case host == nil:
		splices = blockInsert(t, len(t.src), 0, loc.missing, value, typ)
	case host.Kind == yaml.MappingNode && host.Style&yaml.FlowStyle == 0:
		col := host.Content[0].Column - 1
		at := t.blockEnd(host.Content[len(host.Content)-2].Line-1, col)
		splices = blockInsert(t, at, col, loc.missing, value, typ)
	case host.Kind == yaml.MappingNode:
		splices, err = flowMappingInsert(t, loc, value, typ)
	case isNull(host):
		splices, err = nullInsert(t, loc, value, typ)
	default:
		err = fmt.Errorf("cannot create keys under %s", kindName(host))
	}
	if err != nil {
		return nil, err
	}
	expect := func(docs []*yaml.Node) ([]*yaml.Node, error) {
		return expectCreated(docs, p, loc.missing, value, renderScalar(value, typ, nil, loc.flow).tag)
	}
	return &op{splices: splices, expect: expect}, nil
}

// blockInsert inserts keys as block mappings at offset at, the first key
// at column col.
func blockInsert(t *text, at, col int, keys []string, value string, typ Type) []splice {
	var b strings.Builder
	step := indentStep(t)
	leaf := renderScalar(value, typ, nil, false).text
	for i, k := range keys {
		b.WriteString(strings.Repeat(" ", col+i*step))
		b.WriteString(renderKey(k, false) + ":")
		if i == len(keys)-1 {
			b.WriteString(" " + leaf)
		}
		b.WriteString(t.nl)
	}
	return []splice{{span{at, at}, placed(t, at, b.String())}}
}

// flowText writes keys as nested flow mappings: a: {b: value}.
func flowText(keys []string, value string, typ Type) string {
	s := renderKey(keys[len(keys)-1], true) + ": " + renderScalar(value, typ, nil, true).text
	for i := len(keys) - 2; i >= 0; i-- {
		s = renderKey(keys[i], true) + ": {" + s + "}"
	}
	return s
}

// flowMappingInsert adds keys to a flow mapping. An empty {} that is the
// value of a block mapping's key becomes a block mapping instead, as a
// person would write it.
func flowMappingInsert(t *text, loc *location, value string, typ Type) ([]splice, error) {
	host := loc.host
	open, err := t.nodeOffset(host)
	if err != nil {
		return nil, err
	}
	open = t.skipProperties(open)
	end, err := t.flowEnd(open)
	if err != nil {
		return nil, err
	}
	if len(host.Content) == 0 && !loc.flow && loc.hostKey != nil {
		start := open
		for start > 0 && (t.src[start-1] == ' ' || t.src[start-1] == '\t') {
			start--
		}
		remove := splice{span{start, end + 1}, ""}
		return append(blockUnder(t, loc, value, typ), remove), nil
	}
	at := end
	for at > open+1 && isBlank(t.src[at-1]) {
		at--
	}
	text := flowText(loc.missing, value, typ)
	if len(host.Content) > 0 && t.src[at-1] != ',' {
		text = ", " + text
	} else if len(host.Content) > 0 {
		text = " " + text
	}
	return []splice{{span{at, at}, text}}, nil
}

// nullInsert replaces a null value (empty, ~ or null) with the new keys.
func nullInsert(t *text, loc *location, value string, typ Type) ([]splice, error) {
	if loc.hostKey == nil {
		return nil, errors.New("cannot create keys in a null list element")
	}
	host := loc.host
	if loc.flow {
		mapping := "{" + flowText(loc.missing, value, typ) + "}"
		if isEmptyPlain(host) {
			at, err := t.afterColon(loc.hostKey, true)
			return []splice{{span{at, at}, " " + mapping}}, err
		}
		tok, err := t.scalarSpan(host, true)
		return []splice{{tok, mapping}}, err
	}
	splices := blockUnder(t, loc, value, typ)
	if isEmptyPlain(host) {
		return splices, nil
	}
	tok, err := t.scalarSpan(host, false)
	if err != nil {
		return nil, err
	}
	for tok.start > 0 && (t.src[tok.start-1] == ' ' || t.src[tok.start-1] == '\t') {
		tok.start--
	}
	return append(splices, splice{tok, ""}), nil
}

// blockUnder inserts keys as a block mapping on the lines after the host's
// key, one indentation step deeper.
func blockUnder(t *text, loc *location, value string, typ Type) []splice {
	keyLine := loc.hostKey.Line - 1
	col := loc.hostKey.Column - 1 + indentStep(t)
	return blockInsert(t, t.nextLine(keyLine), col, loc.missing, value, typ)
}

// expectCreated adds the created keys to the parsed tree docs.
func expectCreated(docs []*yaml.Node, p Path, keys []string, value, tag string) ([]*yaml.Node, error) {
	var leaf *yaml.Node = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	for i := len(keys) - 1; i > 0; i-- {
		leaf = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strNode(keys[i]), leaf}}
	}
	pair := []*yaml.Node{strNode(keys[0]), leaf}
	root := rootOf(docs)
	if root == nil {
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Content: pair}}}
		if len(docs) == 0 {
			return []*yaml.Node{doc}, nil
		}
		docs[0] = doc
		return docs, nil
	}
	l, err := locate(root, p)
	if err != nil || l.found() {
		return nil, fmt.Errorf("locate %s again: %v", p, err)
	}
	if l.host.Kind != yaml.MappingNode {
		*l.host = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Anchor: l.host.Anchor}
	}
	l.host.Content = append(l.host.Content, pair...)
	return docs, nil
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// deleteOp removes the key at loc and its value.
func deleteOp(t *text, loc *location, p Path) (*op, error) {
	parent := loc.parent
	switch {
	case loc.key == nil:
		return nil, errors.New("list elements cannot be deleted")
	case len(parent.Content) == 2:
		return nil, errors.New("it is the only key of its mapping")
	}
	var sp span
	var err error
	if parent.Style&yaml.FlowStyle != 0 {
		sp, err = flowPairSpan(t, loc)
	} else {
		sp, err = blockPairSpan(t, loc.key)
	}
	if err != nil {
		return nil, err
	}
	expect := func(docs []*yaml.Node) ([]*yaml.Node, error) {
		l, err := locate(rootOf(docs), p)
		if err != nil || !l.found() {
			return nil, fmt.Errorf("locate %s again: %v", p, err)
		}
		for i := 0; i < len(l.parent.Content); i += 2 {
			if l.parent.Content[i] == l.key {
				l.parent.Content = append(l.parent.Content[:i], l.parent.Content[i+2:]...)
				break
			}
		}
		return docs, nil
	}
	return &op{splices: []splice{{sp, ""}}, expect: expect}, nil
}

// blockPairSpan returns the lines of a block mapping's key and its value.
func blockPairSpan(t *text, key *yaml.Node) (span, error) {
	off, err := t.nodeOffset(key)
	if err != nil {
		return span{}, err
	}
	line := t.lineOf(off)
	if strings.TrimLeft(string(t.src[t.lines[line]:off]), " ") != "" {
		return span{}, errors.New("it is the first key of a list item written on the dash's line")
	}
	return span{t.lines[line], t.blockEnd(line, key.Column-1)}, nil
}

// flowPairSpan returns "key: value" in a flow mapping with the comma that
// separates it from its neighbour.
func flowPairSpan(t *text, loc *location) (span, error) {
	k, err := t.scalarSpan(loc.key, true)
	if err != nil {
		return span{}, err
	}
	if loc.node.Kind != yaml.ScalarNode && loc.node.Kind != yaml.AliasNode {
		return span{}, errors.New("only a single value can be deleted from a flow mapping")
	}
	v, err := t.scalarSpan(loc.node, true)
	if err != nil {
		return span{}, err
	}
	sp := span{k.start, v.end}
	i := sp.end
	for i < len(t.src) && isBlank(t.src[i]) {
		i++
	}
	if i < len(t.src) && t.src[i] == ',' {
		i++
		for i < len(t.src) && isBlank(t.src[i]) {
			i++
		}
		return span{sp.start, i}, nil
	}
	j := sp.start
	for j > 0 && isBlank(t.src[j-1]) {
		j--
	}
	if j > 0 && t.src[j-1] == ',' {
		return span{j - 1, sp.end}, nil
	}
	return sp, nil
}

// indentStep returns how many spaces the file indents a nested mapping
// by, from its first nested block mapping; 2 when it has none.
func indentStep(t *text) int {
	docs, err := decodeAll(t.src)
	if err != nil {
		return 2
	}
	for _, d := range docs {
		if n := findStep(d); n > 0 {
			return n
		}
	}
	return 2
}

func findStep(n *yaml.Node) int {
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line {
				if d := v.Content[0].Column - k.Column; d > 0 {
					return d
				}
			}
		}
	}
	for _, c := range n.Content {
		if d := findStep(c); d > 0 {
			return d
		}
	}
	return 0
}
