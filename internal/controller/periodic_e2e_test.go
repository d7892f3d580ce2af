package controller_test

import (
	"context"
	"testing"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestPeriodicReconcile: with no webhook and no refresh, the periodic
// reconcile finds a new commit by itself (here every second instead of
// every two minutes).
func TestPeriodicReconcile(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home := cluster.Namespace(t)
	dest := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("periodic", map[string]string{"m/a.yaml": configMap("a", "1")})
	startReplica(t, home, "periodic", func(o *controller.Options) {
		o.ReconcileInterval, o.ReconcileJitter, o.RevisionCacheTTL = time.Second, 0, time.Second
	})
	createIn(t, home, dirApp("polled", repo.URL, "m", dest, autoPrune))
	waitIn(t, home, "polled", "Synced", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == repo.Head()
	})
	// Periodic reconciles in which nothing changed stop early...
	quiet := counter(t, "tether_application_quiet_reconciles_total")
	clustertest.Poll(t, 30*time.Second, "a quiet periodic reconcile", func(context.Context) (bool, error) {
		return counter(t, "tether_application_quiet_reconciles_total") > quiet, nil
	})
	// ...and still find a new commit.
	next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
	waitIn(t, home, "polled", "the new commit found without a trigger", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == next
	})
}
