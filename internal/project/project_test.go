package project

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestSourcePermitted(t *testing.T) {
	tests := []struct {
		repos []string
		url   string
		want  bool
	}{
		{nil, "https://github.com/org/app.git", false},
		{[]string{"*"}, "https://github.com/org/app.git", true},
		{[]string{"https://github.com/org/*"}, "https://github.com/org/app.git", true},
		{[]string{"https://github.com/org/*"}, "https://github.com/org/team/app", false},
		{[]string{"https://github.com/org/**"}, "https://github.com/org/team/app", true},
		{[]string{"https://GitHub.com/Org/App.git"}, "https://github.com/org/app/", true},
		{[]string{"git@github.com:org/*"}, "ssh://git@github.com/org/app.git", true},
		{[]string{"*", "!https://github.com/org/secret"}, "https://github.com/org/secret.git", false},
		{[]string{"*", "!https://github.com/org/secret"}, "https://github.com/org/app", true},
		// As in Argo CD, a deny pattern that does not match allows.
		{[]string{"!https://github.com/org/secret"}, "https://github.com/other/app", true},
		{[]string{"[invalid"}, "https://github.com/org/app", false},
	}
	for _, tt := range tests {
		p := &appv1.AppProject{Spec: appv1.AppProjectSpec{SourceRepos: tt.repos}}
		if got := SourcePermitted(p, tt.url); got != tt.want {
			t.Errorf("sourceRepos %q, repo %s: permitted = %v, want %v", tt.repos, tt.url, got, tt.want)
		}
	}
}

func TestDestinationPermitted(t *testing.T) {
	const server = "https://kubernetes.default.svc"
	dest := func(server, name, ns string) appv1.ApplicationDestination {
		return appv1.ApplicationDestination{Server: server, Name: name, Namespace: ns}
	}
	tests := []struct {
		name  string
		dests []appv1.ApplicationDestination
		ns    string
		want  bool
	}{
		{"none", nil, "prod", false},
		{"any", []appv1.ApplicationDestination{dest("*", "", "*")}, "prod", true},
		{"by name", []appv1.ApplicationDestination{dest("", "in-cluster", "prod")}, "prod", true},
		{"by server, other namespace", []appv1.ApplicationDestination{dest(server, "", "prod")}, "staging", false},
		{"namespace glob", []appv1.ApplicationDestination{dest(server, "", "team-*")}, "team-a", true},
		{"other cluster", []appv1.ApplicationDestination{dest("https://other", "", "*")}, "prod", false},
		{"empty namespace pattern matches only cluster scope", []appv1.ApplicationDestination{dest("*", "", "")}, "prod", false},
		{"cluster scope", []appv1.ApplicationDestination{dest("*", "", "")}, "", true},
		{"denied namespace", []appv1.ApplicationDestination{dest("*", "", "*"), dest("*", "", "!kube-system")}, "kube-system", false},
		{"deny elsewhere allows", []appv1.ApplicationDestination{dest("*", "", "*"), dest("*", "", "!kube-system")}, "prod", true},
		{"denied cluster", []appv1.ApplicationDestination{dest("*", "", "*"), dest("!"+server, "", "*")}, "prod", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &appv1.AppProject{Spec: appv1.AppProjectSpec{Destinations: tt.dests}}
			if got := DestinationPermitted(p, server, "in-cluster", tt.ns); got != tt.want {
				t.Errorf("namespace %q: permitted = %v, want %v", tt.ns, got, tt.want)
			}
		})
	}
}

func TestKindPermitted(t *testing.T) {
	all := []appv1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}}
	tests := []struct {
		name       string
		spec       appv1.AppProjectSpec
		group      string
		kind       string
		namespaced bool
		want       bool
	}{
		{"namespaced, no lists", appv1.AppProjectSpec{}, "apps", "Deployment", true, true},
		{"cluster-scoped, no whitelist", appv1.AppProjectSpec{}, "", "Namespace", false, false},
		{"cluster-scoped, whitelisted", appv1.AppProjectSpec{ClusterResourceWhitelist: all}, "", "Namespace", false, true},
		{"cluster-scoped, blacklisted", appv1.AppProjectSpec{ClusterResourceWhitelist: all,
			ClusterResourceBlacklist: []appv1.ClusterResourceRestrictionItem{{Group: "rbac.authorization.k8s.io", Kind: "*"}}},
			"rbac.authorization.k8s.io", "ClusterRole", false, false},
		{"namespaced, empty whitelist allows none", appv1.AppProjectSpec{NamespaceResourceWhitelist: []metav1.GroupKind{}}, "", "ConfigMap", true, false},
		{"namespaced, whitelisted", appv1.AppProjectSpec{NamespaceResourceWhitelist: []metav1.GroupKind{{Group: "apps", Kind: "*"}}}, "apps", "Deployment", true, true},
		{"namespaced, not whitelisted", appv1.AppProjectSpec{NamespaceResourceWhitelist: []metav1.GroupKind{{Group: "apps", Kind: "*"}}}, "", "Secret", true, false},
		{"namespaced, blacklisted", appv1.AppProjectSpec{NamespaceResourceBlacklist: []metav1.GroupKind{{Group: "", Kind: "Secret"}}}, "", "Secret", true, false},
		{"kind glob", appv1.AppProjectSpec{NamespaceResourceBlacklist: []metav1.GroupKind{{Group: "*", Kind: "Role*"}}}, "rbac.authorization.k8s.io", "RoleBinding", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &appv1.AppProject{Spec: tt.spec}
			if got := KindPermitted(p, tt.group, tt.kind, "x", tt.namespaced); got != tt.want {
				t.Errorf("%s/%s: permitted = %v, want %v", tt.group, tt.kind, got, tt.want)
			}
		})
	}
}

func TestSourceNamespacePermitted(t *testing.T) {
	p := &appv1.AppProject{Spec: appv1.AppProjectSpec{SourceNamespaces: []string{"team-*"}}}
	for ns, want := range map[string]bool{"argocd": true, "team-a": true, "other": false} {
		if got := SourceNamespacePermitted(p, ns, "argocd"); got != want {
			t.Errorf("namespace %s: permitted = %v, want %v", ns, got, want)
		}
	}
}

func TestUnenforced(t *testing.T) {
	p := &appv1.AppProject{Spec: appv1.AppProjectSpec{
		SourceRepos:   []string{"*"},
		SyncWindows:   []appv1.SyncWindow{{Kind: "deny", Schedule: "0 22 * * *", Duration: "1h"}},
		SignatureKeys: []appv1.SignatureKey{{KeyID: "4AEE18F83AFDEB23"}},
	}}
	got := Unenforced(p)
	if len(got) != 2 || got[0] != "spec.syncWindows" || got[1] != "spec.signatureKeys" {
		t.Errorf("Unenforced = %q", got)
	}
	if got := Unenforced(&appv1.AppProject{}); got != nil {
		t.Errorf("Unenforced of an empty project = %q", got)
	}
}

// FuzzPermitted: any pattern and value are judged without panicking, and a
// "*" entry always permits.
// FuzzPermitted checks properties that hold for any patterns and values:
// nothing panics, the verdict does not depend on the order of the
// patterns, a "!" pattern that matches wins over every allow, "*" allows
// everything, and a literal pattern allows the value it spells.
func FuzzPermitted(f *testing.F) {
	f.Add("https://github.com/org/*", "!https://github.com/org/secret*", "git@github.com:org/app.git", "team-*", "team-a")
	f.Add("!a[", "*", "ssh://x@y:", "!", "")
	f.Add("!https://github.com/org/app", "https://github.com/*/*", "https://github.com/org/app.git", "!prod", "prod")
	f.Add("*", "!*", "https://example.com/r", "*", "default")
	f.Fuzz(func(t *testing.T, pattern, other, url, nsPattern, ns string) {
		repos := func(list ...string) *appv1.AppProject {
			return &appv1.AppProject{Spec: appv1.AppProjectSpec{SourceRepos: list}}
		}
		dests := func(list ...appv1.ApplicationDestination) *appv1.AppProject {
			return &appv1.AppProject{Spec: appv1.AppProjectSpec{Destinations: list}}
		}
		d1 := appv1.ApplicationDestination{Server: pattern, Namespace: nsPattern}
		d2 := appv1.ApplicationDestination{Name: other, Namespace: "*"}

		if SourcePermitted(repos(pattern, other), url) != SourcePermitted(repos(other, pattern), url) {
			t.Errorf("sourceRepos %q: the verdict for %q depends on the order", []string{pattern, other}, url)
		}
		if DestinationPermitted(dests(d1, d2), url, ns, ns) != DestinationPermitted(dests(d2, d1), url, ns, ns) {
			t.Errorf("destinations %v: the verdict for %q %q depends on the order", []any{d1, d2}, url, ns)
		}
		if SourcePermitted(repos(pattern, other, "!*"), url) {
			t.Errorf("sourceRepos %q with !* permitted %q", []string{pattern, other}, url)
		}
		if !SourcePermitted(repos("*"), url) {
			t.Errorf("sourceRepos [*] refused %q", url)
		}
		if !SourcePermitted(repos(pattern, "*"), url) && !strings.HasPrefix(pattern, "!") {
			t.Errorf("sourceRepos [%q *] refused %q", pattern, url)
		}
		allowAll := appv1.ApplicationDestination{Server: "*", Namespace: "*"}
		if !DestinationPermitted(dests(allowAll), url, ns, ns) {
			t.Errorf("destination */* refused %q %q", url, ns)
		}
		if DestinationPermitted(dests(d1, allowAll, appv1.ApplicationDestination{Server: "*", Namespace: "!*"}), url, ns, ns) {
			t.Errorf("a destination namespace !* did not deny %q %q", url, ns)
		}
		if DestinationPermitted(dests(d1, allowAll, appv1.ApplicationDestination{Server: "!*", Namespace: "*"}), url, ns, ns) {
			t.Errorf("a destination server !* did not deny %q %q", url, ns)
		}
		if literal(ns) && ns != "" {
			denied := appv1.ApplicationDestination{Server: "*", Namespace: "!" + ns}
			if DestinationPermitted(dests(allowAll, d1, denied), url, ns, ns) {
				t.Errorf("destination namespace !%s did not deny %q", ns, ns)
			}
			if !SourceNamespacePermitted(&appv1.AppProject{Spec: appv1.AppProjectSpec{SourceNamespaces: []string{ns}}}, ns, "argocd") {
				t.Errorf("sourceNamespaces [%q] refused it", ns)
			}
		}
		if literal(url) && normalizeRepo(url) != "" {
			if !SourcePermitted(repos(url), url) {
				t.Errorf("sourceRepos [%q] refused it", url)
			}
			if SourcePermitted(repos("*", "!"+url), url) {
				t.Errorf("sourceRepos [* !%s] permitted it", url)
			}
		}
		if !SourceNamespacePermitted(&appv1.AppProject{}, "argocd", "argocd") {
			t.Error("the controller's namespace refused")
		}
		blocked := &appv1.AppProject{Spec: appv1.AppProjectSpec{
			ClusterResourceWhitelist:   []appv1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}},
			ClusterResourceBlacklist:   []appv1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}},
			NamespaceResourceBlacklist: []metav1.GroupKind{{Group: "*", Kind: "*"}},
		}}
		for _, namespaced := range []bool{true, false} {
			if KindPermitted(blocked, pattern, other, ns, namespaced) {
				t.Errorf("kind %s/%s permitted by a blacklist of everything (namespaced %v)", pattern, other, namespaced)
			}
		}
	})
}

// literal reports whether s is printable ASCII without glob syntax, so
// that as a pattern it matches only itself (names and URLs are ASCII).
func literal(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' || strings.ContainsRune("*?[]{}\\!", r) {
			return false
		}
	}
	return true
}
