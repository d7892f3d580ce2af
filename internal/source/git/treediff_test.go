package git

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// storeTree writes files (path → content; a content starting with "x:" is
// executable) as nested trees and returns the root.
func storeTree(t *testing.T, st *memory.Storage, files map[string]string) *object.Tree {
	t.Helper()
	var write func(prefix string) plumbing.Hash
	write = func(prefix string) plumbing.Hash {
		children := map[string]bool{}
		var entries []object.TreeEntry
		for p, content := range files {
			if !strings.HasPrefix(p, prefix) {
				continue
			}
			rest := strings.TrimPrefix(p, prefix)
			if dir, _, ok := strings.Cut(rest, "/"); ok {
				if !children[dir] {
					children[dir] = true
					entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: write(prefix + dir + "/")})
				}
				continue
			}
			blob := st.NewEncodedObject()
			blob.SetType(plumbing.BlobObject)
			w, _ := blob.Writer()
			_, _ = w.Write([]byte(content))
			_ = w.Close()
			h, err := st.SetEncodedObject(blob)
			if err != nil {
				t.Fatal(err)
			}
			mode := filemode.Regular
			if strings.HasPrefix(content, "x:") {
				mode = filemode.Executable
			}
			entries = append(entries, object.TreeEntry{Name: rest, Mode: mode, Hash: h})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
		tree := &object.Tree{Entries: entries}
		obj := st.NewEncodedObject()
		if err := tree.Encode(obj); err != nil {
			t.Fatal(err)
		}
		h, err := st.SetEncodedObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	tree, err := object.GetTree(st, write(""))
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestTreeDiff(t *testing.T) {
	base := map[string]string{"README.md": "r", "apps/a/cm.yaml": "a", "apps/b/cm.yaml": "b", "apps/b/deep/x.yaml": "x", "run.sh": "s"}
	with := func(edit map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range edit {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		name     string
		from, to map[string]string
		want     []string
	}{
		{"same", base, base, nil},
		{"one file in a deep folder", base, with(map[string]string{"apps/b/deep/x.yaml": "x2"}), []string{"apps/b/deep/x.yaml"}},
		{"added and removed", base, with(map[string]string{"apps/c/cm.yaml": "c", "README.md": ""}), []string{"README.md", "apps/c/cm.yaml"}},
		{"folder removed", base, with(map[string]string{"apps/b/cm.yaml": "", "apps/b/deep/x.yaml": ""}), []string{"apps/b/cm.yaml", "apps/b/deep/x.yaml"}},
		{"file becomes a folder", base, with(map[string]string{"run.sh": "", "run.sh/inner": "i"}), []string{"run.sh", "run.sh/inner"}},
		{"folder becomes a file", with(map[string]string{"run.sh": "", "run.sh/inner": "i"}), base, []string{"run.sh", "run.sh/inner"}},
		{"mode only", base, with(map[string]string{"run.sh": "x:s"}), []string{"run.sh"}},
		{"everything", nil, base, []string{"README.md", "apps/a/cm.yaml", "apps/b/cm.yaml", "apps/b/deep/x.yaml", "run.sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memory.NewStorage()
			var from *object.Tree
			if tt.from != nil {
				from = storeTree(t, st, tt.from)
			}
			to := storeTree(t, st, tt.to)
			got, err := treeDiff(context.Background(), st, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("treeDiff = %q, want %q", got, tt.want)
			}
			back, err := treeDiff(context.Background(), st, to, from)
			if err != nil || tt.from != nil && !slices.Equal(back, tt.want) {
				t.Errorf("reverse treeDiff = %q, %v; want %q", back, err, tt.want)
			}
		})
	}
}

// countingStorage counts the objects read.
type countingStorage struct {
	*memory.Storage
	reads int
}

func (c *countingStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	c.reads++
	return c.Storage.EncodedObject(t, h)
}

// TestTreeDiffReadsOnlyChangedTrees: a commit touching one of 1,000
// folders reads the trees on its path, not the 999 others.
func TestTreeDiffReadsOnlyChangedTrees(t *testing.T) {
	st := &countingStorage{Storage: memory.NewStorage()}
	files := map[string]string{}
	for i := range 1000 {
		files["apps/app-"+strings.Repeat("0", 4-len(itoa(i)))+itoa(i)+"/cm.yaml"] = itoa(i)
	}
	from := storeTree(t, st.Storage, files)
	files["apps/app-0500/cm.yaml"] = "changed"
	to := storeTree(t, st.Storage, files)
	got, err := treeDiff(context.Background(), st, from, to)
	if err != nil || !slices.Equal(got, []string{"apps/app-0500/cm.yaml"}) {
		t.Fatalf("treeDiff = %q, %v", got, err)
	}
	if st.reads > 4 {
		t.Errorf("read %d objects, want the 4 trees on the changed path", st.reads)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
