package applicationset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/cli"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestUserApplicationSet plays the user's story with their manifest,
// unchanged but for repoURL: one Application per folder of apps/prod,
// named after it and deployed into a namespace of the same name; a new
// folder is onboarded and a removed one retired, its objects with it; a
// user's change to a field the template does not set stays, a change to
// one it sets is reverted.
func TestUserApplicationSet(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx := context.Background()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("gitops", map[string]string{
		"apps/prod/orders/configmap.yaml":    configMap("orders"),
		"apps/prod/payments/configmap.yaml":  configMap("payments"),
		"apps/staging/orders/configmap.yaml": configMap("staging-orders"),
	})
	reads := cacheReads{}.start()
	set := createSet(t, parse(t, example(t, repo.URL), ""))
	waitOwned(t, set.GetUID(), "orders", "payments")

	for _, name := range []string{"orders", "payments"} {
		app := getApp(t, name)
		ns, _, _ := unstructured.NestedString(app.Object, "spec", "destination", "namespace")
		path, _, _ := unstructured.NestedString(app.Object, "spec", "source", "path")
		if ns != name || path != "apps/prod/"+name {
			t.Errorf("application %s: destination namespace %q, path %q", name, ns, path)
		}
		if !slices.Contains(app.GetFinalizers(), appv1.ResourcesFinalizerName) {
			t.Errorf("application %s has no resources finalizer: %v", name, app.GetFinalizers())
		}
	}
	// The Application controller deploys each folder into its namespace.
	waitConfigMap(t, "payments", true)
	waitCondition(t, set.GetName(), appv1.ApplicationSetConditionResourcesUpToDate, "True", "")

	// A user's change to a field the template does not set stays; a change
	// to one it sets is reverted.
	patch := `{"spec":{"revisionHistoryLimit":3,"destination":{"namespace":"elsewhere"}}}`
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(ctx, "orders", types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	clustertest.Poll(t, 30*time.Second, "destination namespace of orders reverted", func(ctx context.Context) (bool, error) {
		app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, "orders", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ns, _, _ := unstructured.NestedString(app.Object, "spec", "destination", "namespace")
		return ns == "orders", nil
	})
	if limit, _, _ := unstructured.NestedInt64(getApp(t, "orders").Object, "spec", "revisionHistoryLimit"); limit != 3 {
		t.Errorf("revisionHistoryLimit %d: the user's change was lost", limit)
	}

	// Onboarding a service is adding a folder; retiring one, removing it.
	repo.Commit(map[string]string{"apps/prod/shipping/configmap.yaml": configMap("shipping")}, "apps/prod/payments/configmap.yaml")
	refreshSet(t, set.GetName())
	waitOwned(t, set.GetUID(), "orders", "shipping")
	waitConfigMap(t, "shipping", true)
	// The retired Application's objects go with it (resources finalizer).
	waitConfigMap(t, "payments", false)
	clustertest.Poll(t, 30*time.Second, "application payments deleted", func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, "payments", metav1.GetOptions{})
		return isNotFound(err), nil
	})
	clustertest.Poll(t, 30*time.Second, "status.resources lists orders and shipping", func(ctx context.Context) (bool, error) {
		s, err := dyn.Resource(appSetsGVR).Namespace(argocd).Get(ctx, set.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		res, _, _ := unstructured.NestedSlice(s.Object, "status", "resources")
		var names []string
		for _, r := range res {
			m, _ := r.(map[string]any)
			names = append(names, m["name"].(string))
		}
		return strings.Join(names, ",") == "orders,shipping", nil
	})

	reads.check(t, set.GetName())

	// The CLI shows it.
	list := runCLI(t, "appset", "list")
	if !regexp.MustCompile(`(?m)^microservices +git +sync +2 +UpToDate`).MatchString(list) {
		t.Errorf("tether appset list:\n%s", list)
	}
	get := runCLI(t, "appset", "get", "microservices")
	for _, want := range []string{"git " + repo.URL + " main (directories apps/prod/*)", "ResourcesUpToDate", "orders", "shipping"} {
		if !strings.Contains(get, want) {
			t.Errorf("tether appset get lacks %q:\n%s", want, get)
		}
	}
}

// cacheReads checks that the controller read ApplicationSets and
// Applications from its watch cache, never from the API server.
type cacheReads map[string]int

const appsPath = "/apis/argoproj.io/v1alpha1/namespaces/" + argocd

func (c cacheReads) start() cacheReads {
	for _, p := range []string{"/applications", "/applicationsets"} {
		c[appsPath+p] = requests.Count(http.MethodGet, appsPath+p)
	}
	return c
}

func (c cacheReads) check(t *testing.T, set string) {
	t.Helper()
	for path, n := range c {
		if got := requests.Count(http.MethodGet, path); got != n {
			t.Errorf("the controller listed %s from the API server %d times", path, got-n)
		}
	}
	if got := requests.Count(http.MethodGet, appsPath+"/applicationsets/"+set); got != 0 {
		t.Errorf("the controller read ApplicationSet %s from the API server %d times", set, got)
	}
}

// runCLI runs tether with args against the test cluster and returns its
// output.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", cluster.Kubeconfig)
	if err := cli.Run(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); err != nil {
		t.Fatalf("tether %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// waitConfigMap waits until the ConfigMap "config" that the Application
// ns deploys into namespace ns exists (or is gone); on timeout it shows the
// Application's status.
func waitConfigMap(t *testing.T, ns string, exists bool) {
	t.Helper()
	what := map[bool]string{true: " created", false: " deleted"}[exists]
	poll(t, 60*time.Second, "ConfigMap config in "+ns+what, func() string { return appStatus(ns) }, func(ctx context.Context) (bool, error) {
		_, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "config", metav1.GetOptions{})
		if exists {
			return err == nil, nil
		}
		return isNotFound(err), nil
	})
}

// TestUnreachableRepositoryDeletesNothing breaks the repository URL of a
// running ApplicationSet: the generator fails, a condition names it and
// the cause, and not one Application is deleted.
func TestUnreachableRepositoryDeletesNothing(t *testing.T) {
	skipShort(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("fragile", map[string]string{
		"apps/prod/alpha/configmap.yaml": configMap("alpha"),
		"apps/prod/beta/configmap.yaml":  configMap("beta"),
	})
	set := createSet(t, parse(t, example(t, repo.URL), "fragile"))
	waitOwned(t, set.GetUID(), "alpha", "beta")

	patchSet(t, set.GetName(), `{"spec":{"generators":[{"git":{"repoURL":"http://127.0.0.1:1/gone.git","revision":"main","directories":[{"path":"apps/prod/*"}]}}]}}`)
	msg := waitCondition(t, set.GetName(), appv1.ApplicationSetConditionErrorOccurred, "True", "generators[0] (git http://127.0.0.1:1/gone.git main)")
	if !strings.Contains(msg, "no Application was created, changed or deleted") {
		t.Errorf("condition message %q does not say that nothing changed", msg)
	}
	waitCondition(t, set.GetName(), appv1.ApplicationSetConditionParametersGenerated, "False", "gone.git")
	names, err := ownedApps(context.Background(), set.GetUID())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "alpha,beta" {
		t.Fatalf("applications %v after the repository became unreachable, want alpha and beta", names)
	}

	// Once the repository is back, the ApplicationSet recovers.
	patchSet(t, set.GetName(), `{"spec":{"generators":[{"git":{"repoURL":"`+repo.URL+`","revision":"main","directories":[{"path":"apps/prod/*"}]}}]}}`)
	waitCondition(t, set.GetName(), appv1.ApplicationSetConditionErrorOccurred, "False", "")
	waitOwned(t, set.GetUID(), "alpha", "beta")
}

// TestDiffPredictsApply runs `tether appset diff` on a changed manifest
// (another branch with a new folder and without an old one, a new
// template label), applies the
// manifest, and checks that the controller did exactly what diff said: the
// Applications it would create, update and delete, and a second diff that
// finds nothing left to do.
func TestDiffPredictsApply(t *testing.T) {
	skipShort(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("preview", map[string]string{
		"apps/prod/gamma/configmap.yaml": configMap("gamma"),
		"apps/prod/delta/configmap.yaml": configMap("delta"),
	})
	set := createSet(t, parse(t, example(t, repo.URL), "preview"))
	waitOwned(t, set.GetUID(), "delta", "gamma")

	// The change is on a branch, so that the running ApplicationSet, which
	// follows main, does not see it before it is applied.
	repo.Branch("next", repo.Head())
	repo.CommitWith(gitserver.Commit{Branch: "next", Files: map[string]string{"apps/prod/epsilon/configmap.yaml": configMap("epsilon")},
		Remove: []string{"apps/prod/delta/configmap.yaml"}})
	changed := parse(t, strings.ReplaceAll(example(t, repo.URL), "main", "next"), "preview")
	if err := unstructured.SetNestedStringMap(changed.Object, map[string]string{"team": "core"}, "spec", "template", "metadata", "labels"); err != nil {
		t.Fatal(err)
	}
	file := writeManifest(t, changed)

	got := runDiff(t, file)
	want := map[string]string{"delta": "delete", "epsilon": "create", "gamma": "update"}
	if !equalPlan(got, want) {
		t.Fatalf("diff predicted %v, want %v", got, want)
	}
	if d := got["gamma"].Diff; !strings.Contains(d, "+    team: core") {
		t.Errorf("the update of gamma does not show the new label:\n%s", d)
	}

	applied, err := dyn.Resource(appSetsGVR).Namespace(argocd).Get(context.Background(), set.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed.SetResourceVersion(applied.GetResourceVersion())
	if _, err := dyn.Resource(appSetsGVR).Namespace(argocd).Update(context.Background(), changed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitOwned(t, set.GetUID(), "epsilon", "gamma")
	clustertest.Poll(t, 30*time.Second, "gamma labelled team=core", func(ctx context.Context) (bool, error) {
		app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, "gamma", metav1.GetOptions{})
		return err == nil && app.GetLabels()["team"] == "core", err
	})
	clustertest.Poll(t, 30*time.Second, "a second diff with nothing left to do", func(ctx context.Context) (bool, error) {
		return equalPlan(runDiff(t, file), map[string]string{"epsilon": "unchanged", "gamma": "unchanged"}), nil
	})
}

// diffEntry is one change of `tether appset diff -o json`.
type diffEntry struct {
	Action, Diff string
}

// runDiff runs `tether appset diff -f file -o json` against the cluster.
func runDiff(t *testing.T, file string) map[string]diffEntry {
	t.Helper()
	out := runCLI(t, "appset", "diff", "-f", file, "-o", "json", "--repo-cache-dir", filepath.Join(t.TempDir(), "repos"))
	var diffs []cli.AppSetDiff
	if err := json.Unmarshal([]byte(out), &diffs); err != nil || len(diffs) != 1 {
		t.Fatalf("diff output %q: %v", out, err)
	}
	got := map[string]diffEntry{}
	for _, c := range diffs[0].Changes {
		got[c.Name] = diffEntry{Action: c.Action, Diff: c.Diff}
	}
	return got
}

func equalPlan(got map[string]diffEntry, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for name, action := range want {
		if got[name].Action != action {
			return false
		}
	}
	return true
}

func writeManifest(t *testing.T, obj *unstructured.Unstructured) string {
	t.Helper()
	b, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "applicationset.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
