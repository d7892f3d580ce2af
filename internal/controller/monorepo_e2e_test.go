package controller_test

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestMonorepoRendersOnlyTouchedApps: a commit that touches one app's
// folder in a repository of several re-renders that app only; the others
// move to the new commit with their cached manifests. Sequential, so the
// render counter is this test's own.
func TestMonorepoRendersOnlyTouchedApps(t *testing.T) {
	cluster.Require(t)
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	files := map[string]string{}
	const n = 4
	for i := range n {
		files[fmt.Sprintf("apps/svc%d/cm.yaml", i)] = configMap(fmt.Sprintf("svc%d", i), "1")
	}
	repo := srv.NewRepo("mono", files)
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("mono%d-%s", i, ns)
		applyApp(t, dirApp(names[i], repo.URL, fmt.Sprintf("apps/svc%d", i), ns, autoPrune), nil)
	}
	for _, name := range names {
		waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	}
	renders := counter(t, "tether_application_renders_total")

	next := repo.Commit(map[string]string{"apps/svc0/cm.yaml": configMap("svc0", "2")})
	for _, name := range names {
		refresh(t, name)
	}
	for _, name := range names {
		waitApp(t, name, "Synced at the new commit", syncedHealthy(next))
	}
	if got := counter(t, "tether_application_renders_total") - renders; got != 1 {
		t.Errorf("%v renders for a commit touching one of %d apps, want 1", got, n)
	}

	// A commit outside every app's path renders nothing.
	shared := repo.Commit(map[string]string{"shared/values.yaml": "x: 1\n"})
	renders = counter(t, "tether_application_renders_total")
	for _, name := range names {
		refresh(t, name)
	}
	for _, name := range names {
		waitApp(t, name, "Synced at the shared commit", syncedHealthy(shared))
	}
	if got := counter(t, "tether_application_renders_total") - renders; got != 0 {
		t.Errorf("%v renders for a commit outside every app's path, want 0", got)
	}

	// Argo CD's manifest-generate-paths widens what an app watches.
	annotate(t, names[1], appv1.AnnotationKeyManifestGeneratePaths, ".;/shared")
	waitApp(t, names[1], "the annotation seen", syncedHealthy(shared))
	renders = counter(t, "tether_application_renders_total")
	again := repo.Commit(map[string]string{"shared/values.yaml": "x: 2\n"})
	for _, name := range names {
		refresh(t, name)
	}
	for _, name := range names {
		waitApp(t, name, "Synced at the second shared commit", syncedHealthy(again))
	}
	if got := counter(t, "tether_application_renders_total") - renders; got != 1 {
		t.Errorf("%v renders for a commit under one app's manifest-generate-paths, want 1", got)
	}
}

func annotate(t *testing.T, name, key, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
