package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Document is a YAML file being edited. Its edits replace the bytes of one
// value, or insert the lines of new keys, and leave every other byte of
// the file as it was: comments, key order, quoting, indentation, anchors
// and blank lines survive. Paths address the first document of a
// multi-document file. A Document is not safe for concurrent use.
type Document struct {
	src []byte
}

// Change describes what one Set or Delete did.
type Change struct {
	// Path is the key path, as ParsePath reads it.
	Path string
	// Old is the previous value, "" when the key was created.
	Old string
	// New is the value set, "" after Delete.
	New string
	// Created is set when the key did not exist.
	Created bool
	// Deleted is set when Delete removed the key.
	Deleted bool
	// Changed is false when the file already said so: the same value with
	// the same type, or nothing to delete.
	Changed bool
}

// Parse reads a YAML file. It fails when any of its documents is not
// valid YAML.
func Parse(src []byte) (*Document, error) {
	if _, err := decodeAll(src); err != nil {
		return nil, err
	}
	return &Document{src: bytes.Clone(src)}, nil
}

// Bytes returns the edited file.
func (d *Document) Bytes() []byte { return bytes.Clone(d.src) }

// Get returns the scalar value at path, and false when the path does not
// exist. It fails when the path leads to a mapping or a list.
func (d *Document) Get(path string) (string, bool, error) {
	p, loc, err := d.locate(path)
	if err != nil || !loc.found() {
		return "", false, err
	}
	v, err := scalarValue(loc.node, p)
	return v, err == nil, err
}

// Set sets the scalar at path to value, typed as typ says, creating the
// missing keys of path as mappings. An existing value keeps its quoting
// style when the new value allows it; a value that cannot be written plain
// is double-quoted. Set fails, leaving the document unchanged, when path
// leads to a mapping or a list, through an alias, to a list element that
// does not exist, or to a block scalar (| or >), and when the edited file
// would not read back as the original with only this value changed.
func (d *Document) Set(path, value string, typ Type) (Change, error) {
	p, loc, err := d.locate(path)
	if err != nil {
		return Change{}, err
	}
	ch := Change{Path: p.String(), New: value}
	t := newText(d.src)
	var o *op
	if loc.found() {
		if ch.Old, err = scalarValue(loc.node, p); err != nil {
			return Change{}, err
		}
		if ch.Old == value && keepsType(loc, value, typ) {
			return ch, nil
		}
		o, err = replaceOp(t, loc, p, value, typ)
	} else {
		ch.Created = true
		o, err = createOp(t, loc, p, value, typ)
	}
	if err != nil {
		return Change{}, fmt.Errorf("set %s: %w", p, err)
	}
	if err := d.apply(o, true); err != nil {
		return Change{}, fmt.Errorf("set %s: %w", p, err)
	}
	ch.Changed = true
	return ch, nil
}

// Delete removes the key at path and its value. Deleting a key that does
// not exist changes nothing. It fails for list elements, for the only key
// of a mapping, and for the first key of a list item written on the dash's
// line ("- name: x").
func (d *Document) Delete(path string) (Change, error) {
	p, loc, err := d.locate(path)
	if err != nil {
		return Change{}, err
	}
	ch := Change{Path: p.String()}
	if !loc.found() {
		return ch, nil
	}
	if loc.node.Kind == yaml.ScalarNode {
		ch.Old = loc.node.Value
	}
	o, err := deleteOp(newText(d.src), loc, p)
	if err != nil {
		return Change{}, fmt.Errorf("delete %s: %w", p, err)
	}
	if err := d.apply(o, false); err != nil {
		return Change{}, fmt.Errorf("delete %s: %w", p, err)
	}
	ch.Deleted, ch.Changed = true, true
	return ch, nil
}

func (d *Document) locate(path string) (Path, *location, error) {
	p, err := ParsePath(path)
	if err != nil {
		return nil, nil, err
	}
	docs, err := decodeAll(d.src)
	if err != nil {
		return nil, nil, err
	}
	loc, err := locate(rootOf(docs), p)
	return p, loc, err
}

// apply makes the edit o, after checking that the result reads back as
// expected.
func (d *Document) apply(o *op, checkComments bool) error {
	out := spliceAll(d.src, o.splices)
	// A file without nodes has comments the parser does not report; text
	// appended to it cannot touch them.
	docs, _ := decodeAll(d.src)
	checkComments = checkComments && rootOf(docs) != nil
	if err := verify(d.src, out, o.expect, checkComments); err != nil {
		return err
	}
	d.src = out
	return nil
}

// decodeAll parses every document of src.
func decodeAll(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse yaml: %w", err)
		}
		docs = append(docs, &n)
	}
}

// rootOf returns the top node of the first document, or nil when the file
// holds none.
func rootOf(docs []*yaml.Node) *yaml.Node {
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return nil
	}
	return docs[0].Content[0]
}

func scalarValue(n *yaml.Node, p Path) (string, error) {
	switch {
	case n.Kind == yaml.ScalarNode:
		return n.Value, nil
	case n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind == yaml.ScalarNode:
		return n.Alias.Value, nil
	}
	return "", fmt.Errorf("%s is %s: only single values can be set", p, kindName(n))
}

// keepsType reports whether writing value over the existing value keeps
// its type, so that an equal value is no change.
func keepsType(loc *location, value string, typ Type) bool {
	old := oldScalar(loc.node)
	return renderScalar(value, typ, old, loc.flow).tag == old.ShortTag()
}

// oldScalar returns the scalar whose style and type a replacement follows:
// n itself, or for an alias a copy of its anchor without the anchor's
// properties, which the replacement does not inherit.
func oldScalar(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.AliasNode {
		return n
	}
	c := *n.Alias
	c.Style = 0
	return &c
}

// splice replaces a range of the source with text.
type splice struct {
	span
	text string
}

func spliceAll(src []byte, splices []splice) []byte {
	sorted := slices.Clone(splices)
	slices.SortFunc(sorted, func(a, b splice) int { return b.start - a.start })
	out := bytes.Clone(src)
	for _, s := range sorted {
		out = slices.Concat(out[:s.start], []byte(s.text), out[s.end:])
	}
	return out
}
