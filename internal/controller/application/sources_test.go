package application

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
	"github.com/tether-gitops/tether/internal/target"
)

// fakeCharts serves sources whose chart is set: versions resolve through
// a map, and a chart's files are the fake checkout "chart-<version>".
type fakeCharts struct {
	mu       sync.Mutex
	versions map[string]string // targetRevision → version
	err      error
	fetched  []string
}

func (f *fakeCharts) Handles(src appv1.ApplicationSource) bool { return src.Chart != "" }

func (f *fakeCharts) Resolve(_ context.Context, src appv1.ApplicationSource, _ time.Time) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	if v, ok := f.versions[src.TargetRevision]; ok {
		return v, nil
	}
	if strings.HasPrefix(src.TargetRevision, "1.") {
		return src.TargetRevision, nil // an exact version, as a rollback asks
	}
	return "", errors.New("chart " + src.Chart + ": no version matches " + src.TargetRevision)
}

func (f *fakeCharts) Fetch(_ context.Context, src appv1.ApplicationSource, version string) (Fetched, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetched = append(f.fetched, src.Chart+"@"+version)
	return Fetched{Dir: "/checkout/chart-" + version, Chart: true}, nil
}

// recordRequests wraps the world's renderer to keep the requests it got.
func recordRequests(w *world) *[]render.Request {
	var reqs []render.Request
	inner := w.r.Render
	w.r.Render = func(ctx context.Context, req render.Request) (*render.Result, error) {
		reqs = append(reqs, req)
		res, err := inner(ctx, req)
		if err == nil && req.Helm != nil {
			res.Type = render.TypeHelm
		}
		return res, err
	}
	return &reqs
}

// TestMultipleSources: every source resolves and renders on its own, the
// union is compared and synced, and the plural status fields record it.
func TestMultipleSources(t *testing.T) {
	app := guestbook(func(a *appv1.Application) {
		a.Spec.Source = nil
		a.Spec.Sources = appv1.ApplicationSources{
			{RepoURL: "https://charts.example", Chart: "redis", TargetRevision: "^1.0",
				Helm: &appv1.ApplicationSourceHelm{ValueFiles: []string{"$values/redis/values.yaml"}}},
			{RepoURL: "https://git.example/values.git", TargetRevision: "main", Ref: "values"},
			{RepoURL: "https://git.example/extra.git", TargetRevision: "v2", Path: "extra"},
		}
		a.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}
	})
	w := newWorld(t, app, defaultProject())
	charts := &fakeCharts{versions: map[string]string{"^1.0": "1.4.0"}}
	w.r.Charts = charts
	reqs := recordRequests(w)
	w.repo.commits["v2"] = "c2"
	w.repo.objects["chart-1.4.0"] = append(w.repo.objects["chart-1.4.0"], configMap("", "redis", "", nil))
	w.repo.objects["c2"] = append(w.repo.objects["c2"], configMap("", "extra", "", nil))

	reconcileOnce(t, w, "guestbook")
	got := w.getApp(t, "guestbook")
	if want := []string{"1.4.0", "c1", "c2"}; strings.Join(got.Status.Sync.Revisions, ",") != strings.Join(want, ",") {
		t.Errorf("status.sync.revisions = %v, want %v", got.Status.Sync.Revisions, want)
	}
	if got.Status.Sync.Revision != "" || len(got.Status.Sync.ComparedTo.Sources) != 3 || got.Status.Sync.ComparedTo.Source.RepoURL != "" {
		t.Errorf("status.sync = %+v, want the plural fields only", got.Status.Sync)
	}
	if want := "Helm,Directory"; joinTypes(got.Status.SourceTypes) != want {
		t.Errorf("sourceTypes = %v, want %s", got.Status.SourceTypes, want)
	}
	for _, name := range []string{"redis", "extra"} {
		if w.liveObj(t, gvkConfigMap, "guestbook", name) == nil {
			t.Errorf("ConfigMap %s not applied", name)
		}
	}
	if len(got.Status.History) != 1 || len(got.Status.History[0].Revisions) != 3 || got.Status.History[0].Revision != "" {
		t.Errorf("history = %+v, want one entry with three revisions", got.Status.History)
	}
	if op := got.Status.OperationState; op == nil || len(op.SyncResult.Revisions) != 3 || len(op.Operation.Sync.Revisions) != 3 {
		t.Errorf("operation state = %+v, want the revisions of each source", op)
	}
	var chartReq *render.Request
	for i := range *reqs {
		if (*reqs)[i].Helm != nil {
			chartReq = &(*reqs)[i]
		}
	}
	if chartReq == nil || chartReq.Path != "" || chartReq.Refs["values"] != "/checkout/c1" || len(*reqs) != 2 {
		t.Errorf("render requests = %+v, want the chart at its root with the values checkout as $values, and no render of the ref", *reqs)
	}

	// Nothing changed: no write, no render, no download.
	writes, renders := w.writes.Load(), len(*reqs)
	reconcileOnce(t, w, "guestbook")
	if w.writes.Load() != writes || len(*reqs) != renders || len(charts.fetched) != 1 {
		t.Errorf("an unchanged reconcile wrote %d, rendered %d, fetched %v", w.writes.Load()-writes, len(*reqs)-renders, charts.fetched)
	}
}

// TestChartSourceErrors: a chart that does not resolve is a ComparisonError
// naming the source, and nothing is applied.
func TestChartSourceErrors(t *testing.T) {
	app := guestbook(func(a *appv1.Application) {
		a.Spec.Sources = appv1.ApplicationSources{*a.Spec.Source, {RepoURL: "https://charts.example", Chart: "redis", TargetRevision: "^9"}}
		a.Spec.Source = nil
		a.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}
	})
	w := newWorld(t, app, defaultProject())
	w.r.Charts = &fakeCharts{}
	w.repo.objects["c1"] = append(w.repo.objects["c1"], configMap("", "a", "", nil))
	reconcileOnce(t, w, "guestbook")
	got := w.getApp(t, "guestbook")
	msg := conditionMessage(got, appv1.ApplicationConditionComparisonError)
	if !strings.Contains(msg, "source 2 of 2") || !strings.Contains(msg, "no version matches ^9") {
		t.Errorf("ComparisonError = %q, want it to name source 2 and the cause", msg)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil {
		t.Error("the Git source was applied although another source failed")
	}
}

func joinTypes(ts []appv1.ApplicationSourceType) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return strings.Join(out, ",")
}

func conditionMessage(app *appv1.Application, typ appv1.ApplicationConditionType) string {
	for _, c := range app.Status.Conditions {
		if c.Type == typ {
			return c.Message
		}
	}
	return ""
}

// TestDependencyDownloadRetried: a chart dependency that cannot be
// downloaded is a ComparisonError that, unlike a chart that fails to
// render, is not kept: the next reconcile renders again and syncs.
func TestDependencyDownloadRetried(t *testing.T) {
	app := guestbook(func(a *appv1.Application) {
		a.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}
	})
	w := newWorld(t, app, defaultProject())
	w.r.Charts = &fakeCharts{}
	w.repo.objects["c1"] = append(w.repo.objects["c1"], configMap("", "a", "", nil))
	inner, calls := w.r.Render, 0
	w.r.Render = func(ctx context.Context, req render.Request) (*render.Result, error) {
		calls++
		if req.Dependencies == nil {
			t.Error("the render got no dependency fetcher although Charts is set")
		}
		if calls == 1 {
			return nil, fmt.Errorf("chart app: dependency redis: %w",
				&target.DependencyError{Repository: "https://charts.example", Chart: "redis", Version: "^1", Err: errors.New("connection refused")})
		}
		return inner(ctx, req)
	}
	reconcileOnce(t, w, "guestbook")
	got := w.getApp(t, "guestbook")
	msg := conditionMessage(got, appv1.ApplicationConditionComparisonError)
	if !strings.Contains(msg, "download chart redis version ^1 of https://charts.example: connection refused") {
		t.Errorf("ComparisonError = %q, want it to name the dependency and the cause", msg)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil {
		t.Error("applied although the render failed")
	}
	reconcileOnce(t, w, "guestbook")
	if calls != 2 {
		t.Fatalf("rendered %d times, want the failed download tried again", calls)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "a") == nil {
		t.Error("not synced once the dependency downloaded")
	}
}

// notBeforeCharts records the notBefore of each Resolve; an answer with no
// bound ("from the cache") fails when stale is set.
type notBeforeCharts struct {
	fakeCharts
	stale bool
	asked []time.Time
}

func (f *notBeforeCharts) Resolve(ctx context.Context, src appv1.ApplicationSource, notBefore time.Time) (string, error) {
	f.asked = append(f.asked, notBefore)
	if f.stale && notBefore.IsZero() {
		return "", errors.New("no version matches")
	}
	return "1.0.0", nil
}

// TestNewChartAppSharesTheIndex: a new Application of a chart takes the
// index at hand, as every other new Application does, and asks for a
// fresher one only when that answer fails.
func TestNewChartAppSharesTheIndex(t *testing.T) {
	for _, stale := range []bool{false, true} {
		app := guestbook(func(a *appv1.Application) {
			a.Spec.Source = &appv1.ApplicationSource{RepoURL: "https://charts.example", Chart: "redis", TargetRevision: "^1.0"}
		})
		w := newWorld(t, app, defaultProject())
		charts := &notBeforeCharts{stale: stale}
		w.r.Charts = charts
		reconcileOnce(t, w, "guestbook")
		want := 1
		if stale {
			want = 2
		}
		if len(charts.asked) != want || !charts.asked[0].IsZero() || stale && charts.asked[1].IsZero() {
			t.Errorf("stale=%v: resolved with notBefore %v, want the cached answer first and a bound one only when it fails", stale, charts.asked)
		}
		if got := w.getApp(t, "guestbook"); got.Status.Sync.Revision != "1.0.0" {
			t.Errorf("stale=%v: revision = %q", stale, got.Status.Sync.Revision)
		}
	}
}
