package git

import (
	"context"
	"path"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// treeDiff lists the paths of the files that differ between trees a and b
// (either may be nil: every file of the other), sorted. Subtrees whose
// hashes are equal are skipped without being read, so a commit touching one
// of 10,000 folders reads a handful of trees, where go-git's DiffTree reads
// every child of each changed folder.
func treeDiff(ctx context.Context, st storer.EncodedObjectStorer, a, b *object.Tree) ([]string, error) {
	var out []string
	if err := diffTrees(ctx, st, a, b, "", &out); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func diffTrees(ctx context.Context, st storer.EncodedObjectStorer, a, b *object.Tree, prefix string, out *[]string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var ae, be []object.TreeEntry
	if a != nil {
		ae = a.Entries
	}
	if b != nil {
		be = b.Entries
	}
	old := make(map[string]object.TreeEntry, len(ae))
	for _, e := range ae {
		old[e.Name] = e
	}
	for _, e := range be {
		o, ok := old[e.Name]
		delete(old, e.Name)
		if ok && o.Hash == e.Hash && o.Mode == e.Mode {
			continue
		}
		var from, to plumbing.Hash
		if ok {
			from = o.Hash
			if o.Mode != filemode.Dir {
				*out = append(*out, path.Join(prefix, o.Name))
				from = plumbing.ZeroHash
			}
		}
		if e.Mode == filemode.Dir {
			to = e.Hash
		} else {
			*out = append(*out, path.Join(prefix, e.Name))
		}
		if err := diffSubtrees(ctx, st, from, to, path.Join(prefix, e.Name), out); err != nil {
			return err
		}
	}
	for _, o := range old { // removed from a
		if o.Mode != filemode.Dir {
			*out = append(*out, path.Join(prefix, o.Name))
			continue
		}
		if err := diffSubtrees(ctx, st, o.Hash, plumbing.ZeroHash, path.Join(prefix, o.Name), out); err != nil {
			return err
		}
	}
	return nil
}

// diffSubtrees diffs the trees of two hashes, a zero hash meaning none.
func diffSubtrees(ctx context.Context, st storer.EncodedObjectStorer, from, to plumbing.Hash, prefix string, out *[]string) error {
	if from.IsZero() && to.IsZero() {
		return nil
	}
	var a, b *object.Tree
	var err error
	if !from.IsZero() {
		if a, err = object.GetTree(st, from); err != nil {
			return err
		}
	}
	if !to.IsZero() {
		if b, err = object.GetTree(st, to); err != nil {
			return err
		}
	}
	return diffTrees(ctx, st, a, b, prefix, out)
}
