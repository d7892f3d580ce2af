package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// ErrOutsideRepository is wrapped by every error caused by a path, a symlink
// or a reference that leads outside the repository checkout. Such errors are
// terminal: retrying cannot fix them.
var ErrOutsideRepository = errors.New("outside the repository")

// maxSymlinks bounds how many symlinks one path may traverse, like the
// kernel's ELOOP limit.
const maxSymlinks = 40

// repo is a read-only view of one checkout. Every read goes through an
// os.Root, so no path, ".." or symlink can reach outside it, and every file
// read is recorded for Result.Files.
type repo struct {
	root *os.Root
	dir  string // absolute, symlink-free path of the checkout

	mu   sync.Mutex
	read map[string]struct{}
	dirs map[string]string // resolved directories: path as named -> canonical

	// refs are the checkouts of other sources, for "$ref" value files.
	refs *refRepos
}

func openRepo(dir string) (*repo, error) {
	if dir == "" {
		return nil, errors.New("repository root is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("repository root %s: %w", dir, err)
	}
	abs, err = filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("repository root %s: %w", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("repository root %s: %w", dir, err)
	}
	return &repo{root: root, dir: abs, read: map[string]struct{}{}, dirs: map[string]string{}}, nil
}

func (r *repo) close() { _ = r.root.Close() }

// abs turns a repository-relative slash path into an absolute OS path.
func (r *repo) abs(rel string) string {
	if rel == "." || rel == "" {
		return r.dir
	}
	return filepath.Join(r.dir, filepath.FromSlash(rel))
}

// relOf turns an absolute OS path into a repository-relative slash path. It
// fails for paths outside the checkout.
func (r *repo) relOf(p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.dir, p)
	}
	rel, err := filepath.Rel(r.dir, filepath.Clean(p))
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, ErrOutsideRepository)
	}
	rel = filepath.ToSlash(rel)
	if escapes(rel) {
		return "", fmt.Errorf("%s: %w", p, ErrOutsideRepository)
	}
	return rel, nil
}

// escapes reports whether a cleaned relative slash path leaves its base.
func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, "../")
}

// join joins a repository-relative directory and a relative path lexically,
// failing when the result leaves the repository.
func join(dir, p string) (string, error) {
	j := path.Clean(path.Join(dir, p))
	if escapes(j) || path.IsAbs(p) {
		return "", fmt.Errorf("resolves %w", ErrOutsideRepository)
	}
	return j, nil
}

// resolve follows symlinks in rel, component by component, and returns the
// canonical repository-relative path. It fails with ErrOutsideRepository when
// any link leads out of the checkout, and with fs.ErrNotExist when a component
// does not exist.
func (r *repo) resolve(rel string) (string, error) {
	return r.resolveDepth(rel, 0)
}

func (r *repo) resolveDepth(rel string, links int) (string, error) {
	rel = path.Clean(rel)
	if escapes(rel) || path.IsAbs(rel) {
		return "", fmt.Errorf("%s: %w", rel, ErrOutsideRepository)
	}
	if rel == "." {
		return ".", nil
	}
	cur := "."
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		next := path.Join(cur, part)
		if canon, ok := r.cachedDir(next); ok {
			cur = canon
			continue
		}
		fi, err := r.root.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if i < len(parts)-1 {
				r.cacheDir(next, next)
			}
			cur = next
			continue
		}
		if links >= maxSymlinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", rel)
		}
		target, err := r.linkTarget(cur, next)
		if err != nil {
			return "", err
		}
		if cur, err = r.resolveDepth(target, links+1); err != nil {
			return "", err
		}
		if i < len(parts)-1 {
			r.cacheDir(next, cur)
		}
	}
	return cur, nil
}

// cachedDir returns the canonical path of a directory already resolved: the
// checkout does not change during a render.
func (r *repo) cachedDir(rel string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	canon, ok := r.dirs[rel]
	return canon, ok
}

func (r *repo) cacheDir(rel, canon string) {
	r.mu.Lock()
	r.dirs[rel] = canon
	r.mu.Unlock()
}

// linkTarget reads the symlink at rel (inside dir) and returns its target as
// a repository-relative path.
func (r *repo) linkTarget(dir, rel string) (string, error) {
	target, err := r.root.Readlink(rel)
	if err != nil {
		return "", err
	}
	if filepath.IsAbs(target) {
		t, err := r.relOf(target)
		if err != nil {
			return "", fmt.Errorf("symlink %s: %w", rel, ErrOutsideRepository)
		}
		return t, nil
	}
	t := path.Clean(path.Join(dir, filepath.ToSlash(target)))
	if escapes(t) {
		return "", fmt.Errorf("symlink %s: %w", rel, ErrOutsideRepository)
	}
	return t, nil
}

// stat follows symlinks inside the repository.
func (r *repo) stat(rel string) (fs.FileInfo, error) {
	canon, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	return r.root.Stat(canon)
}

// readFile reads a regular file, following symlinks inside the repository,
// and records both the path as named and the file it resolved to.
func (r *repo) readFile(rel string) ([]byte, error) {
	canon, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	data, err := r.root.ReadFile(canon)
	if err != nil {
		return nil, err
	}
	r.record(rel)
	r.record(canon)
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
}

// readDir lists a directory, sorted by name, following symlinks inside the
// repository.
func (r *repo) readDir(rel string) ([]fs.DirEntry, error) {
	canon, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	return fs.ReadDir(r.root.FS(), canon)
}

func (r *repo) record(rel string) {
	r.mu.Lock()
	r.read[path.Clean(rel)] = struct{}{}
	r.mu.Unlock()
}

// files returns the sorted repository-relative paths of every file read.
func (r *repo) files() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.read))
	for f := range r.read {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// appDir validates Argo CD's source.path and returns the canonical
// repository-relative directory it names. Absolute paths, paths leaving the
// checkout (lexically or through a symlink) and non-directories are rejected
// before anything is read.
func (r *repo) appDir(p string) (string, error) {
	slash := filepath.ToSlash(p)
	if path.IsAbs(slash) || filepath.IsAbs(p) {
		return "", fmt.Errorf("app path %q is absolute", p)
	}
	if slash == "" {
		slash = "."
	}
	clean := path.Clean(slash)
	if escapes(clean) {
		return "", fmt.Errorf("app path %q: %w", p, ErrOutsideRepository)
	}
	canon, err := r.resolve(clean)
	switch {
	case errors.Is(err, ErrOutsideRepository):
		return "", fmt.Errorf("app path %q: %w", p, err)
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("app path %q does not exist", p)
	case err != nil:
		return "", fmt.Errorf("app path %q: %w", p, err)
	}
	fi, err := r.root.Stat(canon)
	if err != nil {
		return "", fmt.Errorf("app path %q: %w", p, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("app path %q is not a directory", p)
	}
	return canon, nil
}
