package webhook

import (
	"net/url"
	"strings"

	"github.com/Masterminds/semver/v3"

	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// Push is one ref update announced by a Git host.
type Push struct {
	// Provider is the host that sent it: github, gitlab, gitea, gogs,
	// bitbucket or bitbucketserver.
	Provider string
	// RepoURLs are every URL of the repository the payload gives: the
	// web page, the http clone URL, the ssh URL. Compare them with
	// MatchesRepo.
	RepoURLs []string
	// Branch is the branch pushed to, or Tag the tag; one of them is set.
	Branch, Tag string
	// Before and After are the commits the ref moved from and to. Before
	// is empty or all zeros for a new ref; After is all zeros, or empty,
	// when the ref was deleted.
	Before, After string
	// DefaultBranch is the repository's default branch when the payload
	// says it (not Bitbucket's).
	DefaultBranch string
	// Deleted is set when the ref was deleted.
	Deleted bool
	// ChangedFiles are the paths that the pushed commits added, modified
	// or removed, relative to the repository's root, each once. It is
	// empty when the payload does not list them completely (Bitbucket,
	// a new or deleted ref, a forced push, a truncated commit list): treat
	// every path as changed then, as Argo CD does.
	ChangedFiles []string
}

// MatchesRepo reports whether repoURL, an Application's repoURL, names the
// pushed repository (MatchRepoURL against each of RepoURLs).
func (p Push) MatchesRepo(repoURL string) bool {
	for _, u := range p.RepoURLs {
		if MatchRepoURL(u, repoURL) {
			return true
		}
	}
	return false
}

// MatchesRevision reports whether an Application's targetRevision follows
// the pushed ref, as Argo CD decides: HEAD or empty follows the default
// branch (any branch when the payload does not name the default);
// refs/heads/x and refs/tags/x follow that branch or tag; a bare name
// follows a branch or a tag of that name; a semver constraint (1.x,
// >=1.2.0) follows a tag that satisfies it. A commit SHA never moves.
func (p Push) MatchesRevision(targetRevision string) bool {
	rev := strings.TrimSpace(targetRevision)
	switch {
	case rev == "" || rev == "HEAD":
		return p.Branch != "" && (p.DefaultBranch == "" || p.Branch == p.DefaultBranch)
	case strings.HasPrefix(rev, "refs/heads/"):
		return p.Branch != "" && p.Branch == strings.TrimPrefix(rev, "refs/heads/")
	case strings.HasPrefix(rev, "refs/tags/"):
		return p.Tag != "" && p.Tag == strings.TrimPrefix(rev, "refs/tags/")
	case rev == p.Branch || rev == p.Tag:
		return true
	}
	return p.Tag != "" && tagSatisfies(p.Tag, rev)
}

func tagSatisfies(tag, constraint string) bool {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	v, err := semver.NewVersion(tag)
	return err == nil && c.Check(v)
}

// MatchRepoURL reports whether two repository URLs name the same
// repository: equal after normalisation (scheme and host case, default
// port, credentials, ".git" suffix, trailing slash; see
// internal/source/git.SameURL), or with the same host and path whatever the
// scheme, user and port, as Argo CD matches a payload's web URL against an
// Application's ssh or https repoURL. Hosts named ssh.HOST or altssh.HOST
// (GitHub's and Bitbucket's ssh-over-443 endpoints) match HOST.
func MatchRepoURL(a, b string) bool {
	if gitsource.SameURL(a, b) {
		return true
	}
	ha, pa, okA := hostPath(a)
	hb, pb, okB := hostPath(b)
	return okA && okB && ha == hb && pa == pb
}

// hostPath returns the lower-cased host, without port and ssh prefixes,
// and the lower-cased path without ".git" of a repository URL.
func hostPath(raw string) (string, string, bool) {
	u, err := url.Parse(gitsource.NormalizeURL(raw))
	if err != nil || u.Host == "" {
		return "", "", false
	}
	host := strings.ToLower(u.Hostname())
	for _, prefix := range []string{"altssh.", "ssh."} {
		host = strings.TrimPrefix(host, prefix)
	}
	path := strings.ToLower(strings.Trim(u.Path, "/"))
	return host, path, path != ""
}
