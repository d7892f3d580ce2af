package application

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

func TestBehindOwnWrite(t *testing.T) {
	key := client.ObjectKey{Namespace: "argocd", Name: "guestbook"}
	tests := []struct {
		name    string
		written string // resourceVersion the last write replaced; "" for none
		cached  []string
		want    []bool
	}{
		{name: "no write", cached: []string{"5"}, want: []bool{false}},
		{name: "cache still shows the replaced version", written: "5", cached: []string{"5", "5"}, want: []bool{true, true}},
		{name: "cache caught up, then forgets the write", written: "5", cached: []string{"6", "5"}, want: []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{}
			if tt.written != "" {
				r.written.Store(key, tt.written)
			}
			for i, rv := range tt.cached {
				if got := r.behind(key, rv); got != tt.want[i] {
					t.Errorf("read %d at resourceVersion %s: behind = %v, want %v", i, rv, got, tt.want[i])
				}
			}
		})
	}
}

// fakeSource resolves every revision to commit.
type fakeSource struct{ commit string }

func (f *fakeSource) Resolve(context.Context, string, string) (string, error) { return f.commit, nil }
func (f *fakeSource) Checkout(context.Context, string, string) (string, error) {
	return "", errors.New("no checkout in this test")
}
func (f *fakeSource) ChangedFiles(context.Context, string, string, string) ([]string, error) {
	return nil, nil
}

func TestStillQuiet(t *testing.T) {
	key := client.ObjectKey{Namespace: "argocd", Name: "guestbook"}
	app := func(rv string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetNamespace(key.Namespace)
		u.SetName(key.Name)
		u.SetResourceVersion(rv)
		return u
	}
	quietRun := func() *run {
		a := &appv1.Application{}
		a.Status.Health.Status = appv1.HealthStatusHealthy
		ru := newRun(&Reconciler{}, a, app("7"))
		ru.use(appv1.ApplicationSource{RepoURL: "https://git.example/repo.git", TargetRevision: "main"})
		ru.commit, ru.revisions = "c1", []string{"c1"}
		return ru
	}
	tests := []struct {
		name   string
		change func(r *Reconciler, ru *run, src *fakeSource) (rv string)
		rv     string // as the reconcile left it; "" when unknown
		want   bool
	}{
		{name: "nothing changed", want: true},
		{name: "a write seen changed by someone else", rv: "none", want: false},
		{name: "the Application changed", change: func(*Reconciler, *run, *fakeSource) string { return "8" }, want: false},
		{name: "a live object changed", change: func(r *Reconciler, _ *run, _ *fakeSource) string { r.LiveChanged("guestbook"); return "7" }, want: false},
		{name: "another app's live object changed", change: func(r *Reconciler, _ *run, _ *fakeSource) string { r.LiveChanged("other"); return "7" }, want: true},
		{name: "its project changed", change: func(r *Reconciler, _ *run, _ *fakeSource) string { r.quiet.projectChanged("default"); return "7" }, want: false},
		{name: "another project changed", change: func(r *Reconciler, _ *run, _ *fakeSource) string { r.quiet.projectChanged("team-a"); return "7" }, want: true},
		{name: "a new commit", change: func(r *Reconciler, _ *run, src *fakeSource) string {
			src.commit = "c2"
			r.Revisions.Invalidate("https://git.example/repo.git")
			return "7"
		}, want: false},
		{name: "a heal waits", change: func(_ *Reconciler, ru *run, _ *fakeSource) string { ru.retryIn = time.Second; return "7" }, want: false},
		{name: "a comparison error, which may clear by itself", change: func(_ *Reconciler, ru *run, _ *fakeSource) string {
			ru.conditions.set(appv1.ApplicationConditionComparisonError, "fetch: connection refused")
			return "7"
		}, want: false},
		{name: "Progressing", change: func(_ *Reconciler, ru *run, _ *fakeSource) string {
			ru.app.Status.Health.Status = appv1.HealthStatusProgressing
			return "7"
		}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{commit: "c1"}
			r := &Reconciler{Source: src, Revisions: gitsource.NewRevisionCache(time.Minute), Options: Options{Namespace: "argocd"}}
			ru := quietRun()
			in := r.quiet.inputs("guestbook", "default")
			rv := "7"
			if tt.change != nil {
				rv = tt.change(r, ru, src)
			}
			left := "7"
			if tt.rv == "none" {
				left = ""
			}
			r.recordQuiet(key, ru, in, left)
			next := r.quiet.inputs("guestbook", "default")
			if got := r.stillQuiet(context.Background(), key, app(rv), next); got != tt.want {
				t.Errorf("stillQuiet = %v, want %v", got, tt.want)
			}
		})
	}
}
