package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/chartrepo"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
	"github.com/tether-gitops/tether/internal/ociregistry"
)

// chartApp is an Application of chart from the repository at repoURL.
func chartApp(name, repoURL, chart, revision, ns, extra string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  source:
    repoURL: %s
    chart: %s
    targetRevision: %q
%s  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated:
      prune: true
    syncOptions:
      - CreateNamespace=true
`, name, repoURL, chart, revision, extra, ns)
}

// tlsCert adds the CA of host to argocd-tls-certs-cm, as Argo CD users do.
func tlsCert(t *testing.T, host string, pem []byte) {
	t.Helper()
	ctx := context.Background()
	cms := cluster.Client.CoreV1().ConfigMaps(argocd)
	patch := fmt.Sprintf(`{"data":{%q:%q}}`, host, string(pem))
	if _, err := cms.Patch(ctx, "argocd-tls-certs-cm", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-tls-certs-cm", Namespace: argocd}, Data: map[string]string{host: string(pem)}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHelmRepositoryChart: a chart of a private HTTPS Helm repository,
// with credentials from a helm repository Secret and the CA from
// argocd-tls-certs-cm, syncs at the highest version matching the
// constraint, records it, and moves to a newly published version on
// refresh.
func TestHelmRepositoryChart(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const password = "chart-s3cret-pw"
	repo := chartrepo.New(t, chartrepo.WithTLS(), chartrepo.WithBasicAuth("charts", password))
	repo.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	repo.Publish(t, chartrepo.Chart{Name: "greeter", Version: "2.0.0"})
	ns := cluster.Namespace(t)
	repoSecret(t, "helm-"+ns, map[string]string{"type": "helm", "url": repo.URL, "username": "charts", "password": password})
	// Keyed by host name, as ConfigMap keys cannot hold a port.
	tlsCert(t, "127.0.0.1", repo.CA)
	name := "helm-" + ns
	applyApp(t, chartApp(name, repo.URL, "greeter", "^1.0", ns, "    helm:\n      valuesObject:\n        greeting: hello-from-values\n"), nil)

	app := waitApp(t, name, "Synced at 1.0.0", syncedHealthy("1.0.0"))
	if app.Status.SourceType != appv1.ApplicationSourceTypeHelm {
		t.Errorf("sourceType = %q, want Helm", app.Status.SourceType)
	}
	if h := app.Status.History; len(h) != 1 || h[0].Revision != "1.0.0" {
		t.Errorf("history = %+v, want one deployment of 1.0.0", h)
	}
	cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), name+"-greeter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["version"] != "1.0.0" || cm.Data["greeting"] != "hello-from-values" {
		t.Errorf("ConfigMap data = %v, want the chart's 1.0.0 with the Application's values", cm.Data)
	}

	repo.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.1.0"})
	refresh(t, name)
	waitApp(t, name, "Synced at 1.1.0 after a refresh", syncedHealthy("1.1.0"))
	for _, c := range app.Status.Conditions {
		if strings.Contains(c.Message, password) {
			t.Errorf("the password leaked into condition %s", c.Type)
		}
	}
}

// TestHelmRepositoryBadInput: an unknown chart or version is a
// ComparisonError naming the repository, chart and version, and nothing
// is applied.
func TestHelmRepositoryBadInput(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	repo := chartrepo.New(t)
	repo.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	ns := cluster.Namespace(t)
	for _, tt := range []struct{ chart, revision, want string }{
		{"greeter", "^3", `constraint "^3"`},
		{"greeter", "1.9.0", `version "1.9.0"`},
		{"nope", "1.0.0", `chart "nope"`},
	} {
		name := fmt.Sprintf("bad-%s-%s", ns, strings.NewReplacer("^", "c", ".", "-").Replace(tt.chart+"-"+tt.revision))
		applyApp(t, chartApp(name, repo.URL, tt.chart, tt.revision, ns, ""), nil)
		app := waitApp(t, name, "a ComparisonError", func(app *appv1.Application) bool {
			return condition(app, appv1.ApplicationConditionComparisonError) != ""
		})
		msg := condition(app, appv1.ApplicationConditionComparisonError)
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, repo.URL) {
			t.Errorf("%s@%s: ComparisonError %q does not name %s and the repository", tt.chart, tt.revision, msg, tt.want)
		}
	}
}

// TestChartWithValuesFromGit: the common migration shape, a chart from a
// Helm repository or an OCI registry with its values in the team's Git
// repository through $values; a values commit rolls out.
func TestChartWithValuesFromGit(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	charts := chartrepo.New(t)
	charts.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	reg := ociregistry.New(t)
	reg.PushChart(t, "charts/greeter", chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	t.Run("helm repository", func(t *testing.T) { chartWithValuesFromGit(t, charts.URL) })
	t.Run("oci registry", func(t *testing.T) {
		repoSecret(t, "cvg-oci-"+cluster.Namespace(t), map[string]string{"type": "oci", "url": "oci://" + reg.Host + "/charts", "insecureOCIForceHttp": "true"})
		chartWithValuesFromGit(t, "oci://"+reg.Host+"/charts")
	})
}

func chartWithValuesFromGit(t *testing.T, chartRepo string) {
	t.Parallel()
	srv := gittest.NewServer(t)
	values := srv.NewRepo("chart-values", map[string]string{"greeter/values.yaml": "greeting: from-git\n"})
	ns := cluster.Namespace(t)
	name := "cvg-" + ns
	applyApp(t, fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  sources:
    - repoURL: %s
      chart: greeter
      targetRevision: 1.0.0
      helm:
        valueFiles: [$values/greeter/values.yaml]
    - repoURL: %s
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated: {}
    syncOptions: [CreateNamespace=true]
`, name, chartRepo, values.URL, ns), nil)
	at := func(want ...string) func(*appv1.Application) bool {
		return func(app *appv1.Application) bool {
			return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && strings.Join(app.Status.Sync.Revisions, ",") == strings.Join(want, ",")
		}
	}
	waitApp(t, name, "Synced", at("1.0.0", values.Head()))
	greeting := func() string {
		cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), name+"-greeter", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["greeting"]
	}
	if got := greeting(); got != "from-git" {
		t.Errorf("greeting = %q, want the value from Git", got)
	}
	values.Commit(map[string]string{"greeter/values.yaml": "greeting: bumped\n"})
	refresh(t, name)
	waitApp(t, name, "Synced at the new values commit", at("1.0.0", values.Head()))
	if got := greeting(); got != "bumped" {
		t.Errorf("greeting = %q after the values commit", got)
	}
}

// TestChartDependencies: a chart in Git depending on a chart of a private
// HTTPS Helm repository (at the highest version of its constraint), on a
// chart of a private OCI registry and on a chart beside it in the same
// checkout (file://) renders with all three, each downloaded with the
// credentials of its own repository.
func TestChartDependencies(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const helmPassword, ociPassword = "deps-helm-pw", "deps-oci-pw"
	charts := chartrepo.New(t, chartrepo.WithTLS(), chartrepo.WithBasicAuth("charts", helmPassword))
	charts.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	charts.Publish(t, chartrepo.Chart{Name: "greeter", Version: "1.1.0"})
	charts.Publish(t, chartrepo.Chart{Name: "greeter", Version: "2.0.0"})
	reg := ociregistry.New(t, ociregistry.WithBasicAuth("puller", ociPassword))
	reg.PushChart(t, "deps/lib", chartrepo.Chart{Name: "lib", Version: "0.2.0"})
	ns := cluster.Namespace(t)
	repoSecret(t, "deps-helm-"+ns, map[string]string{"type": "helm", "url": charts.URL, "username": "charts", "password": helmPassword})
	repoSecret(t, "deps-oci-"+ns, map[string]string{"type": "oci", "url": "oci://" + reg.Host + "/deps", "username": "puller", "password": ociPassword,
		"insecureOCIForceHttp": "true"})
	tlsCert(t, "127.0.0.1", charts.CA)

	srv := gittest.NewServer(t)
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\ndata:\n  version: {{ .Chart.Version | quote }}\n"
	}
	git := srv.NewRepo("umbrella", map[string]string{
		"umbrella/Chart.yaml": fmt.Sprintf(`apiVersion: v2
name: umbrella
version: 0.1.0
dependencies:
  - name: greeter
    version: ^1.0
    repository: %s
  - name: lib
    version: 0.2.0
    repository: oci://%s/deps
  - name: common
    version: ~0.1
    repository: file://../common
`, charts.URL, reg.Host),
		"umbrella/templates/cm.yaml": cm("umbrella"),
		"common/Chart.yaml":          "apiVersion: v2\nname: common\nversion: 0.1.4\n",
		"common/templates/cm.yaml":   cm("common"),
	})
	name := "deps-" + ns
	applyApp(t, ociApp(name, git.URL, "", "umbrella", "HEAD", ns), nil)
	app := waitApp(t, name, "Synced with its dependencies", syncedHealthy(git.Head()))
	for chart, want := range map[string]string{"umbrella": "0.1.0", "greeter": "1.1.0", "lib": "0.2.0", "common": "0.1.4"} {
		cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), name+"-"+chart, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cm.Data["version"]; got != want {
			t.Errorf("ConfigMap %s-%s version = %q, want %q", name, chart, got, want)
		}
	}
	for _, c := range app.Status.Conditions {
		if strings.Contains(c.Message, helmPassword) || strings.Contains(c.Message, ociPassword) {
			t.Errorf("a password leaked into condition %s", c.Type)
		}
	}
}
