package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/cli"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
)

const argocd = "argocd"

var (
	cluster clustertest.Cluster
	dyn     dynamic.Interface
	// started is false under -short: no control plane, the tests skip.
	started bool
)

var appsGVR = appv1.GroupVersion.WithResource("applications")

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	started = true
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
	ctrl, err := controllertest.Start(c, "cli-e2e", func(o *controller.Options) { o.WebhookAddr = "0" })
	if err != nil {
		return err
	}
	_ = ctrl
	return nil
}

// env is one test's view of the CLI: its repository cache, and the Secret
// values that no output may contain.
type env struct {
	t     *testing.T
	ns    string
	cache string

	mu      sync.Mutex
	secrets []string
}

// newEnv starts a test: it skips under -short, runs in parallel and gets a
// namespace of its own.
func newEnv(t *testing.T) *env {
	t.Helper()
	if !started {
		t.Skip("end-to-end test: needs the local control plane (not with -short)")
	}
	t.Parallel()
	return &env{t: t, ns: cluster.Namespace(t), cache: t.TempDir()}
}

// secret registers a value that must never be printed, in clear or base64.
func (e *env) secret(value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, value, base64.StdEncoding.EncodeToString([]byte(value)))
}

// result is what one run of the CLI printed and its exit code.
type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.out, r.err)
}

// run runs `tether args...` in process, as main does (stderr gets
// "error: ..." on failure), against the test cluster.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.exec(args)
}

// app runs `tether app args...` with the test's kubeconfig and cache.
func (e *env) app(args ...string) result {
	e.t.Helper()
	full := append([]string{"app"}, args...)
	full = append(full, "--kubeconfig", cluster.Kubeconfig, "--repo-cache-dir", e.cache)
	return e.exec(full)
}

func (e *env) exec(args []string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	// stdin is not a terminal: nothing asks for confirmation.
	s := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}
	err := cli.Run(ctx, args, s)
	if err != nil {
		fmt.Fprintln(&errOut, "error:", err)
	}
	r := result{out: out.String(), err: errOut.String(), code: cli.ExitCode(err)}
	e.t.Logf("tether %s\n%s", strings.Join(args, " "), r)
	e.checkNoSecrets(args, r)
	return r
}

func (e *env) checkNoSecrets(args []string, r result) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.secrets {
		if strings.Contains(r.out, s) || strings.Contains(r.err, s) {
			e.t.Errorf("tether %s printed a Secret value:\n%s", strings.Join(args, " "), r)
		}
	}
}

// expect fails the test unless the run exited with code and its stdout
// (or, for failures, stderr) contains each of want.
func expect(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d:\n%s", r.code, code, r)
	}
	text := r.out
	if code != 0 {
		text += r.err
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("output lacks %q:\n%s", w, r)
		}
	}
}

// createApp creates the Application in manifest and deletes it when the
// test ends.
func createApp(t *testing.T, manifest string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	u.SetNamespace(argocd)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create application: %v", err)
	}
	t.Cleanup(func() {
		_ = dyn.Resource(appsGVR).Namespace(argocd).Delete(context.Background(), u.GetName(), metav1.DeleteOptions{})
	})
}

// getApp reads the Application as typed.
func getApp(ctx context.Context, name string) (*appv1.Application, error) {
	return controllertest.GetApp(ctx, dyn, argocd, name)
}

// waitApp polls the Application until cond holds.
func waitApp(t *testing.T, name, what string, cond func(*appv1.Application) bool) *appv1.Application {
	t.Helper()
	var last *appv1.Application
	clustertest.Poll(t, 60*time.Second, what, func(ctx context.Context) (bool, error) {
		app, err := getApp(ctx, name)
		if err != nil {
			return false, err
		}
		last = app
		return cond(app), nil
	})
	return last
}

func syncedHealthy(commit string) func(*appv1.Application) bool {
	return func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced &&
			app.Status.Health.Status == appv1.HealthStatusHealthy &&
			(commit == "" || app.Status.Sync.Revision == commit)
	}
}

func outOfSync(commit string) func(*appv1.Application) bool {
	return func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeOutOfSync && app.Status.Sync.Revision == commit
	}
}

// Manifest builders shared by the e2e packages.
var (
	dirApp    = controllertest.DirApp
	configMap = controllertest.ConfigMap
)

const autoPrune = controllertest.AutoPrune

func secretManifest(name, password string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\ntype: Opaque\nstringData:\n  password: \"" + password + "\"\n"
}
