package controller_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestTargetRevisionKinds: targetRevision as a tag (annotated), a semver
// range (the highest matching tag) and a short commit each deploy that
// commit, and the status names it in full.
func TestTargetRevisionKinds(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("revs", map[string]string{"m/a.yaml": configMap("a", "1")})
	c1 := repo.Head()
	c2 := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
	c3 := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "3")})
	repo.Commit(map[string]string{"m/a.yaml": configMap("a", "4")})
	repo.Tag("v1.0.0", c1, "release 1.0.0")
	repo.Tag("v1.2.0", c2, "")
	repo.Tag("v2.0.0", c3, "")
	for _, tt := range []struct{ revision, commit, value string }{
		{"v1.0.0", c1, "1"},
		{"^1.0.0", c2, "2"},
		{c3[:7], c3, "3"},
	} {
		ns := cluster.Namespace(t)
		name := "rev-" + ns
		applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, tt.revision, "spec", "source", "targetRevision")
		})
		waitApp(t, name, "Synced at "+tt.commit+" for "+tt.revision, syncedHealthy(tt.commit))
		if got := configMapValue(t, ns, "a"); got != tt.value {
			t.Errorf("targetRevision %s deployed value %q, want %q", tt.revision, got, tt.value)
		}
	}
}

// TestRepoCredsTemplate: a repo-creds Secret whose url is a prefix of the
// repository's authenticates to a smart HTTP server that requires it.
func TestRepoCredsTemplate(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const password = "t3mplate-pass"
	srv := gittest.NewServer(t, gittest.WithBasicAuth("ci", password))
	repo := srv.NewRepo("team/private", map[string]string{"m/a.yaml": configMap("a", "1")})
	ns := cluster.Namespace(t)
	prefix := strings.TrimSuffix(repo.URL, "private.git")
	if prefix == repo.URL {
		t.Fatalf("unexpected repository URL %s", repo.URL)
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds-" + ns, Namespace: argocd,
			Labels: map[string]string{"argocd.argoproj.io/secret-type": "repo-creds"}},
		StringData: map[string]string{"url": prefix, "username": "ci", "password": password},
	}
	if _, err := cluster.Client.CoreV1().Secrets(argocd).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Secrets(argocd).Delete(context.Background(), s.Name, metav1.DeleteOptions{})
	})
	name := "creds-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	app := waitApp(t, name, "Synced with the template's credentials", syncedHealthy(repo.Head()))
	if strings.Contains(fmt.Sprint(app.Status), password) {
		t.Error("the status contains the password")
	}
	if srv.Fetches(repo.Name) == 0 {
		t.Error("the repository was never fetched over HTTP")
	}
}

// TestHelmOptions: Helm parameters win over valuesObject, which wins over
// the chart's values; skipCrds leaves the chart's CRDs out.
func TestHelmOptions(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	crdName := "widgets." + ns + ".tether.test"
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("helmopts", map[string]string{
		"chart/Chart.yaml":  "apiVersion: v2\nname: opts\nversion: 0.1.0\n",
		"chart/values.yaml": "param: chart\nobject: chart\nboth: chart\nkept: chart\n",
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: opts\ndata:\n" +
			"  param: {{ .Values.param | quote }}\n  object: {{ .Values.object | quote }}\n" +
			"  both: {{ .Values.both | quote }}\n  kept: {{ .Values.kept | quote }}\n",
		"chart/crds/widget.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: " + crdName + "\nspec:\n" +
			"  group: " + ns + ".tether.test\n  names: {kind: Widget, plural: widgets, singular: widget}\n  scope: Namespaced\n" +
			"  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n",
	})
	name := "helmopts-" + ns
	applyApp(t, dirApp(name, repo.URL, "chart", ns, autoPrune), func(u *unstructured.Unstructured) {
		helm := map[string]any{
			"skipCrds": true,
			"parameters": []any{
				map[string]any{"name": "param", "value": "parameter"},
				map[string]any{"name": "both", "value": "parameter"},
			},
			"valuesObject": map[string]any{"object": "valuesObject", "both": "valuesObject"},
		}
		_ = unstructured.SetNestedMap(u.Object, helm, "spec", "source", "helm")
	})
	waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "opts", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"param": "parameter", "object": "valuesObject", "both": "parameter", "kept": "chart"}
	for k, v := range want {
		if cm.Data[k] != v {
			t.Errorf("data.%s = %q, want %q (data %v)", k, cm.Data[k], v, cm.Data)
		}
	}
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := dyn.Resource(crds).Get(context.Background(), crdName, metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("CRD %s applied despite skipCrds (err %v)", crdName, err)
		_ = dyn.Resource(crds).Delete(context.Background(), crdName, metav1.DeleteOptions{})
	}
}

// TestDirectoryOptions: recurse reads subdirectories; include keeps only
// the paths it matches and exclude drops those it matches, both against
// paths relative to the Application's path.
func TestDirectoryOptions(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("diropts", map[string]string{
		"m/top.yaml":           configMap("top", "1"),
		"m/sub/kept.yaml":      configMap("kept", "1"),
		"m/sub/skipped.yaml":   configMap("skipped", "1"),
		"m/sub/deep/deep.yaml": configMap("deep", "1"),
		"m/other.json":         `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "json"}}`,
	})
	ns := cluster.Namespace(t)
	name := "diropts-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), func(u *unstructured.Unstructured) {
		dir := map[string]any{"recurse": true, "include": "*.yaml", "exclude": "sub/skipped.yaml"}
		_ = unstructured.SetNestedMap(u.Object, dir, "spec", "source", "directory")
	})
	app := waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	var got []string
	for _, r := range app.Status.Resources {
		got = append(got, r.Name)
	}
	for _, want := range []string{"top", "kept", "deep"} {
		if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), want, metav1.GetOptions{}); err != nil {
			t.Errorf("ConfigMap %s: %v (resources %v)", want, err, got)
		}
	}
	for _, unwanted := range []string{"skipped", "json"} {
		if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), unwanted, metav1.GetOptions{}); !isNotFound(err) {
			t.Errorf("ConfigMap %s deployed (err %v; resources %v)", unwanted, err, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("resources %v, want top, kept and deep", got)
	}
}

// TestMetricsEndpoint: --metrics-addr serves Prometheus text with the
// tether_application_* families and their labels, and controller-runtime's
// reconcile counts of the application controller.
func TestMetricsEndpoint(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home, dest := cluster.Namespace(t), cluster.Namespace(t)
	addr := freeAddr(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("metrics", map[string]string{"m/a.yaml": configMap("a", "1")})
	startReplica(t, home, "metrics", func(o *controller.Options) { o.MetricsAddr = addr })
	createIn(t, home, dirApp("measured", repo.URL, "m", dest, autoPrune))
	waitIn(t, home, "measured", "Synced", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == repo.Head()
	})
	var body string
	clustertest.Poll(t, 30*time.Second, "metrics over HTTP", func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, nil
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err == nil && resp.StatusCode == http.StatusOK, nil
	})
	for _, series := range []string{
		"# TYPE tether_application_reconciles_total counter",
		"# TYPE tether_application_quiet_reconciles_total counter",
		"# TYPE tether_application_status_writes_total counter",
		`tether_application_renders_total{result="ok"} `,
		`tether_application_syncs_total{phase="Succeeded",trigger="automated"} `,
		`tether_application_sync_duration_seconds_bucket{le="+Inf"} `,
		`controller_runtime_reconcile_total{controller="application",result="success"} `,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %q", series)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "tether_application_syncs_total{") && strings.HasSuffix(line, " 0") {
			t.Errorf("a sync series at zero after a sync: %s", line)
		}
	}
}

func configMapValue(t *testing.T, ns, name string) string {
	t.Helper()
	cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data["value"]
}
