package applicationset_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
)

// The end-to-end tests of the ApplicationSet controller run against a real
// control plane, with the whole controller (Applications included) running
// in this process. With -short they are skipped and no control plane
// starts.

const argocd = "argocd"

var (
	cluster clustertest.Cluster
	dyn     dynamic.Interface

	// requests counts the in-process controller's API requests.
	requests *controllertest.Requests
	// webhookURL takes the in-process controller's push webhooks.
	webhookURL string

	appsGVR    = appv1.GroupVersion.WithResource("applications")
	appSetsGVR = appv1.GroupVersion.WithResource("applicationsets")
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(cluster.Run(m, installTether, startController))
}

func installTether(c *clustertest.Cluster) error {
	var err error
	if dyn, err = dynamic.NewForConfig(c.Config); err != nil {
		return err
	}
	return controllertest.Install(c)
}

func startController(c *clustertest.Cluster) error {
	ctrl, err := controllertest.Start(c, "appset-e2e", func(o *controller.Options) { o.RevisionCacheTTL = time.Second })
	if err != nil {
		return err
	}
	requests, webhookURL = ctrl.Requests, ctrl.WebhookURL
	return nil
}

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: needs a control plane")
	}
}

// example reads the user's ApplicationSet, with repoURL pointed at url.
func example(t *testing.T, url string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "applicationset-microservices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "https://github.com/your-org/gitops.git", url)
}

// parse reads a manifest, renamed to name when name is set.
func parse(t *testing.T, manifest, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	if name != "" {
		u.SetName(name)
	}
	u.SetNamespace(argocd)
	return u
}

// createSet creates the ApplicationSet and deletes it, with its
// Applications, when the test ends.
func createSet(t *testing.T, set *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	created, err := dyn.Resource(appSetsGVR).Namespace(argocd).Create(context.Background(), set, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create applicationset: %v", err)
	}
	t.Cleanup(func() {
		bg := metav1.DeletePropagationForeground
		_ = dyn.Resource(appSetsGVR).Namespace(argocd).Delete(context.Background(), set.GetName(), metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	return created
}

// patchSet merge-patches the ApplicationSet.
func patchSet(t *testing.T, name, patch string) {
	t.Helper()
	if _, err := dyn.Resource(appSetsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch applicationset %s: %v", name, err)
	}
}

// refreshSet asks for a refresh, as the push webhook will.
func refreshSet(t *testing.T, name string) {
	t.Helper()
	patchSet(t, name, fmt.Sprintf(`{"metadata":{"annotations":{%q:"true"}}}`, appv1.AnnotationKeyApplicationSetRefresh))
}

// ownedApps returns the names of the Applications that the ApplicationSet
// with uid controls, sorted.
func ownedApps(ctx context.Context, uid types.UID) ([]string, error) {
	list, err := dyn.Resource(appsGVR).Namespace(argocd).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, app := range list.Items {
		for _, ref := range app.GetOwnerReferences() {
			if ref.UID == uid && ref.Controller != nil && *ref.Controller && app.GetDeletionTimestamp() == nil {
				names = append(names, app.GetName())
			}
		}
	}
	return names, nil
}

// waitOwned waits until the ApplicationSet controls exactly want (sorted).
func waitOwned(t *testing.T, uid types.UID, want ...string) {
	t.Helper()
	var last []string
	detail := func() string { return fmt.Sprintf("last seen: %v", last) }
	clustertest.PollDetail(t, 60*time.Second, fmt.Sprintf("applications %v", want), detail, func(ctx context.Context) (bool, error) {
		names, err := ownedApps(ctx, uid)
		last = names
		return err == nil && strings.Join(names, ",") == strings.Join(want, ","), err
	})
}

func getApp(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get application %s: %v", name, err)
	}
	return app
}

// waitCondition waits until the ApplicationSet has a condition of type ct
// with status, and returns its message.
func waitCondition(t *testing.T, name string, ct appv1.ApplicationSetConditionType, status, contains string) string {
	t.Helper()
	var msg string
	clustertest.Poll(t, 60*time.Second, fmt.Sprintf("condition %s=%s containing %q on %s", ct, status, contains, name), func(ctx context.Context) (bool, error) {
		set, err := dyn.Resource(appSetsGVR).Namespace(argocd).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(set.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == string(ct) && m["status"] == status {
				msg, _ = m["message"].(string)
				return strings.Contains(msg, contains), nil
			}
		}
		return false, nil
	})
	return msg
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// configMap is a manifest for a service folder.
func configMap(service string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  service: " + service + "\n"
}

// poll is clustertest.PollDetail.
func poll(t *testing.T, timeout time.Duration, what string, detail func() string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	clustertest.PollDetail(t, timeout, what, detail, cond)
}

// appStatus shows an Application's status, for failure messages.
func appStatus(name string) string {
	app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return "application " + name + ": " + err.Error()
	}
	b, _ := yaml.Marshal(app.Object["status"])
	return "status of application " + name + ":\n" + string(b)
}
