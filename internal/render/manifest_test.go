package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseManifests(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  []string
	}{
		{name: "empty", in: "", want: []string{}},
		{name: "only separators and comments", in: "---\n# c\n---\n\n---\n", want: []string{}},
		{name: "one object", in: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", want: []string{"ConfigMap/a"}},
		{
			name: "several documents",
			in:   "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n--- # trailing comment\napiVersion: v1\nkind: C\nmetadata: {name: c}",
			want: []string{"A/a", "B/b", "C/c"},
		},
		{name: "separator-like content is not a separator", in: "apiVersion: v1\nkind: A\nmetadata:\n  name: a\ndata:\n  x: |\n    ---text\n", want: []string{"A/a"}},
		{name: "JSON", in: `{"apiVersion":"v1","kind":"A","metadata":{"name":"j"}}`, want: []string{"A/j"}},
		{name: "BOM and CRLF", in: "\ufeffapiVersion: v1\r\nkind: A\r\nmetadata:\r\n  name: w\r\n---\r\napiVersion: v1\r\nkind: B\r\nmetadata:\r\n  name: x\r\n", want: []string{"A/w", "B/x"}},
		{
			name: "List flattened",
			in:   "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n- apiVersion: v1\n  kind: B\n  metadata: {name: b}\n",
			want: []string{"A/a", "B/b"},
		},
		{name: "null List", in: "apiVersion: v1\nkind: ConfigMapList\nitems: null\n", want: []string{}},
		{name: "non-List kinds keep items", in: "apiVersion: example.com/v1\nkind: Basket\nmetadata: {name: b}\nitems: [1, 2]\n", want: []string{"Basket/b"}},
		{name: "integers stay integers", in: "apiVersion: v1\nkind: A\nmetadata: {name: a}\nspec: {replicas: 3}\n", want: []string{"A/a"}},
		{name: "malformed YAML reports the stream line", in: "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: [b\n", err: []string{"in.yaml", "line 8"}},
		{name: "missing kind", in: "apiVersion: v1\nmetadata: {name: a}\n", err: []string{"in.yaml", "line 1", "missing kind"}},
		{name: "missing apiVersion", in: "kind: A\nmetadata: {name: a}\n", err: []string{"missing apiVersion"}},
		{name: "a list document", in: "- a\n- b\n", err: []string{"not a Kubernetes object", "list"}},
		{name: "a scalar document", in: "hello\n", err: []string{"not a Kubernetes object"}},
		{name: "List item without kind", in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n", err: []string{"List item 0", "missing kind"}},
		{name: "List item not an object", in: "apiVersion: v1\nkind: List\nitems: [3]\n", err: []string{"List item 0 is not an object"}},
		{name: "Helm source named", in: "---\n# Source: web/templates/a.yaml\napiVersion: v1\nkind: [\n", err: []string{"template web/templates/a.yaml", "line 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := ParseManifests("in.yaml", []byte(tt.in))
			if tt.err != nil {
				if err == nil {
					t.Fatalf("ParseManifests() = %v, want an error", ids(objs))
				}
				for _, w := range tt.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseManifests(): %v", err)
			}
			if got := ids(objs); !slices.Equal(got, tt.want) {
				t.Fatalf("objects = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseManifestsNumbers(t *testing.T) {
	objs, err := ParseManifests("n", []byte("apiVersion: v1\nkind: A\nspec: {replicas: 3, ratio: 0.5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec := objs[0].Object["spec"].(map[string]any)
	if _, ok := spec["replicas"].(int64); !ok {
		t.Errorf("replicas is %T, want int64", spec["replicas"])
	}
	if _, ok := spec["ratio"].(float64); !ok {
		t.Errorf("ratio is %T, want float64", spec["ratio"])
	}
	objs[0].DeepCopy() // must not panic on the decoded types
}

// FuzzParseManifests checks that no input makes ParseManifests panic, and
// that whatever it returns are objects with a kind.
func FuzzParseManifests(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" || ext == ".json" || filepath.Base(p) == "Kustomization" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(data)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := ParseManifests("fuzz", data)
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.GetKind() == "" || o.GetAPIVersion() == "" {
				t.Fatalf("object without kind or apiVersion: %v", o.Object)
			}
			o.DeepCopy()
		}
	})
}
