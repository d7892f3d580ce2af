package yamledit

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// leafPaths returns the path of every scalar under n, except block
// scalars, which Set refuses.
func leafPaths(n *yaml.Node, at Path) []Path {
	var out []Path
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].ShortTag() == "!!merge" {
				continue
			}
			out = append(out, leafPaths(n.Content[i+1], append(at[:len(at):len(at)], Step{Key: n.Content[i].Value}))...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			out = append(out, leafPaths(c, append(at[:len(at):len(at)], Step{Index: i, IsIndex: true}))...)
		}
	case yaml.ScalarNode, yaml.AliasNode:
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			out = append(out, at)
		}
	}
	return out
}

// TestSetEveryLeaf sets awkward values at every value of the test files:
// each Set must either succeed, with Get returning the value and the
// rest of the file untouched, or fail and leave the file as it was.
func TestSetEveryLeaf(t *testing.T) {
	t.Parallel()
	values := []string{"", "plain", "a: b", "#x", "x #y", "1.0", "007", "yes", "null", "~", "- item", "[1]", "{a: 1}",
		"multi\nline", "tab\there", "ünïcødé", "it's", `say "hi"`, `back\slash`, "*alias", "&anchor", "!tag", " lead", "trail ", "%", "@", "`"}
	for _, file := range []string{"values.yaml", "kustomization.yaml", "crlf.yaml", "multidoc.yaml", "values.json", "indent4.yaml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			setEveryLeaf(t, file, values)
		})
	}
}

// setEveryLeaf runs TestSetEveryLeaf on one file.
func setEveryLeaf(t *testing.T, file string, values []string) {
	src := readTestdata(t, file)
	docs, err := decodeAll([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range leafPaths(rootOf(docs), nil) {
		for _, v := range values {
			for _, typ := range []Type{Auto, String} {
				name := fmt.Sprintf("%s %s=%q type %d", file, p, v, typ)
				doc, _ := Parse([]byte(src))
				if _, err := doc.Set(p.String(), v, typ); err != nil {
					if string(doc.Bytes()) != src {
						t.Errorf("%s: failed (%v) and changed the file", name, err)
					}
					continue
				}
				got, ok, err := doc.Get(p.String())
				if err != nil || !ok || got != v {
					t.Errorf("%s: Get = %q, %v, %v", name, got, ok, err)
				}
				if typ == String && !isString(t, doc, p) {
					t.Errorf("%s: not a string:\n%s", name, doc.Bytes())
				}
				if strings.Count(changedLines(src, string(doc.Bytes())), "\n") > 2 && !strings.Contains(v, "\n") {
					t.Errorf("%s: more than one line changed:\n%s", name, changedLines(src, string(doc.Bytes())))
				}
			}
		}
	}
}

func isString(t *testing.T, doc *Document, p Path) bool {
	t.Helper()
	docs, err := decodeAll(doc.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	loc, err := locate(rootOf(docs), p)
	return err == nil && loc.found() && loc.node.ShortTag() == "!!str"
}
