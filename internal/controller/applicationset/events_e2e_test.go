package applicationset_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// These tests run one at a time (not in parallel): the last step of
// TestOnboardOnAPoll reads the controller's process-wide reconcile metrics.

// slowSet is the user's ApplicationSet on repoURL, named name, generated
// again by its own timer only every ten minutes: anything sooner comes from
// events.
func slowSet(t *testing.T, repoURL, name string) *unstructured.Unstructured {
	t.Helper()
	set := parse(t, example(t, repoURL), name)
	gens, _, _ := unstructured.NestedSlice(set.Object, "spec", "generators")
	if err := unstructured.SetNestedField(gens[0].(map[string]any), int64(600), "git", "requeueAfterSeconds"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedSlice(set.Object, gens, "spec", "generators"); err != nil {
		t.Fatal(err)
	}
	return set
}

// TestOnboardOnAPush: a pushed commit that adds a folder, announced by a
// signed GitHub webhook, becomes an Application within seconds.
func TestOnboardOnAPush(t *testing.T) {
	skipShort(t)
	const secret = "appset-hook-secret"
	controllertest.WebhookSecret(t, cluster.Client, argocd, map[string]string{"webhook.github.secret": secret})
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("onboard-push", map[string]string{"apps/prod/hook-orders/configmap.yaml": configMap("hook-orders")})
	set := createSet(t, slowSet(t, repo.URL, "onboard-push"))
	waitOwned(t, set.GetUID(), "hook-orders")

	before := repo.Head()
	after := repo.Commit(map[string]string{"apps/prod/hook-checkout/configmap.yaml": configMap("hook-checkout")})
	payload := controllertest.GitHubPush(repo.URL, before, after, []string{"apps/prod/hook-checkout/configmap.yaml"}, nil)
	if code := controllertest.PostGitHub(t, webhookURL, payload, controllertest.SignGitHub(secret, payload)); code != http.StatusOK {
		t.Fatalf("signed push answered %d", code)
	}
	waitOwnedWithin(t, 10*time.Second, set.GetUID(), "hook-checkout", "hook-orders")
}

// TestOnboardOnAPoll: without a webhook, the ApplicationSet sees the new
// folder as soon as anything in the process finds the new commit: here an
// Application of the same repository, asked to refresh. Generating again
// when nothing changed writes nothing.
func TestOnboardOnAPoll(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("onboard-poll", map[string]string{
		"apps/prod/poll-orders/configmap.yaml": configMap("poll-orders"),
		"base/configmap.yaml":                  configMap("base"),
	})
	set := createSet(t, slowSet(t, repo.URL, "onboard-poll"))
	waitOwned(t, set.GetUID(), "poll-orders")
	// probe is not the ApplicationSet's: its changes do not reconcile it.
	probe := "probe-" + ns
	createApp(t, controllertest.DirApp(probe, repo.URL, "base", ns, ""))
	t.Cleanup(func() { _ = dyn.Resource(appsGVR).Namespace(argocd).Delete(ctx, probe, metav1.DeleteOptions{}) })
	waitRevision(t, probe, repo.Head())

	next := repo.Commit(map[string]string{"apps/prod/poll-checkout/configmap.yaml": configMap("poll-checkout")})
	refreshApp(t, probe)
	waitRevision(t, probe, next)
	waitOwnedWithin(t, 20*time.Second, set.GetUID(), "poll-checkout", "poll-orders")

	// A commit that changes nothing the ApplicationSet generates: once
	// the Applications settled, generating again writes nothing.
	waitSettled(t, set.GetName(), "poll-checkout", "poll-orders")
	writes := setWrites(set.GetName(), "poll-checkout", "poll-orders")
	reconciles := reconcileTotal(t)
	quiet := repo.Commit(map[string]string{"base/configmap.yaml": configMap("base-2")})
	refreshApp(t, probe)
	waitRevision(t, probe, quiet)
	clustertest.Poll(t, 20*time.Second, "the ApplicationSet generated again", func(context.Context) (bool, error) {
		return reconcileTotal(t) > reconciles && activeWorkers(t) == 0, nil
	})
	if got := setWrites(set.GetName(), "poll-checkout", "poll-orders"); got != writes {
		t.Errorf("generating again with nothing changed made %d API writes", got-writes)
	}
}

// waitOwnedWithin waits, at most timeout, until the ApplicationSet controls
// exactly want (sorted).
func waitOwnedWithin(t *testing.T, timeout time.Duration, uid types.UID, want ...string) {
	t.Helper()
	var last []string
	poll(t, timeout, fmt.Sprintf("applications %v", want), func() string { return fmt.Sprintf("last seen: %v", last) }, func(ctx context.Context) (bool, error) {
		names, err := ownedApps(ctx, uid)
		last = names
		return err == nil && strings.Join(names, ",") == strings.Join(want, ","), err
	})
}

func createApp(t *testing.T, manifest string) {
	t.Helper()
	app := parse(t, manifest, "")
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Create(context.Background(), app, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create application: %v", err)
	}
}

// refreshApp asks for a normal refresh, as `argocd app get --refresh` does.
func refreshApp(t *testing.T, name string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, appv1.AnnotationKeyRefresh, appv1.RefreshTypeNormal)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("refresh application %s: %v", name, err)
	}
}

// waitRevision waits until the Application compared itself with commit.
func waitRevision(t *testing.T, name, commit string) {
	t.Helper()
	poll(t, 30*time.Second, "application "+name+" at "+commit, func() string { return appStatus(name) }, func(ctx context.Context) (bool, error) {
		app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		rev, _, _ := unstructured.NestedString(app.Object, "status", "sync", "revision")
		return rev == commit, nil
	})
}

// waitSettled waits until the ApplicationSet's status shows its
// Applications synced and healthy.
func waitSettled(t *testing.T, set string, apps ...string) {
	t.Helper()
	want := ""
	for _, a := range apps {
		want += a + "=Synced/Healthy,"
	}
	var got string
	poll(t, 60*time.Second, "status.resources "+want, func() string { return "last seen: " + got }, func(ctx context.Context) (bool, error) {
		s, err := dyn.Resource(appSetsGVR).Namespace(argocd).Get(ctx, set, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		var st appv1.ApplicationSetStatus
		b, _ := json.Marshal(s.Object["status"])
		if err := json.Unmarshal(b, &st); err != nil {
			return false, err
		}
		got = ""
		for _, r := range st.Resources {
			h := ""
			if r.Health != nil {
				h = string(r.Health.Status)
			}
			got += fmt.Sprintf("%s=%s/%s,", r.Name, r.Status, h)
		}
		return got == want, nil
	})
}

// setWrites counts the ApplicationSet controller's writes: to the
// ApplicationSet and its status, and to its Applications (applies by its
// field manager, deletions); not the Application controller's.
func setWrites(set string, apps ...string) int {
	n := 0
	for _, p := range []string{appsPath + "/applicationsets/" + set, appsPath + "/applicationsets/" + set + "/status"} {
		for _, verb := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			n += requests.Count(verb, p)
		}
	}
	for _, a := range apps {
		n += requests.CountManager(http.MethodPatch, appsPath+"/applications/"+a, appset.FieldManager)
		n += requests.Count(http.MethodDelete, appsPath+"/applications/"+a)
	}
	return n
}

// reconcileTotal is how many reconciles the ApplicationSet controller ran.
func reconcileTotal(t *testing.T) float64 {
	return metric(t, "controller_runtime_reconcile_total")
}

// activeWorkers is how many reconciles of ApplicationSets are running.
func activeWorkers(t *testing.T) float64 {
	return metric(t, "controller_runtime_active_workers")
}

// metric sums the samples of the family name labelled
// controller=applicationset.
func metric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "applicationset" {
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	return sum
}
