package application

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
	"github.com/tether-gitops/tether/internal/target"
)

// TestResolve: which answers the revision cache may give, and what an
// unresolvable revision leaves.
func TestResolve(t *testing.T) {
	// Created after the revision cache last asked the repository.
	created := time.Now().Add(2 * time.Second).Truncate(time.Second)
	tests := []struct {
		name       string
		synced     string // status.sync.revision before; "" for a new Application
		refresh    bool
		resolveErr error
		want       string
		wantCond   bool
		wantRetry  time.Duration
	}{
		{name: "a known Application takes the cached answer", synced: "c0", want: "c0"},
		{name: "a new Application asks the repository", want: "c1"},
		{name: "a refresh asks the repository", synced: "c0", refresh: true, want: "c1"},
		{name: "an unresolvable revision", synced: "c0", refresh: true, resolveErr: errors.New("repository not found"), wantCond: true, wantRetry: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			// An answer from before the Application was created.
			w.repo.commits["main"] = "c0"
			if _, err := w.r.Revisions.Resolve(context.Background(), w.repo, "https://git.example/guestbook.git", "main", time.Time{}); err != nil {
				t.Fatal(err)
			}
			w.repo.commits["main"] = "c1"
			w.repo.resolveErr = tt.resolveErr
			app := guestbook(func(a *appv1.Application) {
				a.CreationTimestamp = metav1.NewTime(created)
				a.Status.Sync.Revision = tt.synced
			})
			run := w.newTestRun(t, app)
			run.use(*app.Spec.Source)
			run.hardRefresh = tt.refresh
			ok := run.resolve(context.Background())
			if ok == tt.wantCond {
				t.Fatalf("resolve = %v, conditions %v", ok, run.conditions)
			}
			if run.commit != tt.want {
				t.Errorf("commit = %q, want %q", run.commit, tt.want)
			}
			if _, got := run.conditions[appv1.ApplicationConditionComparisonError]; got != tt.wantCond {
				t.Errorf("ComparisonError set = %v, want %v", got, tt.wantCond)
			}
			if run.retryIn != tt.wantRetry {
				t.Errorf("retryIn = %s, want %s", run.retryIn, tt.wantRetry)
			}
			if tt.wantCond && run.app.Status.Sync.Status != appv1.SyncStatusCodeUnknown {
				t.Errorf("sync status = %q, want Unknown", run.app.Status.Sync.Status)
			}
		})
	}
}

// TestRenderCarryOver: a new commit that touches none of the files a render
// read reuses it; one that does renders again; hard refresh drops it.
func TestRenderCarryOver(t *testing.T) {
	tests := []struct {
		name        string
		mod         func(*appv1.Application)
		changed     []string
		hard        bool
		wantRenders int32
	}{
		{name: "same commit", changed: []string{}, wantRenders: 1},
		{name: "a commit elsewhere in the repository", changed: []string{"other/app.yaml"}, wantRenders: 1},
		{name: "a commit touching a file read", changed: []string{"guestbook/a.yaml"}, wantRenders: 2},
		{name: "a commit under manifest-generate-paths", changed: []string{"shared/values.yaml"}, mod: func(a *appv1.Application) {
			a.Annotations = map[string]string{"argocd.argoproj.io/manifest-generate-paths": "/shared"}
		}, wantRenders: 2},
		{name: "a source that uses the revision", changed: []string{"other/app.yaml"}, mod: func(a *appv1.Application) {
			a.Spec.Source.Kustomize = &appv1.ApplicationSourceKustomize{CommonAnnotations: map[string]string{"rev": "$ARGOCD_APP_REVISION"}}
		}, wantRenders: 2},
		{name: "a hard refresh", changed: []string{}, hard: true, wantRenders: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.repo.changed = tt.changed
			objs := []*unstructured.Unstructured{configMap("", "a", "", nil)}
			w.repo.objects["c1"], w.repo.objects["c2"] = objs, objs
			app := guestbook(tt.mod)
			for i, commit := range []string{"c1", "c2"} {
				a := app.DeepCopy()
				if i == 1 && tt.hard {
					a.Annotations = map[string]string{appv1.AnnotationKeyRefresh: string(appv1.RefreshTypeHard)}
				}
				run := w.newTestRun(t, a)
				run.refresh(context.Background())
				if tt.name == "same commit" {
					commit = "c1"
				}
				run.use(*a.Spec.Source, commit)
				if !run.render(context.Background()) {
					t.Fatalf("render at %s: %v", commit, run.conditions)
				}
				if len(run.desired) != 1 || run.desired[0].GetNamespace() != "guestbook" {
					t.Errorf("desired at %s = %v, want the ConfigMap in guestbook", commit, run.desired)
				}
				if run.app.Status.SourceType != appv1.ApplicationSourceType(render.TypeDirectory) {
					t.Errorf("source type = %q", run.app.Status.SourceType)
				}
			}
			if got := w.repo.renders.Load(); got != tt.wantRenders {
				t.Errorf("rendered %d times, want %d", got, tt.wantRenders)
			}
		})
	}
}

// TestRenderConditions: render errors are ComparisonErrors and stay cached
// for the same inputs; hooks are reported as UnsupportedField.
func TestRenderConditions(t *testing.T) {
	w := newWorld(t)
	hook := configMap("", "migrate", "", nil)
	hook.SetAnnotations(map[string]string{target.HookAnnotation: "PreSync"})
	w.repo.objects["c1"] = []*unstructured.Unstructured{hook}
	run := w.newTestRun(t, guestbook(nil))
	run.use(*run.app.Spec.Source, "c1")
	if !run.render(context.Background()) {
		t.Fatalf("render: %v", run.conditions)
	}
	if msg := run.conditions[appv1.ApplicationConditionUnsupportedField]; !strings.Contains(msg, "ConfigMap migrate (PreSync)") {
		t.Errorf("UnsupportedField = %q, want the hook named", msg)
	}

	failing := 0
	w.r.Render = func(context.Context, render.Request) (*render.Result, error) {
		failing++
		return nil, errors.New("kustomize: accumulating resources")
	}
	for range 2 {
		run := w.newTestRun(t, guestbook(nil))
		run.use(*run.app.Spec.Source, "c2")
		if run.render(context.Background()) {
			t.Fatal("a failed render lets the reconcile go on")
		}
		msg := run.conditions[appv1.ApplicationConditionComparisonError]
		if !strings.Contains(msg, "render https://git.example/guestbook.git path guestbook at c2: kustomize") {
			t.Errorf("ComparisonError = %q", msg)
		}
		if run.app.Status.Sync.Status != appv1.SyncStatusCodeUnknown {
			t.Errorf("sync status = %q, want Unknown", run.app.Status.Sync.Status)
		}
	}
	if failing != 1 {
		t.Errorf("a failing render ran %d times for the same inputs, want 1", failing)
	}
}

func TestSpecKeyIgnoresRevision(t *testing.T) {
	app := guestbook(nil)
	a, b := target.RenderRequest(app, "c1", target.Cluster{}), target.RenderRequest(app, "c2", target.Cluster{})
	if specKey(a) != specKey(b) {
		t.Error("the render spec key depends on the commit")
	}
	app.Spec.Source.Path = "other"
	if specKey(target.RenderRequest(app, "c1", target.Cluster{})) == specKey(a) {
		t.Error("the render spec key ignores the path")
	}
}

func TestRenderCacheReads(t *testing.T) {
	c := newRenderCache()
	c.put("guestbook", renderEntry{commit: "c1", spec: "s", files: []string{"guestbook/a.yaml"}})
	tests := []struct {
		app   string
		files []string
		want  bool
	}{
		{"guestbook", []string{"x", "guestbook/a.yaml"}, true},
		{"guestbook", []string{"guestbook/b.yaml"}, false},
		{"other", []string{"guestbook/a.yaml"}, false},
	}
	for _, tt := range tests {
		if got := c.reads(tt.app, tt.files); got != tt.want {
			t.Errorf("reads(%s, %v) = %v, want %v", tt.app, tt.files, got, tt.want)
		}
	}
	c.forget("guestbook")
	if c.reads("guestbook", []string{"guestbook/a.yaml"}) {
		t.Error("a forgotten render still reads")
	}
}

// countingRepo counts ChangedFiles questions.
type countingRepo struct {
	fakeRepo
	asked int
}

func (c *countingRepo) ChangedFiles(ctx context.Context, repo, from, to string) ([]string, error) {
	c.asked++
	return []string{from + ".." + to}, nil
}

func TestChangeCache(t *testing.T) {
	c := newChangeCache()
	src := &countingRepo{}
	ctx := context.Background()
	for range 2 {
		if got, _ := c.get(ctx, src, "r", "a", "b"); len(got) != 1 || got[0] != "a..b" {
			t.Fatalf("changed = %v", got)
		}
	}
	if src.asked != 1 {
		t.Errorf("asked %d times for the same pair, want 1", src.asked)
	}
	for i := range changeCacheSize {
		c.get(ctx, src, "r", "x", string(rune('A'+i%26))+string(rune('a'+i/26)))
	}
	c.get(ctx, src, "r", "a", "b")
	if src.asked != changeCacheSize+2 {
		t.Errorf("the oldest pair was not evicted: asked %d times", src.asked)
	}
	if len(c.entries) > changeCacheSize {
		t.Errorf("cache holds %d entries, more than %d", len(c.entries), changeCacheSize)
	}
}
