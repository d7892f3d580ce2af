package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Checkout returns a directory holding the files of commit (a full SHA) in
// repoURL, fetching the commit when missing. The directory,
// Dir/checkouts/<repository hash>/<commit>, is written once, to a temporary
// directory renamed into place, and then reused by every caller: it must
// not be modified. Its files are read-only (0444, or 0555 when executable);
// its directories stay writable so that the cache can be removed.
//
// Symbolic links are written as links, wherever they point: whoever reads
// the checkout must confine itself to it. Nothing is ever written outside
// the directory: entries named "..", ".", or with a slash, and duplicate
// names, make the checkout fail. Submodules become empty directories; Git
// LFS pointers are left as they are.
func (s *Store) Checkout(ctx context.Context, repoURL, commit string) (string, error) {
	r, err := s.repo(repoURL)
	if err != nil {
		return "", err
	}
	if !isFullHash(commit) {
		return "", fmt.Errorf("checkout %q of %s: not a full commit SHA; resolve it first", commit, Redact(repoURL))
	}
	commit = strings.ToLower(commit)
	dir := filepath.Join(r.checkoutDir, commit)
	if r.touch(commit, dir, s.clock()) {
		return dir, nil
	}
	if err := s.ensure(ctx, r, repoURL, plumbing.NewHash(commit)); err != nil {
		return "", err
	}
	if err := lock(ctx, r.checkout); err != nil {
		return "", err
	}
	defer func() { <-r.checkout }()
	if r.touch(commit, dir, s.clock()) {
		return dir, nil
	}
	// A new commit of a repository checked out before is written from the
	// previous checkout: unchanged files are hard links (checkouts are
	// immutable), only what the commit changed is written. In a monorepo of
	// thousands of files that is the difference between milliseconds and
	// most of a second. With SpareCheckouts, the links are made ahead, in
	// the background: then a new commit costs only its changes.
	spare := r.takeSpare()
	switch base := r.lastCheckout; {
	case spare.dir != "":
		defer os.RemoveAll(spare.dir)
		err = s.update(ctx, repoURL, spare.commit, spare.dir, commit, dir)
	case base != "" && isDir(filepath.Join(r.checkoutDir, base)):
		err = s.writeFrom(ctx, repoURL, base, filepath.Join(r.checkoutDir, base), commit, dir)
	default:
		err = s.withCommits(ctx, repoURL, []string{commit}, func(st *filesystem.Storage, c []*object.Commit) error {
			return writeCheckout(ctx, st, c[0], dir)
		})
	}
	if err != nil {
		return "", err
	}
	r.lastCheckout = commit
	r.touch(commit, dir, s.clock())
	s.trimLater(r)
	s.spareLater(r, commit, dir)
	return dir, nil
}

// writeFrom writes the tree of commit into dir, starting from baseDir, the
// checkout of base: it links baseDir's files into a temporary sibling of
// dir, then updates that to commit (see update).
func (s *Store) writeFrom(ctx context.Context, repoURL, base, baseDir, commit, dir string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-"+filepath.Base(dir)[:12]+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := linkTree(baseDir, tmp); err != nil {
		return fmt.Errorf("link previous checkout: %w", err)
	}
	return s.update(ctx, repoURL, base, tmp, commit, dir)
}

// update turns tree, a private copy of the checkout of base, into the
// checkout of commit by applying the changes between them, and publishes
// it as dir. The changes are read from the object storage under its lock;
// writing them holds no lock.
func (s *Store) update(ctx context.Context, repoURL, base, tree, commit, dir string) error {
	var changes []change
	err := s.withCommits(ctx, repoURL, []string{commit, base}, func(st *filesystem.Storage, c []*object.Commit) error {
		var err error
		changes, err = readChanges(ctx, st, c[1], c[0])
		return err
	})
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if err := ch.apply(tree); err != nil {
			return err
		}
	}
	return publish(tree, dir)
}

// change is one file changed between two commits, with what it becomes:
// from and to are the old and new paths ("" when added or removed).
type change struct {
	from, to string
	mode     filemode.FileMode
	// content is the file's bytes, or a symbolic link's target.
	content []byte
}

// readChanges lists the changes from base to c with their new contents.
func readChanges(ctx context.Context, st *filesystem.Storage, base, c *object.Commit) ([]change, error) {
	baseTree, err := base.Tree()
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	diff, err := object.DiffTreeWithOptions(ctx, baseTree, tree, nil)
	if err != nil {
		return nil, err
	}
	out := make([]change, 0, len(diff))
	for _, d := range diff {
		ch := change{from: d.From.Name, to: d.To.Name, mode: d.To.TreeEntry.Mode}
		for _, name := range []string{ch.from, ch.to} {
			if name != "" && !validPath(name) {
				return nil, fmt.Errorf("invalid path %q in tree", name)
			}
		}
		if ch.to != "" && ch.mode != filemode.Submodule {
			if ch.content, err = readBlob(st, d.To.TreeEntry.Hash); err != nil {
				return nil, fmt.Errorf("read %s: %w", ch.to, err)
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

func readBlob(st *filesystem.Storage, h plumbing.Hash) ([]byte, error) {
	blob, err := object.GetBlob(st, h)
	if err != nil {
		return nil, err
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// apply removes what ch removes under root and writes what it adds or
// changes.
func (ch change) apply(root string) error {
	for _, name := range []string{ch.from, ch.to} {
		if name == "" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
	if ch.to == "" {
		// Git has no empty directories: a folder whose last file went
		// goes too (a git directory generator must not see it).
		removeEmptyParents(filepath.Dir(filepath.Join(root, filepath.FromSlash(ch.from))), root)
		return nil
	}
	path := filepath.Join(root, filepath.FromSlash(ch.to))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := ch.write(path); err != nil {
		return fmt.Errorf("write %s: %w", ch.to, err)
	}
	return nil
}

func (ch change) write(path string) error {
	switch ch.mode {
	case filemode.Regular, filemode.Deprecated:
		return writeFile(path, ch.content, 0o444)
	case filemode.Executable:
		return writeFile(path, ch.content, 0o555)
	case filemode.Symlink:
		return os.Symlink(string(ch.content), path)
	case filemode.Submodule:
		return os.Mkdir(path, 0o755)
	}
	return fmt.Errorf("unsupported mode %s", ch.mode)
}

// writeFile creates path exclusively, so that it never writes through a
// link.
func writeFile(path string, content []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	return errors.Join(err, f.Close())
}

// publish moves the finished checkout tmp into place as dir; a dir that
// appeared meanwhile (written by another process) is as good.
func publish(tmp, dir string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !isDir(dir) {
		return err
	}
	return nil
}

// removeEmptyParents removes dir and its parents up to (not including)
// root while they are empty.
func removeEmptyParents(dir, root string) {
	for dir != root && strings.HasPrefix(dir, root+string(filepath.Separator)) {
		if err := os.Remove(dir); err != nil { // fails when not empty
			return
		}
		dir = filepath.Dir(dir)
	}
}

// validPath reports whether every segment of the slash-separated tree path
// name is a valid entry name: joined to a root, it stays inside.
func validPath(name string) bool {
	for _, seg := range strings.Split(name, "/") {
		if !validName(seg) {
			return false
		}
	}
	return true
}

// linkTree recreates src under dst: directories are made, regular files
// hard-linked, symbolic links copied.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			return os.Link(path, target)
		}
	})
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// writeCheckout writes the tree of c into a temporary sibling of dir, then
// renames it to dir.
func writeCheckout(ctx context.Context, st *filesystem.Storage, c *object.Commit, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-"+filepath.Base(dir)[:12]+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	w := treeWriter{ctx: ctx, st: st}
	if err := w.write(tree, tmp); err != nil {
		return err
	}
	return publish(tmp, dir)
}

// treeWriter writes git trees to disk.
type treeWriter struct {
	ctx context.Context
	st  *filesystem.Storage
}

// write creates the entries of tree in dir, an empty directory it created.
// Each entry is created exclusively (os.Mkdir, O_EXCL, os.Symlink), so a
// name can never reuse a path written before, such as a link.
func (w treeWriter) write(tree *object.Tree, dir string) error {
	for _, e := range tree.Entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if !validName(e.Name) {
			return fmt.Errorf("tree %s has an invalid entry name %q", tree.Hash, e.Name)
		}
		if err := w.entry(e, filepath.Join(dir, e.Name)); err != nil {
			return fmt.Errorf("write %s: %w", e.Name, err)
		}
	}
	return nil
}

func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00") &&
		!filepath.IsAbs(name)
}

func (w treeWriter) entry(e object.TreeEntry, path string) error {
	switch e.Mode {
	case filemode.Dir:
		sub, err := object.GetTree(w.st, e.Hash)
		if err != nil {
			return err
		}
		if err := os.Mkdir(path, 0o755); err != nil {
			return err
		}
		return w.write(sub, path)
	case filemode.Regular, filemode.Deprecated:
		return w.file(e.Hash, path, 0o444)
	case filemode.Executable:
		return w.file(e.Hash, path, 0o555)
	case filemode.Symlink:
		target, err := w.blob(e.Hash)
		if err != nil {
			return err
		}
		return os.Symlink(string(target), path)
	case filemode.Submodule:
		return os.Mkdir(path, 0o755)
	}
	return fmt.Errorf("unsupported mode %s", e.Mode)
}

func (w treeWriter) file(h plumbing.Hash, path string, mode fs.FileMode) error {
	blob, err := object.GetBlob(w.st, h)
	if err != nil {
		return err
	}
	src, err := blob.Reader()
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

func (w treeWriter) blob(h plumbing.Hash) ([]byte, error) {
	blob, err := object.GetBlob(w.st, h)
	if err != nil {
		return nil, err
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, 4096))
}
