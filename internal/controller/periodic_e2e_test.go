package controller_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestPeriodicReconcile: with no webhook and no refresh, the periodic
// reconcile finds a new commit by itself (here every second instead of
// every two minutes), and writes nothing while there is none. All it reads
// is this test's own: its repository's ref listings and its Application.
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
	// Periodic reconciles keep looking at this repository (a ref listing
	// each time the one-second revision cache expires) and, while nothing
	// changed, write nothing...
	listings := srv.Listings(repo.Name)
	looks := func(n int) {
		clustertest.PollDetail(t, 30*time.Second, fmt.Sprintf("%d periodic looks at the repository", n),
			func() string {
				return fmt.Sprintf("%d ref listings of %s since Synced", srv.Listings(repo.Name)-listings, repo.Name)
			},
			func(context.Context) (bool, error) { return srv.Listings(repo.Name) >= listings+n, nil })
	}
	looks(1)
	before, err := controllertest.GetApp(context.Background(), dyn, home, "polled")
	if err != nil {
		t.Fatal(err)
	}
	looks(4)
	after, err := controllertest.GetApp(context.Background(), dyn, home, "polled")
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("periodic reconciles with nothing changed wrote the Application: resourceVersion %s → %s", before.ResourceVersion, after.ResourceVersion)
	}
	// ...and still find a new commit.
	next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
	waitIn(t, home, "polled", "the new commit found without a trigger", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == next
	})
}
