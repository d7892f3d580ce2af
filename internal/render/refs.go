package render

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

// refRepos are the checkouts of the other sources of a multi-source
// Application that name themselves with ref: value files written
// "$name/path" are read from them, each confined to its own checkout.
// They are opened on first use.
type refRepos struct {
	roots map[string]string

	mu    sync.Mutex
	repos map[string]*repo
}

func newRefRepos(roots map[string]string) *refRepos {
	return &refRepos{roots: roots, repos: map[string]*repo{}}
}

// open returns the checkout of ref name.
func (r *refRepos) open(name string) (*repo, error) {
	if r == nil || len(r.roots) == 0 {
		return nil, fmt.Errorf("no source has ref %q (no source of the application sets a ref)", name)
	}
	root, ok := r.roots[name]
	if !ok {
		return nil, fmt.Errorf("no source has ref %q (refs: %s)", name, strings.Join(r.names(), ", "))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rp, ok := r.repos[name]; ok {
		return rp, nil
	}
	rp, err := openRepo(root)
	if err != nil {
		return nil, fmt.Errorf("source ref %q: %w", name, err)
	}
	r.repos[name] = rp
	return rp, nil
}

func (r *refRepos) names() []string {
	out := make([]string, 0, len(r.roots))
	for n := range r.roots {
		out = append(out, "$"+n)
	}
	sort.Strings(out)
	return out
}

// files maps each ref whose checkout was read to the files read there.
func (r *refRepos) files() map[string][]string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out map[string][]string
	for name, rp := range r.repos {
		if fs := rp.files(); len(fs) > 0 {
			if out == nil {
				out = map[string][]string{}
			}
			out[name] = fs
		}
	}
	return out
}

func (r *refRepos) close() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rp := range r.repos {
		rp.close()
	}
}

// splitRef splits a value file path of the form "$name/rest" into the ref
// name and the path inside that source's checkout; ok is false for paths
// that do not start with "$".
func splitRef(p string) (name, rest string, ok bool, err error) {
	if !strings.HasPrefix(p, "$") {
		return "", "", false, nil
	}
	name, rest, _ = strings.Cut(p[1:], "/")
	if name == "" {
		return "", "", true, errors.New("empty ref name")
	}
	rest = path.Clean(strings.TrimLeft(rest, "/"))
	if escapes(rest) {
		return name, "", true, fmt.Errorf("resolves %w of source ref %q", ErrOutsideRepository, name)
	}
	if rest == "." {
		return name, "", true, fmt.Errorf("names the root of source ref %q, not a file", name)
	}
	return name, rest, true, nil
}
