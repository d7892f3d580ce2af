package git

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
)

const (
	headsPrefix = "refs/heads/"
	tagsPrefix  = "refs/tags/"
)

// refList is what a server advertises: the ls-remote of a repository.
type refList struct {
	// head is the commit of HEAD; zero when the server does not say.
	head plumbing.Hash
	// refs maps full ref names to the objects they point to.
	refs map[string]plumbing.Hash
	// peeled maps annotated tags to the commits they point to.
	peeled map[string]plumbing.Hash
	// shaWant tells whether the server accepts a want of a commit that is
	// not at the tip of a ref.
	shaWant bool
}

func newRefList(ar *packp.AdvRefs) *refList {
	l := &refList{refs: map[string]plumbing.Hash{}, peeled: map[string]plumbing.Hash{}}
	if ar.Head != nil {
		l.head = *ar.Head
	}
	for name, h := range ar.References {
		l.refs[name] = h
	}
	for name, h := range ar.Peeled {
		l.peeled[name] = h
	}
	l.shaWant = ar.Capabilities.Supports(capability.AllowReachableSHA1InWant)
	return l
}

// match finds what revision names, in Argo CD's order: HEAD (or empty), the
// highest tag that satisfies a semver constraint, then a full ref name, a
// branch and a tag. It returns the ref name ("HEAD" for HEAD) and the commit
// it points to, which is zero when the ref is an annotated tag the server
// did not peel; obj is the object the server advertises for it.
func (l *refList) match(revision string) (name string, obj, commit plumbing.Hash, ok bool) {
	if revision == "" || revision == "HEAD" {
		return "HEAD", l.head, l.head, !l.head.IsZero()
	}
	if name, ok := l.matchSemver(revision); ok {
		return name, l.refs[name], l.commit(name), true
	}
	for _, candidate := range []string{revision, headsPrefix + revision, tagsPrefix + revision} {
		if _, found := l.refs[candidate]; found && strings.HasPrefix(candidate, "refs/") {
			return candidate, l.refs[candidate], l.commit(candidate), true
		}
	}
	return "", plumbing.ZeroHash, plumbing.ZeroHash, false
}

// commit returns the commit a ref points to, or zero for an annotated tag
// that was not peeled.
func (l *refList) commit(name string) plumbing.Hash {
	if h, ok := l.peeled[name]; ok {
		return h
	}
	if strings.HasPrefix(name, tagsPrefix) {
		return plumbing.ZeroHash
	}
	return l.refs[name]
}

// matchSemver returns the tag with the highest version that satisfies
// revision read as a semver constraint (such as "1.2.*" or ">=1.0 <2"),
// as Argo CD does for Git tags.
func (l *refList) matchSemver(revision string) (string, bool) {
	constraint, err := semver.NewConstraint(revision)
	if err != nil {
		return "", false
	}
	var best string
	var bestVersion *semver.Version
	for _, name := range l.names() {
		tag, isTag := strings.CutPrefix(name, tagsPrefix)
		if !isTag {
			continue
		}
		v, err := semver.NewVersion(tag)
		if err != nil || !constraint.Check(v) {
			continue
		}
		if bestVersion == nil || v.GreaterThan(bestVersion) {
			best, bestVersion = name, v
		}
	}
	return best, best != ""
}

func (l *refList) names() []string {
	names := make([]string, 0, len(l.refs))
	for name := range l.refs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// wantsFor returns the advertised objects that are, or peel to, commit.
func (l *refList) wantsFor(commit plumbing.Hash) []plumbing.Hash {
	var wants []plumbing.Hash
	if l.head == commit {
		wants = append(wants, commit)
	}
	for name, h := range l.refs {
		if (h == commit || l.peeled[name] == commit) && !slices.Contains(wants, h) {
			wants = append(wants, h)
		}
	}
	return wants
}

// tips returns the distinct objects of HEAD, branches and tags, which a
// full fetch wants; other refs (pull requests, notes) are left out.
func (l *refList) tips() []plumbing.Hash {
	var tips []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	add := func(h plumbing.Hash) {
		if !h.IsZero() && !seen[h] {
			seen[h] = true
			tips = append(tips, h)
		}
	}
	add(l.head)
	for _, name := range l.names() {
		if strings.HasPrefix(name, headsPrefix) || strings.HasPrefix(name, tagsPrefix) {
			add(l.refs[name])
		}
	}
	return tips
}

// isHex reports whether s is made of hexadecimal digits only.
func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// isFullHash reports whether s is a full SHA-1 object name.
func isFullHash(s string) bool { return len(s) == 40 && isHex(s) }

// isShortHash reports whether s may abbreviate a commit name; git accepts
// four digits or more.
func isShortHash(s string) bool { return len(s) >= 4 && len(s) < 40 && isHex(s) }
