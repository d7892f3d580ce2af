package controller_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestLeaderElection: two replicas elect one leader on a Lease; the other
// stands by, applying nothing and writing no status, and takes over when
// the leader stops.
func TestLeaderElection(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home := cluster.Namespace(t) // where these replicas' Applications and Lease live
	dest := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("leader", map[string]string{"m/a.yaml": configMap("a", "1"), "second/b.yaml": configMap("b", "1")})
	// What only a leader writes: the objects it applies, and the
	// Applications' status.
	w := leaderWrites{apply: "/api/v1/namespaces/" + dest + "/", status: "/apis/argoproj.io/v1alpha1/namespaces/" + home + "/"}

	// The first replica becomes the leader before the second starts.
	first, second := controllertest.NewRequests(), controllertest.NewRequests()
	stopFirst := startReplica(t, home, "first", countRequests(first))
	holder := waitLeader(t, home, "")
	startReplica(t, home, "second", countRequests(second))
	createIn(t, home, dirApp("first", repo.URL, "m", dest, autoPrune))
	waitConfigMap(t, dest, "a")
	waitAppIn(t, home, "first", syncedHealthy(repo.Head()))
	w.none(t, "the stand-by", second)
	w.some(t, "the leader", first)

	// The leader stops; the stand-by takes over and keeps deploying, and a
	// new stand-by writes nothing either.
	stopFirst()
	waitLeader(t, home, holder)
	stopped := w.count(first)
	third := controllertest.NewRequests()
	startReplica(t, home, "third", countRequests(third))
	createIn(t, home, dirApp("second", repo.URL, "second", dest, autoPrune))
	waitConfigMap(t, dest, "b")
	waitAppIn(t, home, "second", syncedHealthy(repo.Head()))
	w.none(t, "the new stand-by", third)
	w.some(t, "the new leader", second)
	if n := w.count(first); n != stopped {
		t.Errorf("the stopped leader made %d writes after it stopped", n-stopped)
	}
}

// leaderWrites are the path prefixes of the writes only the leader makes.
type leaderWrites struct{ apply, status string }

func (w leaderWrites) count(r *controllertest.Requests) int {
	return r.Writes(w.apply) + r.Writes(w.status)
}

// none fails the test if the replica counted by r applied an object or
// wrote a status.
func (w leaderWrites) none(t *testing.T, who string, r *controllertest.Requests) {
	t.Helper()
	if a, s := r.Writes(w.apply), r.Writes(w.status); a+s > 0 {
		t.Errorf("%s made %d writes under %s and %d under %s", who, a, w.apply, s, w.status)
	}
}

// some fails the test unless the replica counted by r applied and wrote
// status: the counting works.
func (w leaderWrites) some(t *testing.T, who string, r *controllertest.Requests) {
	t.Helper()
	if r.Writes(w.apply) == 0 || r.Writes(w.status) == 0 {
		t.Errorf("%s made %d writes under %s and %d under %s, want some of each", who, r.Writes(w.apply), w.apply, r.Writes(w.status), w.status)
	}
}

// countRequests makes r count the replica's API requests.
func countRequests(r *controllertest.Requests) func(*controller.Options) {
	return func(o *controller.Options) { o.Config = r.Config(o.Config) }
}

// waitAppIn polls the Application ns/name until cond holds.
func waitAppIn(t *testing.T, ns, name string, cond func(*appv1.Application) bool) {
	t.Helper()
	clustertest.Poll(t, 60*time.Second, fmt.Sprintf("Application %s/%s", ns, name), func(ctx context.Context) (bool, error) {
		app, err := controllertest.GetApp(ctx, dyn, ns, name)
		return err == nil && cond(app), nil
	})
}

// startReplica runs another controller, for Applications in home (where
// it creates the project "default"), until the test ends or the returned
// func is called.
func startReplica(t *testing.T, home, id string, edit ...func(*controller.Options)) context.CancelFunc {
	t.Helper()
	defaultProject(t, home)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := controller.DefaultOptions()
	opts.Config, opts.Namespace = cluster.Config, home
	opts.MetricsAddr, opts.HealthAddr, opts.WebhookAddr = "0", "0", "0"
	opts.SkipNameValidation = true
	opts.RepoCacheDir = filepath.Join(t.TempDir(), id)
	opts.Log = io.Discard
	for _, fn := range edit {
		fn(&opts)
	}
	go func() { _ = controller.Run(ctx, opts) }()
	return cancel
}

// waitLeader waits for a holder of the Lease other than previous and
// returns it.
func waitLeader(t *testing.T, ns, previous string) string {
	t.Helper()
	var holder string
	clustertest.Poll(t, 60*time.Second, "a leader other than "+previous, func(ctx context.Context) (bool, error) {
		var lease *coordinationv1.Lease
		lease, err := cluster.Client.CoordinationV1().Leases(ns).Get(ctx, "tether-controller", metav1.GetOptions{})
		if err != nil || lease.Spec.HolderIdentity == nil {
			return false, err
		}
		holder = *lease.Spec.HolderIdentity
		return holder != "" && holder != previous, nil
	})
	return holder
}

func createIn(t *testing.T, ns, manifest string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(ns)
	if _, err := dyn.Resource(appsGVR).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitConfigMap(t *testing.T, ns, name string) {
	t.Helper()
	clustertest.Poll(t, 60*time.Second, fmt.Sprintf("ConfigMap %s/%s", ns, name), func(ctx context.Context) (bool, error) {
		_, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil, nil
	})
}

func pollApp(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	clustertest.Poll(t, 60*time.Second, what, cond)
}
