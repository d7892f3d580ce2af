package yamledit

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Image is an entry of a kustomization's images list. An empty field is
// absent; "*" keeps the value the entry has, as in kustomize.
type Image struct {
	// Name is the image name the entry matches in the manifests.
	Name string
	// NewName replaces the image's name (repository).
	NewName string
	// NewTag replaces the image's tag.
	NewTag string
	// Digest pins the image by digest (sha256:...).
	Digest string
}

// ParseImage reads an image argument as `kustomize edit set image` does:
// NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME=NEWNAME:TAG@DIGEST,
// NAME=NEWNAME, NAME:TAG, NAME:TAG@DIGEST or NAME@DIGEST. A registry port
// (host:5000/app) is not taken for a tag.
func ParseImage(arg string) (Image, error) {
	key, value, hasKey := strings.Cut(strings.TrimSpace(arg), "=")
	if !hasKey {
		key, value = "", key
	}
	name, tag, digest := splitImage(value)
	if name == "" || (!hasKey && tag == "" && digest == "") {
		return Image{}, fmt.Errorf("invalid image %q: use NAME=IMAGE:TAG, NAME=IMAGE@DIGEST, NAME:TAG or NAME@DIGEST", arg)
	}
	if !hasKey {
		return Image{Name: name, NewTag: tag, Digest: digest}, nil
	}
	if key == "" {
		return Image{}, fmt.Errorf("invalid image %q: empty name before '='", arg)
	}
	return Image{Name: key, NewName: name, NewTag: tag, Digest: digest}, nil
}

// splitImage splits name[:tag][@digest].
func splitImage(s string) (name, tag, digest string) {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s, digest = s[:i], s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s, tag = s[:i], s[i+1:]
	}
	return s, tag, digest
}

// String writes the image as `kustomize edit set image` reads it.
func (img Image) String() string {
	s := img.Name
	if img.NewName != "" {
		s += "=" + img.NewName
	}
	if img.NewTag != "" {
		s += ":" + img.NewTag
	}
	if img.Digest != "" {
		s += "@" + img.Digest
	}
	return s
}

// SetImage sets an image in the images list of a kustomization, as
// `kustomize edit set image` does: the entry whose name is img.Name ends
// up with exactly the newName, newTag and digest that img gives, fields
// that img leaves empty are removed and "*" keeps the entry's value. An
// image that has no entry is appended to the list (created when missing).
// Unlike kustomize, it does not sort the list or rewrite the rest of the
// file.
func (d *Document) SetImage(img Image) ([]Change, error) {
	if img.Name == "" {
		return nil, errors.New("set image: empty image name")
	}
	idx, err := d.imageIndex(img.Name)
	if err != nil {
		return nil, err
	}
	if idx < 0 {
		ch, err := d.appendItem("images", img.fields())
		if err != nil {
			return nil, fmt.Errorf("set image %s: %w", img.Name, err)
		}
		return []Change{ch}, nil
	}
	var changes []Change
	for _, f := range [][2]string{{"newName", img.NewName}, {"newTag", img.NewTag}, {"digest", img.Digest}} {
		path := fmt.Sprintf("images[%d].%s", idx, f[0])
		var ch Change
		switch f[1] {
		case "*":
			continue
		case "":
			ch, err = d.Delete(path)
		default:
			ch, err = d.Set(path, f[1], String)
		}
		if err != nil {
			return nil, fmt.Errorf("set image %s: %w", img.Name, err)
		}
		if ch.Changed {
			changes = append(changes, ch)
		}
	}
	return changes, nil
}

// fields returns the keys of a new entry, "*" meaning absent.
func (img Image) fields() [][2]string {
	out := [][2]string{{"name", img.Name}}
	for _, f := range [][2]string{{"newName", img.NewName}, {"newTag", img.NewTag}, {"digest", img.Digest}} {
		if f[1] != "" && f[1] != "*" {
			out = append(out, f)
		}
	}
	return out
}

// imageIndex returns the index of the images entry called name, or -1.
func (d *Document) imageIndex(name string) (int, error) {
	_, loc, err := d.locate("images")
	if err != nil || !loc.found() || isNull(loc.node) {
		return -1, err
	}
	if loc.node.Kind != yaml.SequenceNode {
		return -1, fmt.Errorf("images is %s, not a list", kindName(loc.node))
	}
	for i, item := range loc.node.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		if _, v := lookup(item, "name"); v != nil && v.Kind == yaml.ScalarNode && v.Value == name {
			return i, nil
		}
	}
	return -1, nil
}

// appendItem appends a mapping of string fields to the list at path,
// creating the list when the path is missing or null.
func (d *Document) appendItem(path string, fields [][2]string) (Change, error) {
	p, loc, err := d.locate(path)
	if err != nil {
		return Change{}, err
	}
	splices, err := appendSplices(newText(d.src), loc, fields)
	if err != nil {
		return Change{}, err
	}
	expect := func(docs []*yaml.Node) ([]*yaml.Node, error) { return expectAppended(docs, p, fields) }
	if err := d.apply(&op{splices: splices, expect: expect}, true); err != nil {
		return Change{}, err
	}
	return Change{Path: fmt.Sprintf("%s[%s]", p, fields[0][1]), New: itemString(fields), Created: true, Changed: true}, nil
}

func itemString(fields [][2]string) string {
	var parts []string
	for _, f := range fields {
		parts = append(parts, f[0]+"="+f[1])
	}
	return strings.Join(parts, ",")
}

func appendSplices(t *text, loc *location, fields [][2]string) ([]splice, error) {
	n := loc.node
	switch {
	case !loc.found():
		return newListSplices(t, loc, fields)
	case n.Kind == yaml.SequenceNode && n.Style&yaml.FlowStyle == 0:
		dash, item, err := itemColumns(t, n.Content[0])
		if err != nil {
			return nil, err
		}
		at := t.blockEnd(n.Content[len(n.Content)-1].Line-1, dash)
		return []splice{{span{at, at}, placed(t, at, itemText(t, dash, item, fields))}}, nil
	case n.Kind == yaml.SequenceNode:
		return flowListSplices(t, loc, fields)
	case isNull(n) && loc.key != nil && !loc.flow:
		return listUnderKey(t, loc, loc.key, fields, !isEmptyPlain(n))
	}
	return nil, fmt.Errorf("%s is %s, not a list", loc.key.Value, kindName(n))
}

// newListSplices creates the missing keys of loc, the last one holding
// a list with one item, in a block mapping or an empty document.
func newListSplices(t *text, loc *location, fields [][2]string) ([]splice, error) {
	host := loc.host
	var at, col int
	switch {
	case host == nil:
		at = len(t.src)
	case host.Kind == yaml.MappingNode && host.Style&yaml.FlowStyle == 0:
		col = host.Content[0].Column - 1
		at = t.blockEnd(host.Content[len(host.Content)-2].Line-1, col)
	default:
		return nil, fmt.Errorf("cannot create a list under %s", kindName(host))
	}
	step := indentStep(t)
	var b strings.Builder
	for i, k := range loc.missing {
		b.WriteString(strings.Repeat(" ", col+i*step) + renderKey(k, false) + ":" + t.nl)
	}
	last := col + (len(loc.missing)-1)*step
	b.WriteString(itemText(t, last, last+2, fields))
	return []splice{{span{at, at}, placed(t, at, b.String())}}, nil
}

// listUnderKey turns the null or [] value of key into a block list, in
// the style kustomize writes: dashes at the key's column.
func listUnderKey(t *text, loc *location, key *yaml.Node, fields [][2]string, removeValue bool) ([]splice, error) {
	col := key.Column - 1
	at := t.nextLine(key.Line - 1)
	splices := []splice{{span{at, at}, placed(t, at, itemText(t, col, col+2, fields))}}
	if !removeValue {
		return splices, nil
	}
	start, end, err := valueRange(t, loc.node, loc.flow)
	if err != nil {
		return nil, err
	}
	for start > 0 && (t.src[start-1] == ' ' || t.src[start-1] == '\t') {
		start--
	}
	return append(splices, splice{span{start, end}, ""}), nil
}

// valueRange returns the range of a scalar token or of a flow collection.
func valueRange(t *text, n *yaml.Node, flow bool) (int, int, error) {
	if n.Kind == yaml.ScalarNode {
		sp, err := t.scalarSpan(n, flow)
		return sp.start, sp.end, err
	}
	off, err := t.nodeOffset(n)
	if err != nil {
		return 0, 0, err
	}
	open := t.skipProperties(off)
	end, err := t.flowEnd(open)
	return open, end + 1, err
}

func flowListSplices(t *text, loc *location, fields [][2]string) ([]splice, error) {
	n := loc.node
	if len(n.Content) == 0 && !loc.flow && loc.key != nil {
		return listUnderKey(t, loc, loc.key, fields, true)
	}
	off, err := t.nodeOffset(n)
	if err != nil {
		return nil, err
	}
	open := t.skipProperties(off)
	end, err := t.flowEnd(open)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, f := range fields {
		parts = append(parts, renderKey(f[0], true)+": "+renderScalar(f[1], String, nil, true).text)
	}
	item := "{" + strings.Join(parts, ", ") + "}"
	at := end
	for at > open+1 && isBlank(t.src[at-1]) {
		at--
	}
	if len(n.Content) > 0 {
		item = ", " + item
	}
	return []splice{{span{at, at}, item}}, nil
}

// itemColumns returns the column of the dash of a block list item and of
// the item's content.
func itemColumns(t *text, item *yaml.Node) (dash, content int, err error) {
	off, err := t.nodeOffset(item)
	if err != nil {
		return 0, 0, err
	}
	i := off - 1
	for i >= 0 && (t.src[i] == ' ' || t.src[i] == '\t') {
		i--
	}
	if i < 0 || t.src[i] != '-' {
		return 0, 0, errors.New("list items whose content does not follow the dash are not supported")
	}
	dash = i - t.lines[t.lineOf(i)]
	return dash, item.Column - 1, nil
}

// itemText writes a block list item with string fields.
func itemText(t *text, dash, content int, fields [][2]string) string {
	var b strings.Builder
	for i, f := range fields {
		if i == 0 {
			b.WriteString(strings.Repeat(" ", dash) + "-" + strings.Repeat(" ", max(1, content-dash-1)))
		} else {
			b.WriteString(strings.Repeat(" ", content))
		}
		b.WriteString(renderKey(f[0], false) + ": " + renderScalar(f[1], String, nil, false).text + t.nl)
	}
	return b.String()
}

// placed returns lines of text to insert at offset at: at the end of a
// file whose last line has no line break, the break moves from the end of
// text to its start, so the file still ends without one.
func placed(t *text, at int, text string) string {
	if t.endsWithBreak(at) {
		return text
	}
	return t.nl + strings.TrimSuffix(text, t.nl)
}

func expectAppended(docs []*yaml.Node, p Path, fields [][2]string) ([]*yaml.Node, error) {
	item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, f := range fields {
		item.Content = append(item.Content, strNode(f[0]), strNode(f[1]))
	}
	l, err := locate(rootOf(docs), p)
	if err != nil {
		return nil, err
	}
	if l.found() {
		*l.node = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Anchor: l.node.Anchor, Content: append(l.node.Content, item)}
		return docs, nil
	}
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}
	for i := len(l.missing) - 1; i > 0; i-- {
		list = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strNode(l.missing[i]), list}}
	}
	pair := []*yaml.Node{strNode(l.missing[0]), list}
	if l.host == nil {
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Content: pair}}}
		if len(docs) == 0 {
			return []*yaml.Node{doc}, nil
		}
		docs[0] = doc
		return docs, nil
	}
	l.host.Content = append(l.host.Content, pair...)
	return docs, nil
}
