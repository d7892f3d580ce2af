package application

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestMetricsShared: two controllers on one registry count into the same
// collectors.
func TestMetricsShared(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := newMetrics(reg), newMetrics(reg)
	a.statusWrites.Inc()
	b.statusWrites.Inc()
	b.syncs.WithLabelValues("Succeeded", "manual").Inc()
	if got := value(t, a.statusWrites); got != 2 {
		t.Errorf("status writes = %v, want 2 from both controllers", got)
	}
	if got := value(t, a.syncs.WithLabelValues("Succeeded", "manual")); got != 1 {
		t.Errorf("syncs = %v, want 1", got)
	}
	if mfs, err := reg.Gather(); err != nil || len(mfs) == 0 {
		t.Errorf("gathered %d metric families: %v", len(mfs), err)
	}
	if m := newMetrics(nil); m.reconciles == nil {
		t.Error("metrics without a registry are not usable")
	}
}

// TestMetricsCount: reconciles, status writes, renders and syncs are counted
// as they happen.
func TestMetricsCount(t *testing.T) {
	app := guestbook(automated(false, false, false))
	w := newWorld(t, app, defaultProject())
	w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "a", "", nil)}
	reg := prometheus.NewRegistry()
	w.r.Init(reg)
	reconcileOnce(t, w, "guestbook")
	m := w.r.metrics
	for name, got := range map[string]float64{
		"reconciles":      value(t, m.reconciles),
		"status writes":   value(t, m.statusWrites),
		"renders ok":      value(t, m.renders.WithLabelValues("ok")),
		"automated syncs": value(t, m.syncs.WithLabelValues("Succeeded", "automated")),
	} {
		if got != 1 {
			t.Errorf("%s = %v, want 1", name, got)
		}
	}
	var h dto.Metric
	if err := m.syncSeconds.(prometheus.Metric).Write(&h); err != nil || h.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("sync durations observed = %d (%v), want 1", h.GetHistogram().GetSampleCount(), err)
	}
}

// value sums the counters c collects.
func value(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)
	var sum float64
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		sum += d.GetCounter().GetValue()
	}
	return sum
}
