package controller_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/install"
)

const argocd = "argocd"

var (
	cluster clustertest.Cluster
	dyn     dynamic.Interface
	// webhookURL is where the in-process controller takes push webhooks.
	webhookURL string
	// controllerRequests counts the in-process controller's API requests.
	controllerRequests *controllertest.Requests
)

var appsGVR = appv1.GroupVersion.WithResource("applications")

func TestMain(m *testing.M) { os.Exit(cluster.Run(m, installTether, startController)) }

func installTether(c *clustertest.Cluster) error {
	var err error
	if dyn, err = dynamic.NewForConfig(c.Config); err != nil {
		return err
	}
	return controllertest.Install(c)
}

func installer(c *clustertest.Cluster) (*install.Installer, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	return &install.Installer{Dynamic: dyn, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

func newInstaller(t *testing.T) *install.Installer {
	t.Helper()
	in, err := installer(&cluster)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// startController runs the controller in this process for the whole
// package, as `tether controller` would.
func startController(c *clustertest.Cluster) error {
	ctrl, err := controllertest.Start(c, "e2e", nil)
	if err != nil {
		return err
	}
	webhookURL = ctrl.WebhookURL
	controllerRequests = ctrl.Requests
	return nil
}

// applyApp creates the Application in manifest, with repoURL replaced by
// repo and its name (and destination namespace, when ns is set) adjusted.
func applyApp(t *testing.T, manifest string, edit func(app *unstructured.Unstructured)) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	if edit != nil {
		edit(u)
	}
	u.SetNamespace(argocd)
	created, err := dyn.Resource(appsGVR).Namespace(argocd).Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create application: %v", err)
	}
	t.Cleanup(func() { deleteApp(created.GetName()) })
	return created
}

func deleteApp(name string) {
	ctx := context.Background()
	_ = dyn.Resource(appsGVR).Namespace(argocd).Delete(ctx, name, metav1.DeleteOptions{})
}

// example reads a manifest of the user's brief, with repoURL pointed at url.
func example(t *testing.T, file, url string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "https://github.com/your-org/gitops.git", url)
}

// getApp reads the Application as typed.
func getApp(ctx context.Context, name string) (*appv1.Application, error) {
	return controllertest.GetApp(ctx, dyn, argocd, name)
}

// waitApp polls the Application until cond holds; it fails the test with
// the last status seen.
func waitApp(t *testing.T, name, what string, cond func(*appv1.Application) bool) *appv1.Application {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		last    *appv1.Application
		lastErr error
	)
	for {
		app, err := getApp(ctx, name)
		if err == nil && cond(app) {
			return app
		}
		if err != nil {
			lastErr = err
		} else {
			last = app
		}
		select {
		case <-ctx.Done():
			status := "none"
			if last != nil {
				b, _ := yaml.Marshal(last.Status)
				status = string(b)
			}
			t.Fatalf("timed out waiting for %s of %s (last error: %v); last status:\n%s", what, name, lastErr, status)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func syncedHealthy(commit string) func(*appv1.Application) bool {
	return func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced &&
			app.Status.Health.Status == appv1.HealthStatusHealthy &&
			(commit == "" || app.Status.Sync.Revision == commit)
	}
}

func condition(app *appv1.Application, t appv1.ApplicationConditionType) string {
	for _, c := range app.Status.Conditions {
		if c.Type == t {
			return c.Message
		}
	}
	return ""
}

// refresh asks for a refresh as `argocd app get --refresh` and webhooks do.
func refresh(t *testing.T, name string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"normal"}}}`, appv1.AnnotationKeyRefresh)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// readTree loads examples/<dir> as a map of repository files.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("..", "..", "examples", dir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
