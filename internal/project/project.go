// Package project decides what an AppProject permits, with Argo CD's
// semantics: which repositories its Applications may use, where they may
// deploy, and which kinds of objects they may manage.
//
// Patterns are globs. A leading "!" makes a pattern deny what it matches;
// as in Argo CD, a deny pattern that does not match counts as an allow, so
// a list of only deny patterns allows everything else.
package project

import (
	"path/filepath"
	"strings"

	"github.com/gobwas/glob"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// DefaultName is the project of an Application that names none.
const DefaultName = "default"

// Name returns the project an Application belongs to.
func Name(app *appv1.Application) string {
	if app.Spec.Project == "" {
		return DefaultName
	}
	return app.Spec.Project
}

// SourcePermitted reports whether Applications of p may use the repository
// at repoURL. URLs are compared normalized: case, a trailing ".git" or "/",
// and the scp-like form of ssh addresses do not matter.
func SourcePermitted(p *appv1.AppProject, repoURL string) bool {
	u := normalizeRepo(repoURL)
	permitted := false
	for _, pattern := range p.Spec.SourceRepos {
		deny := strings.HasPrefix(pattern, "!")
		pattern = normalizeRepo(strings.TrimPrefix(pattern, "!"))
		hit := pattern == "*" || match(pattern, u, '/')
		if deny && hit {
			return false
		}
		if hit != deny {
			permitted = true
		}
	}
	return permitted
}

// DestinationPermitted reports whether Applications of p may deploy to
// namespace of the cluster with the given server URL and name. An entry
// matches when its server or its name matches, and its namespace does; an
// empty pattern matches only an empty value.
func DestinationPermitted(p *appv1.AppProject, server, name, namespace string) bool {
	permitted := false
	for _, d := range p.Spec.Destinations {
		srv, srvDeny := field(d.Server, server)
		nm, nmDeny := field(d.Name, name)
		ns, nsDeny := field(d.Namespace, namespace)
		clusterOK := (d.Server != "" && srv) || (d.Name != "" && nm)
		if ((srvDeny || nmDeny) && ns) || (nsDeny && clusterOK) {
			return false
		}
		if clusterOK && ns {
			permitted = true
		}
	}
	return permitted
}

// field matches one destination pattern against value: ok is the pattern's
// verdict (a deny pattern's is true when it does not match), denied is true
// when a deny pattern matched.
func field(pattern, value string) (ok, denied bool) {
	deny := strings.HasPrefix(pattern, "!")
	pattern = strings.TrimPrefix(pattern, "!")
	hit := pattern == "*" || (pattern == "" && value == "") || (pattern != "" && match(pattern, value))
	return hit != deny, deny && hit
}

// KindPermitted reports whether Applications of p may manage an object of
// group and kind named name; namespaced tells the kind's scope.
// Cluster-scoped kinds must be in clusterResourceWhitelist (empty allows
// none); namespaced kinds must be in namespaceResourceWhitelist when that
// list is set at all. A blacklist wins over a whitelist.
func KindPermitted(p *appv1.AppProject, group, kind, name string, namespaced bool) bool {
	s := p.Spec
	if namespaced {
		if s.NamespaceResourceWhitelist != nil && !anyGroupKind(s.NamespaceResourceWhitelist, group, kind) {
			return false
		}
		return !anyGroupKind(s.NamespaceResourceBlacklist, group, kind)
	}
	return anyClusterItem(s.ClusterResourceWhitelist, group, kind, name) &&
		!anyClusterItem(s.ClusterResourceBlacklist, group, kind, name)
}

// Unenforced lists the set fields of p that Tether does not act on yet.
// Roles are left out: they grant access to Argo CD's own API, which Tether
// does not have (Kubernetes RBAC guards its objects).
func Unenforced(p *appv1.AppProject) []string {
	var out []string
	add := func(set bool, field string) {
		if set {
			out = append(out, field)
		}
	}
	s := p.Spec
	add(len(s.SyncWindows) > 0, "spec.syncWindows")
	add(len(s.SignatureKeys) > 0, "spec.signatureKeys")
	add(len(s.DestinationServiceAccounts) > 0, "spec.destinationServiceAccounts")
	add(s.PermitOnlyProjectScopedClusters, "spec.permitOnlyProjectScopedClusters")
	add(s.OrphanedResources != nil, "spec.orphanedResources")
	return out
}

// SourceNamespacePermitted reports whether an Application living in
// namespace may use p; controllerNamespace always may.
func SourceNamespacePermitted(p *appv1.AppProject, namespace, controllerNamespace string) bool {
	if namespace == controllerNamespace {
		return true
	}
	for _, pattern := range p.Spec.SourceNamespaces {
		if pattern == "*" || match(pattern, namespace) {
			return true
		}
	}
	return false
}

func anyGroupKind(list []metav1.GroupKind, group, kind string) bool {
	for _, gk := range list {
		if wildcard(gk.Group, group) && wildcard(gk.Kind, kind) {
			return true
		}
	}
	return false
}

func anyClusterItem(list []appv1.ClusterResourceRestrictionItem, group, kind, name string) bool {
	for _, it := range list {
		if wildcard(it.Group, group) && wildcard(it.Kind, kind) && (it.Name == "" || wildcard(it.Name, name)) {
			return true
		}
	}
	return false
}

// wildcard matches a group, kind or name pattern as Argo CD does, with
// shell-style globs.
func wildcard(pattern, value string) bool {
	if pattern == "*" || pattern == value {
		return true
	}
	ok, err := filepath.Match(pattern, value)
	return err == nil && ok
}

// match reports whether value matches the glob pattern; a pattern that does
// not compile, or that the glob library fails on (it panics on some, such
// as "0{" against "0"), matches nothing.
func match(pattern, value string, separators ...rune) (ok bool) {
	g, err := glob.Compile(pattern, separators...)
	if err != nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return g.Match(value)
}

// normalizeRepo puts a repository URL, or a pattern of them, in the form
// they are compared in.
func normalizeRepo(u string) string {
	s := strings.ToLower(strings.TrimSpace(u))
	s = strings.TrimSuffix(s, "/")
	s = strings.TrimSuffix(s, ".git")
	s = strings.TrimPrefix(s, "ssh://")
	if !strings.Contains(s, "://") {
		// user@host:path, the scp-like ssh form, compares as user@host/path.
		if at := strings.Index(s, "@"); at >= 0 {
			if colon := strings.Index(s[at:], ":"); colon > 0 {
				s = s[:at+colon] + "/" + strings.TrimPrefix(s[at+colon+1:], "/")
			}
		}
	}
	return s
}
