package appview

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// InClusterServer is the API server address of the cluster Tether runs in,
// which views call "in-cluster" as Argo CD does.
const InClusterServer = "https://kubernetes.default.svc"

// Commit is what views show of a Git commit.
type Commit struct {
	// SHA is the full commit hash.
	SHA string
	// Subject is the first line of the message.
	Subject string
	// Author is "Name <email>".
	Author string
	// Date is the author date.
	Date time.Time
}

// ShortSHA abbreviates a commit hash to seven characters; other revisions
// are returned unchanged.
func ShortSHA(rev string) string {
	if len(rev) == 40 && isHex(rev) {
		return rev[:7]
	}
	return rev
}

// looksLikeSHA reports whether rev is a commit hash, full or abbreviated.
func looksLikeSHA(rev string) bool { return len(rev) >= 7 && len(rev) <= 40 && isHex(rev) }

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// Source names where an Application's manifests come from in one short
// word: "repo//path" for Git (the scheme, credentials and ".git" left out),
// "repo/chart@version" for a Helm chart.
func Source(src appv1.ApplicationSource) string {
	repo := trimRepoURL(src.RepoURL)
	if src.Chart != "" {
		return repo + "/" + src.Chart + "@" + orDash(src.TargetRevision)
	}
	if src.Path == "" || src.Path == "." {
		return repo
	}
	return repo + "//" + strings.Trim(src.Path, "/")
}

// RedactURL returns a repository URL without its password, and for http(s)
// without its user name either; other strings are returned unchanged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Host == "" {
		return raw
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		u.User = nil
	} else {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// trimRepoURL drops the scheme, user information and a trailing ".git".
func trimRepoURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if at := strings.LastIndex(u, "@"); at >= 0 && !strings.Contains(u[:at], "/") {
		u = u[at+1:]
	}
	return strings.TrimSuffix(strings.TrimRight(u, "/"), ".git")
}

// Cluster names a destination cluster: "in-cluster" for the local one, else
// its name or server.
func Cluster(d appv1.ApplicationDestination) string {
	switch {
	case d.Name != "":
		return d.Name
	case strings.TrimSuffix(d.Server, "/") == InClusterServer:
		return "in-cluster"
	case d.Server == "":
		return "-"
	}
	return d.Server
}

// Destination is "cluster/namespace", or the cluster alone when the
// Application sets no namespace.
func Destination(d appv1.ApplicationDestination) string {
	if d.Namespace == "" {
		return Cluster(d)
	}
	return Cluster(d) + "/" + d.Namespace
}

// Age is how long ago t was, as kubectl prints ages ("5m", "2d4h"), with
// " ago"; "-" when t is nil or zero.
func Age(t *metav1.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	d := now.Sub(t.Time)
	if d < 0 {
		d = 0
	}
	return duration.HumanDuration(d) + " ago"
}

// SyncPolicy is the sync policy in Argo CD's words: "Manual", or
// "Automated" followed by its options in brackets.
func SyncPolicy(p *appv1.SyncPolicy) string {
	if !p.IsAutomated() {
		return "Manual"
	}
	var opts []string
	if p.Automated.Prune {
		opts = append(opts, "Prune")
	}
	if p.Automated.SelfHeal {
		opts = append(opts, "SelfHeal")
	}
	if p.Automated.AllowEmpty {
		opts = append(opts, "AllowEmpty")
	}
	if len(opts) == 0 {
		return "Automated"
	}
	return "Automated (" + strings.Join(opts, ", ") + ")"
}

// shortPolicy is the sync policy in a table cell: Manual, Auto or
// Auto-Prune, as `argocd app list` prints it.
func shortPolicy(p *appv1.SyncPolicy) string {
	switch {
	case !p.IsAutomated():
		return "Manual"
	case p.Automated.Prune:
		return "Auto-Prune"
	}
	return "Auto"
}

// conditionSummary lists condition types, "<none>" when there are none.
func conditionSummary(conds []appv1.ApplicationCondition) string {
	if len(conds) == 0 {
		return "<none>"
	}
	types := make([]string, 0, len(conds))
	for _, c := range conds {
		types = append(types, string(c.Type))
	}
	return strings.Join(types, ",")
}

// SyncStatus is the sync status with the target revision and the commit it
// resolved to, such as "Synced to main (abc1234)".
func SyncStatus(app *appv1.Application) string {
	st := app.Status.Sync
	if st.Status == "" {
		return "Unknown"
	}
	s := string(st.Status)
	if app.Spec.HasMultipleSources() {
		if len(st.Revisions) > 0 {
			s += " (" + revisionsLabel(st.Revisions) + ")"
		}
		return s
	}
	target := orDefault(app.Spec.GetSource().TargetRevision, "HEAD")
	switch st.Status {
	case appv1.SyncStatusCodeSynced:
		s += " to " + target
	case appv1.SyncStatusCodeOutOfSync:
		s += " from " + target
	}
	if st.Revision != "" && !looksLikeSHA(target) {
		s += " (" + ShortSHA(st.Revision) + ")"
	}
	return s
}

// HealthStatus is the health with its message, if any.
func HealthStatus(h appv1.HealthStatus) string {
	s := orDefault(string(h.Status), "Unknown")
	if h.Message != "" {
		s += " (" + oneLine(h.Message) + ")"
	}
	return s
}

// CommitLine describes a commit on one line: short SHA, subject, author and
// age, such as `abc1234 "Bump web" by Ann <ann@example.com>, 2h ago`.
func CommitLine(c Commit, now time.Time) string {
	s := ShortSHA(c.SHA)
	if c.Subject != "" {
		s += fmt.Sprintf(" %q", c.Subject)
	}
	if c.Author != "" {
		s += " by " + c.Author
	}
	if !c.Date.IsZero() {
		s += ", " + Age(&metav1.Time{Time: c.Date}, now)
	}
	return s
}

func orDash(s string) string { return orDefault(s, "-") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
