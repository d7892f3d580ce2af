package yamledit

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// verify checks that out, the edited source, parses to the tree that
// expect makes from the old source: the same documents, keys, values,
// types, anchors and aliases everywhere except where the edit meant to
// change them; and, when comments is set, the same comment lines.
func verify(old, out []byte, expect func([]*yaml.Node) ([]*yaml.Node, error), comments bool) error {
	got, err := decodeAll(out)
	if err != nil {
		return fmt.Errorf("the edit would break the file: %w", err)
	}
	oldDocs, err := decodeAll(old)
	if err != nil {
		return err
	}
	want, err := expect(oldDocs)
	if err != nil {
		return err
	}
	if len(want) != len(got) {
		return fmt.Errorf("the edit would turn %d documents into %d", len(want), len(got))
	}
	for i := range want {
		if err := sameNode(want[i], got[i], ""); err != nil {
			return fmt.Errorf("the edit would change more than the value: %w", err)
		}
	}
	if comments {
		before, _ := decodeAll(old)
		if !slices.Equal(commentLines(before), commentLines(got)) {
			return fmt.Errorf("the edit would change the file's comments")
		}
	}
	return nil
}

// sameNode compares two trees by kind, type, value, anchor and alias,
// ignoring positions, styles and comments.
func sameNode(want, got *yaml.Node, at string) error {
	switch {
	case want.Kind != got.Kind:
		return fmt.Errorf("%s: %s became %s", where(at), kindName(want), kindName(got))
	case want.Anchor != got.Anchor:
		return fmt.Errorf("%s: anchor %q became %q", where(at), want.Anchor, got.Anchor)
	case want.Kind == yaml.AliasNode:
		if want.Value != got.Value {
			return fmt.Errorf("%s: alias *%s became *%s", where(at), want.Value, got.Value)
		}
		return nil
	case want.Kind != yaml.DocumentNode && want.ShortTag() != got.ShortTag():
		return fmt.Errorf("%s: type %s became %s", where(at), want.ShortTag(), got.ShortTag())
	case want.Kind == yaml.ScalarNode && want.Value != got.Value:
		return fmt.Errorf("%s: %q became %q", where(at), want.Value, got.Value)
	case len(want.Content) != len(got.Content):
		return fmt.Errorf("%s: %d entries became %d", where(at), len(want.Content), len(got.Content))
	}
	for i := range want.Content {
		child := at
		if want.Kind == yaml.MappingNode && i%2 == 1 {
			child = joinKey(at, want.Content[i-1].Value)
		} else if want.Kind == yaml.SequenceNode {
			child = fmt.Sprintf("%s[%d]", at, i)
		}
		if err := sameNode(want.Content[i], got.Content[i], child); err != nil {
			return err
		}
	}
	return nil
}

func joinKey(at, key string) string {
	if at == "" {
		return quoteKey(key)
	}
	return at + "." + quoteKey(key)
}

func where(at string) string {
	if at == "" {
		return "the document"
	}
	return at
}

// commentLines returns every comment line of docs, sorted: the parser
// may attach a comment to another node after an insertion, but it must
// not lose or gain one.
func commentLines(docs []*yaml.Node) []string {
	var lines []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			for l := range strings.SplitSeq(c, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, d := range docs {
		walk(d)
	}
	slices.Sort(lines)
	return lines
}
