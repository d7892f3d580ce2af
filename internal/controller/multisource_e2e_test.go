package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// multiSourceApp is an Application of two sources: a chart in one Git
// repository whose value file comes from another through the ref values.
func multiSourceApp(name, chartRepo, valuesRepo, ns string) string {
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  sources:
    - repoURL: %s
      targetRevision: HEAD
      path: chart
      helm:
        valueFiles:
          - $values/envs/prod/values.yaml
    - repoURL: %s
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated:
      prune: true
    syncOptions:
      - CreateNamespace=true
`, name, chartRepo, valuesRepo, ns)
}

// TestMultipleSourcesValuesFromGit: a chart from one repository with its
// values from another ($values) syncs, records both revisions, and a
// commit to the values repository rolls out.
func TestMultipleSourcesValuesFromGit(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	chart := srv.NewRepo("ms-chart", map[string]string{
		"chart/Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"chart/values.yaml": "greeting: chart-default\n",
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n" +
			"  value: {{ .Values.greeting | quote }}\n",
	})
	values := srv.NewRepo("ms-values", map[string]string{"envs/prod/values.yaml": "greeting: hello-prod\n"})
	ns := cluster.Namespace(t)
	name := "ms-" + ns
	applyApp(t, multiSourceApp(name, chart.URL, values.URL, ns), nil)

	revisions := func(want ...string) func(*appv1.Application) bool {
		return func(app *appv1.Application) bool {
			return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Health.Status == appv1.HealthStatusHealthy &&
				strings.Join(app.Status.Sync.Revisions, ",") == strings.Join(want, ",")
		}
	}
	app := waitApp(t, name, "Synced at both heads", revisions(chart.Head(), values.Head()))
	if got := configMapValue(t, ns, "greeting"); got != "hello-prod" {
		t.Errorf("greeting = %q, want the value from the values repository", got)
	}
	if app.Status.Sync.Revision != "" || len(app.Status.Sync.ComparedTo.Sources) != 2 {
		t.Errorf("status.sync = %+v, want revisions and sources, not the single-source fields", app.Status.Sync)
	}
	if h := app.Status.History; len(h) != 1 || len(h[0].Revisions) != 2 {
		t.Errorf("history = %+v, want one deployment of two revisions", h)
	}
	if got := fmt.Sprint(app.Status.SourceTypes); got != "[Helm]" {
		t.Errorf("sourceTypes = %s, want [Helm] (the ref renders nothing)", got)
	}

	values.Commit(map[string]string{"envs/prod/values.yaml": "greeting: hello-again\n"})
	refresh(t, name)
	waitApp(t, name, "Synced at the new values commit", revisions(chart.Head(), values.Head()))
	if got := configMapValue(t, ns, "greeting"); got != "hello-again" {
		t.Errorf("greeting = %q after the values commit", got)
	}
}

// TestMultipleSourcesRefEscapes: a $values file outside its checkout is a
// ComparisonError naming the source; nothing is applied.
func TestMultipleSourcesRefEscapes(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	chart := srv.NewRepo("ms-esc-chart", map[string]string{
		"chart/Chart.yaml":        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: escaped\ndata: {}\n",
	})
	values := srv.NewRepo("ms-esc-values", map[string]string{"v.yaml": "a: 1\n"})
	ns := cluster.Namespace(t)
	name := "ms-esc-" + ns
	manifest := strings.Replace(multiSourceApp(name, chart.URL, values.URL, ns), "$values/envs/prod/values.yaml", "$values/../../etc/passwd", 1)
	applyApp(t, manifest, nil)
	app := waitApp(t, name, "a ComparisonError", func(app *appv1.Application) bool {
		return condition(app, appv1.ApplicationConditionComparisonError) != ""
	})
	if msg := condition(app, appv1.ApplicationConditionComparisonError); !strings.Contains(msg, "source 1 of 2") {
		t.Errorf("ComparisonError %q does not name the source", msg)
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "escaped", metav1.GetOptions{}); err == nil {
		t.Error("the chart was applied although its values could not be read")
	}
}
