package appview

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// now is the clock of every test.
var now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func at(ago time.Duration) *metav1.Time {
	t := metav1.NewTime(now.Add(-ago))
	return &t
}

const (
	sha1 = "0123456789abcdef0123456789abcdef01234567"
	sha2 = "89abcdef0123456789abcdef0123456789abcdef"
)

// webApp is a synced, healthy, automated Application with a failed
// resource message and two conditions.
func webApp() appv1.Application {
	return appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "argocd"},
		Spec: appv1.ApplicationSpec{
			Project:     "default",
			Source:      &appv1.ApplicationSource{RepoURL: "https://user:pw@github.com/acme/gitops.git", Path: "charts/web", TargetRevision: "main"},
			Destination: appv1.ApplicationDestination{Server: InClusterServer, Namespace: "prod"},
			SyncPolicy:  &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Prune: true, SelfHeal: true}},
		},
		Status: appv1.ApplicationStatus{
			Sync:   appv1.SyncStatus{Status: appv1.SyncStatusCodeSynced, Revision: sha1},
			Health: appv1.HealthStatus{Status: appv1.HealthStatusHealthy},
			Resources: []appv1.ResourceStatus{
				{Version: "v1", Kind: "Service", Namespace: "prod", Name: "web", Status: appv1.SyncStatusCodeSynced, Health: &appv1.HealthStatus{Status: appv1.HealthStatusHealthy}},
				{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "prod", Name: "web", Status: appv1.SyncStatusCodeSynced, Health: &appv1.HealthStatus{Status: appv1.HealthStatusHealthy}},
				{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "old", Status: appv1.SyncStatusCodeOutOfSync, RequiresPruning: true},
			},
			Conditions: []appv1.ApplicationCondition{
				{Type: appv1.ApplicationConditionUnsupportedField, Message: "fields not supported yet are ignored:\nspec.syncPolicy.retry", LastTransitionTime: at(2 * time.Hour)},
			},
			OperationState: &appv1.OperationState{
				Operation:  appv1.Operation{Sync: &appv1.SyncOperation{Revision: "main"}, InitiatedBy: appv1.OperationInitiator{Username: "ann"}},
				Phase:      appv1.OperationSucceeded,
				Message:    "successfully synced (all tasks run)",
				StartedAt:  *at(3*time.Minute + 4*time.Second),
				FinishedAt: at(3 * time.Minute),
				SyncResult: &appv1.SyncOperationResult{Revision: sha1, Resources: []appv1.ResourceResult{
					{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "prod", Name: "web", Status: appv1.ResultCodeSynced, Message: "configured"},
					{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "old", Status: appv1.ResultCodePruneSkipped, Message: "ignored (requires pruning)"},
					{Version: "v1", Kind: "Namespace", Name: "prod", Status: appv1.ResultCodeSynced, Message: "namespace ensured"},
				}},
			},
		},
	}
}

func apps() []appv1.Application {
	web := webApp()
	api := appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "api-server", Namespace: "argocd"},
		Spec: appv1.ApplicationSpec{
			Project:     "team",
			Source:      &appv1.ApplicationSource{RepoURL: "git@github.com:acme/api.git", TargetRevision: "v1.2.0"},
			Destination: appv1.ApplicationDestination{Name: "staging", Namespace: "api"},
		},
		Status: appv1.ApplicationStatus{
			Sync:   appv1.SyncStatus{Status: appv1.SyncStatusCodeOutOfSync, Revision: sha2},
			Health: appv1.HealthStatus{Status: appv1.HealthStatusDegraded, Message: "Deployment api: progress deadline exceeded"},
			Conditions: []appv1.ApplicationCondition{
				{Type: appv1.ApplicationConditionSyncError, Message: "one or more objects failed to apply"},
				{Type: appv1.ApplicationConditionUnsupportedField, Message: "x"},
			},
			OperationState: &appv1.OperationState{Phase: appv1.OperationRunning, StartedAt: *at(20 * time.Second)},
		},
	}
	chart := appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec: appv1.ApplicationSpec{
			Source:      &appv1.ApplicationSource{RepoURL: "https://charts.example.com", Chart: "nginx", TargetRevision: "1.2.3"},
			Destination: appv1.ApplicationDestination{Server: "https://10.0.0.1:6443"},
		},
	}
	return []appv1.Application{web, api, chart}
}

func TestViews(t *testing.T) {
	web := webApp()
	tests := []struct {
		golden string
		write  func(w io.Writer) error
	}{
		{"list.golden", func(w io.Writer) error { return List(w, apps(), ListOptions{Now: now}) }},
		{"list-wide.golden", func(w io.Writer) error { return List(w, apps(), ListOptions{Now: now, Wide: true}) }},
		{"names.golden", func(w io.Writer) error { return Names(w, apps()) }},
		{"get.golden", func(w io.Writer) error {
			commit := &Commit{SHA: sha1, Subject: "Bump web to 1.27.1", Author: "Ann <ann@example.com>", Date: now.Add(-26 * time.Hour)}
			return writeAll(w,
				func(w io.Writer) error { return Summary(w, &web, Details{Commit: commit, Now: now}) },
				func(w io.Writer) error { return Conditions(w, web.Status.Conditions, now) },
				func(w io.Writer) error { return Operation(w, web.Status.OperationState, now) },
				func(w io.Writer) error { return ResourceTable(w, ResourceRows(&web)) })
		}},
		{"summary-commit-error.golden", func(w io.Writer) error {
			return Summary(w, &apps()[1], Details{CommitError: "repository http://git.example.com/api.git:\nauthentication required", Now: now})
		}},
		{"summary-empty.golden", func(w io.Writer) error { return Summary(w, &apps()[2], Details{Now: now}) }},
		{"summary-sources.golden", func(w io.Writer) error {
			app := multiSourceApp()
			return writeAll(w,
				func(w io.Writer) error { return Summary(w, &app, Details{Now: now}) },
				func(w io.Writer) error { return Operation(w, app.Status.OperationState, now) },
				func(w io.Writer) error { return History(w, []HistoryRow{{Entry: app.Status.History[0]}}, time.UTC) })
		}},
		{"tree.golden", func(w io.Writer) error { return Tree(w, tree()) }},
		{"history.golden", func(w io.Writer) error { return History(w, history(), time.UTC) }},
		{"history-ids.golden", func(w io.Writer) error { return HistoryIDs(w, history()) }},
		{"diff.golden", func(w io.Writer) error { return Diff(w, "apps/Deployment prod/web", unifiedText, false) }},
		{"diff-color.golden", func(w io.Writer) error { return Diff(w, "apps/Deployment prod/web", unifiedText, true) }},
		{"progress.golden", progress},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), ":pw@") || strings.Contains(b.String(), "user:") {
				t.Errorf("credentials of a repository URL are shown:\n%s", b.String())
			}
			checkGolden(t, tt.golden, b.String())
		})
	}
}

func writeAll(w io.Writer, fns ...func(io.Writer) error) error {
	for i, fn := range fns {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := fn(w); err != nil {
			return err
		}
	}
	return nil
}

func tree() []*Node {
	pod := &Node{Kind: "Pod", Namespace: "prod", Name: "web-7d9f-abcde", Health: "Healthy"}
	pod2 := &Node{Kind: "Pod", Namespace: "prod", Name: "web-7d9f-fghij", Health: "Progressing", Message: "container web\nis waiting"}
	rs := &Node{Kind: "ReplicaSet", Namespace: "prod", Name: "web-7d9f", Health: "Healthy", Children: []*Node{pod, pod2}}
	old := &Node{Kind: "ReplicaSet", Namespace: "prod", Name: "web-5c4b", Health: "Healthy"}
	return []*Node{
		{Kind: "Service", Namespace: "prod", Name: "web", Status: "Synced", Health: "Healthy"},
		{Kind: "Deployment", Namespace: "prod", Name: "web", Status: "Synced", Health: "Healthy", Children: []*Node{old, rs}},
	}
}

func history() []HistoryRow {
	src := appv1.ApplicationSource{RepoURL: "https://github.com/acme/gitops.git", TargetRevision: "main"}
	return []HistoryRow{
		{Entry: appv1.RevisionHistory{ID: 0, Revision: sha2, Source: src, DeployedAt: *at(48 * time.Hour)},
			Commit: &Commit{SHA: sha2, Subject: "Initial web", Author: "Bob <bob@example.com>"}},
		{Entry: appv1.RevisionHistory{ID: 1, Revision: sha1, Source: src, DeployedAt: *at(time.Hour)},
			Commit: &Commit{SHA: sha1, Subject: "Bump web to 1.27.1", Author: "Ann <ann@example.com>"}},
		{Entry: appv1.RevisionHistory{ID: 2, Revision: sha2, Source: appv1.ApplicationSource{TargetRevision: sha2}, DeployedAt: *at(time.Minute)}},
	}
}

const unifiedText = `--- apps/Deployment prod/web (live)
+++ apps/Deployment prod/web (desired)
@@ -5,7 +5,7 @@
   template:
     spec:
       containers:
-      - image: nginx:1.27.0
+      - image: nginx:1.27.1
         name: web
`

func progress(w io.Writer) error {
	p := NewProgress(w)
	first := []ResourceRow{
		{Kind: "ConfigMap", Namespace: "prod", Name: "a", Status: "OutOfSync", Health: "Missing"},
		{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web", Status: "Synced", Health: "Healthy"},
	}
	if err := p.Update(first, now); err != nil {
		return err
	}
	second := []ResourceRow{
		{Kind: "ConfigMap", Namespace: "prod", Name: "a", Status: "Synced", Health: "Healthy", Message: "created"},
		{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web", Status: "Synced", Health: ""},
	}
	return p.Update(second, now.Add(2*time.Second))
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{ShortSHA(sha1), "0123456"},
		{ShortSHA("main"), "main"},
		{Source(appv1.ApplicationSource{RepoURL: "https://github.com/acme/gitops.git", Path: "/apps/web/"}), "github.com/acme/gitops//apps/web"},
		{Source(appv1.ApplicationSource{RepoURL: "ssh://git@github.com/acme/gitops.git", Path: "."}), "github.com/acme/gitops"},
		{Source(appv1.ApplicationSource{RepoURL: "git@github.com:acme/gitops.git", Path: "x"}), "github.com:acme/gitops//x"},
		{RedactURL("https://user:pw@git.example.com/r.git"), "https://git.example.com/r.git"},
		{RedactURL("ssh://git:pw@git.example.com/r.git"), "ssh://git@git.example.com/r.git"},
		{RedactURL("git@github.com:acme/r.git"), "git@github.com:acme/r.git"},
		{Destination(appv1.ApplicationDestination{Server: InClusterServer + "/", Namespace: "prod"}), "in-cluster/prod"},
		{Age(nil, now), "-"},
		{Age(at(90*time.Second), now), "90s ago"},
		{SyncPolicy(nil), "Manual"},
		{SyncPolicy(&appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}), "Automated"},
		{SyncPolicy(&appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Enabled: new(bool)}}), "Manual"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
	if s := oneLine("a\n  b\tc"); strings.Contains(s, "\n") || s != "a b c" {
		t.Errorf("oneLine: %q", s)
	}
}

// multiSourceApp deploys a chart of a Helm repository with values from Git.
func multiSourceApp() appv1.Application {
	srcs := appv1.ApplicationSources{
		{RepoURL: "https://charts.example.com", Chart: "redis", TargetRevision: "^18.0", Helm: &appv1.ApplicationSourceHelm{ValueFiles: []string{"$values/redis/values.yaml"}}},
		{RepoURL: "https://user:pw@github.com/acme/values.git", TargetRevision: "main", Ref: "values"},
	}
	revs := []string{"18.4.2", sha1}
	return appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "redis", Namespace: "argocd"},
		Spec:       appv1.ApplicationSpec{Project: "default", Sources: srcs, Destination: appv1.ApplicationDestination{Server: InClusterServer, Namespace: "cache"}},
		Status: appv1.ApplicationStatus{
			Sync:   appv1.SyncStatus{Status: appv1.SyncStatusCodeSynced, Revisions: revs},
			Health: appv1.HealthStatus{Status: appv1.HealthStatusHealthy},
			OperationState: &appv1.OperationState{
				Operation: appv1.Operation{Sync: &appv1.SyncOperation{Revisions: revs}, InitiatedBy: appv1.OperationInitiator{Automated: true}},
				Phase:     appv1.OperationSucceeded, StartedAt: *at(time.Minute), FinishedAt: at(time.Minute),
				SyncResult: &appv1.SyncOperationResult{Revisions: revs, Sources: srcs},
			},
			History: []appv1.RevisionHistory{{ID: 0, Revisions: revs, Sources: srcs, DeployedAt: *at(time.Minute)}},
		},
	}
}
