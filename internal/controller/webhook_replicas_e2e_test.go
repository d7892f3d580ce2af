package controller_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestPushWebhookOnStandby: a push that reaches the replica that is not the
// leader, as a Service in front of two replicas sends half of them, still
// deploys the pushed commit at once; so does one that reaches the leader.
// The replicas reconcile every hour and trust a resolved revision for an
// hour: only the push explains the deploy.
func TestPushWebhookOnStandby(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home := cluster.Namespace(t) // the replicas' Applications, Lease and argocd-secret
	dest := cluster.Namespace(t)
	const secret = "standby-hook-secret"
	controllertest.WebhookSecret(t, cluster.Client, home, map[string]string{"webhook.github.secret": secret})
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("replicas", map[string]string{"m/a.yaml": configMap("a", "1")})

	leaderHook, standbyHook := freeAddr(t), freeAddr(t)
	startReplica(t, home, "hook-leader", slowReplica(leaderHook))
	waitLeader(t, home, "")
	startReplica(t, home, "hook-standby", slowReplica(standbyHook))
	createIn(t, home, dirApp("hooked", repo.URL, "m", dest, autoPrune))
	first := repo.Head()
	waitAppIn(t, home, "hooked", syncedHealthy(first))

	for i, hook := range []struct{ who, addr string }{{"stand-by", standbyHook}, {"leader", leaderHook}} {
		before := repo.Head()
		value := fmt.Sprint(i + 2)
		next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", value)})
		postSigned(t, "http://"+hook.addr+"/api/webhook", secret, controllertest.GitHubPush(repo.URL, before, next, nil, []string{"m/a.yaml"}))
		clustertest.Poll(t, 20*time.Second, "the commit pushed to the "+hook.who+" live", func(ctx context.Context) (bool, error) {
			cm, err := cluster.Client.CoreV1().ConfigMaps(dest).Get(ctx, "a", metav1.GetOptions{})
			return err == nil && cm.Data["value"] == value, nil
		})
		// The leader's reconcile removes the refresh annotation the
		// stand-by set.
		waitAppIn(t, home, "hooked", func(app *appv1.Application) bool {
			_, refresh := app.RefreshRequested()
			return syncedHealthy(next)(app) && !refresh
		})
	}
}

// slowReplica reconciles every hour, trusts resolved revisions for an hour
// and takes push webhooks on addr.
func slowReplica(addr string) func(*controller.Options) {
	return func(o *controller.Options) {
		o.ReconcileInterval, o.ReconcileJitter, o.RevisionCacheTTL = time.Hour, 0, time.Hour
		o.WebhookAddr = addr
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// postSigned posts a GitHub push signed with secret to url until it is
// taken (a replica's listener starts after its caches sync).
func postSigned(t *testing.T, url, secret string, payload []byte) {
	t.Helper()
	signature := controllertest.SignGitHub(secret, payload)
	clustertest.Poll(t, 30*time.Second, "push taken at "+url, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-Hub-Signature-256", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, nil // not listening yet
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("push answered %d", resp.StatusCode)
		}
		return true, nil
	})
}
