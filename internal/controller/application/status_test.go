package application

import (
	"context"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func reconcileOnce(t *testing.T, w *world, name string) ctrl.Result {
	t.Helper()
	res, err := w.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "argocd", Name: name}})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return res
}

// TestWriteStatusOnlyOnChange: the first reconcile of an Application
// writes its status; one with the same inputs writes nothing.
func TestWriteStatusOnlyOnChange(t *testing.T) {
	w := newWorld(t, guestbook(nil), defaultProject())
	w.repo.objects["c1"] = append(w.repo.objects["c1"], configMap("", "settings", "", map[string]any{"a": "1"}))

	reconcileOnce(t, w, "guestbook")
	if got := w.writes.Load(); got != 1 {
		t.Fatalf("first reconcile made %d writes, want 1", got)
	}
	app := w.getApp(t, "guestbook")
	if app.Status.Sync.Status != appv1.SyncStatusCodeOutOfSync || app.Status.Sync.Revision != "c1" {
		t.Errorf("sync = %s at %q, want OutOfSync at c1", app.Status.Sync.Status, app.Status.Sync.Revision)
	}
	if len(app.Status.Resources) != 1 || app.Status.Resources[0].Namespace != "guestbook" {
		t.Errorf("resources = %+v, want the ConfigMap in the destination namespace", app.Status.Resources)
	}

	// The written resourceVersion is what the reader shows now: forget the
	// write so the next reconcile does the full work instead of waiting.
	w.r.written.Clear()
	w.r.quiet.apps.Clear()
	w.now = w.now.Add(10 * 60e9) // time alone changes nothing
	reconcileOnce(t, w, "guestbook")
	if got := w.writes.Load(); got != 1 {
		t.Errorf("a reconcile with nothing changed made %d more writes", got-1)
	}
	if after := w.getApp(t, "guestbook"); !after.Status.ReconciledAt.Equal(app.Status.ReconciledAt) {
		t.Errorf("reconciledAt moved from %v to %v without another change", app.Status.ReconciledAt, after.Status.ReconciledAt)
	}
}

// TestWriteStatusRemovesRefresh: a refresh request is a change; the
// annotation goes with the write.
func TestWriteStatusRemovesRefresh(t *testing.T) {
	w := newWorld(t, guestbook(nil), defaultProject())
	reconcileOnce(t, w, "guestbook")
	app := w.getApp(t, "guestbook")
	app.Annotations = map[string]string{appv1.AnnotationKeyRefresh: string(appv1.RefreshTypeHard), "keep": "me"}
	if err := w.r.Client.Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	w.r.written.Clear()
	writes := w.writes.Load()
	reconcileOnce(t, w, "guestbook")
	if w.writes.Load() != writes+1 {
		t.Fatalf("a refresh made %d writes, want 1", w.writes.Load()-writes)
	}
	got := w.getApp(t, "guestbook").Annotations
	if _, ok := got[appv1.AnnotationKeyRefresh]; ok || got["keep"] != "me" {
		t.Errorf("annotations after refresh = %v, want only the refresh annotation gone", got)
	}
}
