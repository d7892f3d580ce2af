package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestUserApplication plays the user's story with their manifest, unchanged
// but for repoURL: the chart deploys into a namespace it creates, manual
// scaling is reverted, a commit rolls out, and git revert rolls it back.
func TestUserApplication(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ctx := context.Background()
	srv := gittest.NewServer(t)
	files := readTree(t, "gitops")
	repo := srv.NewRepo("gitops", files)
	first := repo.Head()
	applyApp(t, example(t, "application-web.yaml", repo.URL), nil)

	app := waitApp(t, "web", "web Synced and Healthy at the first commit", syncedHealthy(first))
	if app.Status.SourceType != appv1.ApplicationSourceTypeHelm {
		t.Errorf("source type %q, want Helm", app.Status.SourceType)
	}
	deployments := cluster.Client.AppsV1().Deployments("prod")
	d, err := deployments.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the chart's Deployment in the created namespace prod: %v", err)
	}
	if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27.0" {
		t.Fatalf("deployment has %d replicas of %s, want 2 of nginx:1.27.0 from values-prod.yaml", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	if _, err := cluster.Client.CoreV1().Services("prod").Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Fatalf("the chart's Service: %v", err)
	}

	// kubectl scale deployment/web --replicas=10 -n prod is reverted.
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod"}, Spec: autoscalingv1.ScaleSpec{Replicas: 10}}
	if _, err := deployments.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{FieldManager: "kubectl"}); err != nil {
		t.Fatal(err)
	}
	clustertest.Poll(t, 30*time.Second, "replicas back to 2", func(ctx context.Context) (bool, error) {
		d, err := deployments.Get(ctx, "web", metav1.GetOptions{})
		return err == nil && *d.Spec.Replicas == 2, err
	})

	// A commit bumps the image tag; it rolls out.
	bump := repo.Commit(map[string]string{"charts/web/values-prod.yaml": strings.Replace(files["charts/web/values-prod.yaml"], "1.27.0", "1.27.1", 1)})
	refresh(t, "web")
	waitApp(t, "web", "web Synced at the bump", syncedHealthy(bump))
	assertImage(t, "prod", "web", "nginx:1.27.1")

	// git revert: the cluster returns to the previous state on its own.
	revert := repo.Commit(map[string]string{"charts/web/values-prod.yaml": files["charts/web/values-prod.yaml"]})
	refresh(t, "web")
	app = waitApp(t, "web", "web Synced at the revert", syncedHealthy(revert))
	assertImage(t, "prod", "web", "nginx:1.27.0")

	// Every sync is a history entry (heals too); the deployed commits, in
	// order, are the story.
	var revs []string
	for _, h := range app.Status.History {
		if len(revs) == 0 || revs[len(revs)-1] != h.Revision {
			revs = append(revs, h.Revision)
		}
	}
	want := []string{first, bump, revert}
	if strings.Join(revs, ",") != strings.Join(want, ",") {
		t.Errorf("history revisions %v, want %v", revs, want)
	}
	if got := app.Status.Summary.Images; len(got) != 1 || got[0] != "nginx:1.27.0" {
		t.Errorf("summary images %v", got)
	}
}

func assertImage(t *testing.T, ns, name, image string) {
	t.Helper()
	d, err := cluster.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
		t.Fatalf("image %s, want %s", got, image)
	}
}

// Manifest builders shared by the e2e packages.
var (
	dirApp    = controllertest.DirApp
	configMap = controllertest.ConfigMap
)

const autoPrune = controllertest.AutoPrune

// TestPruneAndAllowEmpty: objects removed from Git are deleted when prune is
// on; a render that became empty prunes nothing unless allowEmpty is set.
func TestPruneAndAllowEmpty(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("prune", map[string]string{"app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1")})
	name := "prune-" + ns
	applyApp(t, dirApp(name, repo.URL, "app", ns, autoPrune), nil)
	waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	cms := cluster.Client.CoreV1().ConfigMaps(ns)
	if _, err := cms.Get(context.Background(), "b", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}

	next := repo.Commit(nil, "app/b.yaml")
	refresh(t, name)
	waitApp(t, name, "Synced without b", syncedHealthy(next))
	clustertest.Poll(t, 30*time.Second, "b pruned", func(ctx context.Context) (bool, error) {
		_, err := cms.Get(ctx, "b", metav1.GetOptions{})
		return isNotFound(err), nil
	})

	// Removing the last file renders nothing: automated sync refuses.
	empty := repo.Commit(map[string]string{"app/README.md": "nothing here"}, "app/a.yaml")
	refresh(t, name)
	app := waitApp(t, name, "a refusal to wipe everything", func(app *appv1.Application) bool {
		return app.Status.Sync.Revision == empty && strings.Contains(condition(app, appv1.ApplicationConditionSyncError), "allowEmpty")
	})
	if app.Status.Sync.Status != appv1.SyncStatusCodeOutOfSync {
		t.Errorf("sync status %s, want OutOfSync", app.Status.Sync.Status)
	}
	if _, err := cms.Get(context.Background(), "a", metav1.GetOptions{}); err != nil {
		t.Fatalf("a was deleted by an empty render: %v", err)
	}
}

// TestNoPruneByDefault: without prune, what left Git stays and the app says
// it requires pruning.
func TestNoPruneByDefault(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("noprune", map[string]string{"m/a.yaml": configMap("a", "1"), "m/b.yaml": configMap("b", "1")})
	name := "noprune-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, "  syncPolicy:\n    automated: {}\n"), nil)
	waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	next := repo.Commit(nil, "m/b.yaml")
	refresh(t, name)
	app := waitApp(t, name, "b requires pruning", func(app *appv1.Application) bool {
		for _, r := range app.Status.Resources {
			if r.Name == "b" && r.RequiresPruning {
				return app.Status.Sync.Revision == next
			}
		}
		return false
	})
	if app.Status.Sync.Status != appv1.SyncStatusCodeOutOfSync {
		t.Errorf("sync %s, want OutOfSync", app.Status.Sync.Status)
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "b", metav1.GetOptions{}); err != nil {
		t.Fatalf("b was pruned without prune: %v", err)
	}
}

// TestManualSyncOperation: without automation nothing is applied until the
// operation field asks, as `argocd app sync` sets it.
func TestManualSyncOperation(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("manual", map[string]string{"m/a.yaml": configMap("a", "1")})
	name := "manual-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, ""), nil)
	waitApp(t, name, "OutOfSync", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeOutOfSync && app.Status.Sync.Revision == repo.Head()
	})
	patch := []byte(`{"operation":{"initiatedBy":{"username":"tester"},"sync":{"revision":"main","prune":true}}}`)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	app := waitApp(t, name, "the operation done", func(app *appv1.Application) bool {
		return app.Operation == nil && app.Status.OperationState != nil && app.Status.OperationState.Phase == appv1.OperationSucceeded &&
			app.Status.Sync.Status == appv1.SyncStatusCodeSynced
	})
	if got := app.Status.OperationState.Operation.InitiatedBy.Username; got != "tester" {
		t.Errorf("initiatedBy %q", got)
	}
	if res := app.Status.OperationState.SyncResult; res == nil || len(res.Resources) == 0 || res.Revision != repo.Head() {
		t.Errorf("sync result %+v", res)
	}
}

// TestDeletionWithFinalizer: deleting an Application with Argo CD's
// resources finalizer deletes what it deployed; without it resources stay.
func TestDeletionWithFinalizer(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("fin", map[string]string{"m/a.yaml": configMap("a", "1")})
	for _, withFinalizer := range []bool{true, false} {
		name := "fin-" + ns
		cmName := "a"
		if !withFinalizer {
			name = "nofin-" + ns
		}
		applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), func(u *unstructured.Unstructured) {
			if withFinalizer {
				u.SetFinalizers([]string{appv1.ResourcesFinalizerName})
			}
		})
		waitApp(t, name, "Synced", syncedHealthy(""))
		deleteApp(name)
		clustertest.Poll(t, 30*time.Second, "application gone", func(ctx context.Context) (bool, error) {
			_, err := getApp(ctx, name)
			return isNotFound(err), nil
		})
		_, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), cmName, metav1.GetOptions{})
		if withFinalizer && !isNotFound(err) {
			t.Fatalf("with the finalizer the ConfigMap should be gone, got %v", err)
		}
		if !withFinalizer && err != nil {
			t.Fatalf("without the finalizer the ConfigMap should stay: %v", err)
		}
	}
}
