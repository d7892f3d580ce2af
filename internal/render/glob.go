package render

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// isGlob reports whether p holds a glob metacharacter.
func isGlob(p string) bool {
	return strings.ContainsAny(p, "*?[")
}

// glob expands a repository-relative slash pattern whose segments use
// path.Match syntax, with "**" matching any number of directories. Matches
// are regular files (symlinks followed inside the repository), in lexical
// order. Symlinked directories are not descended by "**".
func (r *repo) glob(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	g := globber{rp: r, found: map[string]bool{}}
	if err := g.match(".", strings.Split(pattern, "/")); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(g.found))
	for m := range g.found {
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}

type globber struct {
	rp    *repo
	found map[string]bool
}

func (g *globber) match(dir string, segs []string) error {
	if len(segs) == 0 {
		return g.accept(dir)
	}
	seg, rest := segs[0], segs[1:]
	if seg == "**" {
		return g.doubleStar(dir, rest)
	}
	if !isGlob(seg) {
		next := path.Join(dir, seg)
		if _, err := g.rp.root.Lstat(next); err != nil {
			return nil
		}
		return g.match(next, rest)
	}
	entries, err := g.rp.readDir(dir)
	if err != nil {
		return ignoreMissing(err)
	}
	for _, e := range entries {
		if ok, _ := path.Match(seg, e.Name()); ok {
			if err := g.match(path.Join(dir, e.Name()), rest); err != nil {
				return err
			}
		}
	}
	return nil
}

// doubleStar matches rest at dir and at every real directory below it.
func (g *globber) doubleStar(dir string, rest []string) error {
	if err := g.match(dir, rest); err != nil {
		return err
	}
	entries, err := g.rp.readDir(dir)
	if err != nil {
		return ignoreMissing(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := g.doubleStar(path.Join(dir, e.Name()), rest); err != nil {
				return err
			}
		}
	}
	return nil
}

// accept records p when it is a regular file; a symlink leading out of the
// repository is an error.
func (g *globber) accept(p string) error {
	fi, err := g.rp.stat(p)
	if errors.Is(err, ErrOutsideRepository) {
		return err
	}
	if err == nil && fi.Mode().IsRegular() {
		g.found[p] = true
	}
	return nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrOutsideRepository) {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil // not a directory
	}
	return err
}
