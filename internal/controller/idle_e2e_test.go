package controller_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestIdleReconcileWritesNothing: a reconcile in which nothing changed makes
// no API write. It runs before the parallel tests, alone with the
// controller, so the process-wide counters are its own.
func TestIdleReconcileWritesNothing(t *testing.T) {
	cluster.Require(t)
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("idle", map[string]string{"m/a.yaml": configMap("a", "1")})
	name := "idle-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	app := waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	// Let the reconciles that the sync itself caused settle.
	clustertest.Poll(t, 30*time.Second, "a quiet status", func(ctx context.Context) (bool, error) {
		before := counter(t, "tether_application_status_writes_total")
		reconciles := counter(t, "tether_application_reconciles_total")
		for i := 0; i < 5; i++ {
			if counter(t, "tether_application_status_writes_total") != before || counter(t, "tether_application_reconciles_total") != reconciles {
				return false, nil
			}
			time.Sleep(100 * time.Millisecond) // quiescence check, not synchronisation
		}
		return true, nil
	})
	writes := counter(t, "tether_application_status_writes_total")
	reconciles := counter(t, "tether_application_reconciles_total")
	app, err := getApp(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	appPath := "/apis/argoproj.io/v1alpha1/namespaces/" + argocd + "/applications/" + name
	gets := controllerRequests.Count(http.MethodGet, appPath)

	// A change to a managed object that Git does not care about triggers a
	// reconcile through the watch, which finds nothing to do.
	patch := []byte(`{"metadata":{"labels":{"touched-by":"someone-else"}}}`)
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Patch(context.Background(), "a", types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	clustertest.Poll(t, 30*time.Second, "a reconcile caused by the watch", func(context.Context) (bool, error) {
		return counter(t, "tether_application_reconciles_total") > reconciles, nil
	})
	// The counter rises as the reconcile starts; its write, if any, comes
	// at its end, so wait until no reconcile is running any more.
	clustertest.Poll(t, 30*time.Second, "the reconcile to finish", func(context.Context) (bool, error) {
		return gauge(t, "controller_runtime_active_workers", "controller", "application") == 0, nil
	})
	after, err := getApp(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter(t, "tether_application_status_writes_total"); got != writes {
		t.Errorf("status writes went from %v to %v", writes, got)
	}
	// Applications come from the watch cache, never from a GET.
	if got := controllerRequests.Count(http.MethodGet, appPath); got != gets {
		t.Errorf("the reconcile read the Application from the API server: %d GETs of %s", got-gets, appPath)
	}
	if after.ResourceVersion != app.ResourceVersion {
		t.Errorf("the Application was written: resourceVersion %s → %s", app.ResourceVersion, after.ResourceVersion)
	}
}

// counter reads a counter from the controller's in-process registry.
func counter(t *testing.T, name string) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += value(m)
		}
	}
	return sum
}

// gauge reads a gauge from the controller's in-process registry, summed
// over the series whose label has value.
func gauge(t *testing.T, name, label, value string) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabel(m, label, value) && m.GetGauge() != nil {
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

func value(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return 0
}
