package controller_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestSSHKnownHosts: without insecure, the ssh host key is checked against
// Argo CD's argocd-ssh-known-hosts-cm (key ssh_known_hosts) in the
// controller's namespace. A server listed with its own key is used; one
// listed with another server's key is refused with a condition that says
// so, and nothing is deployed.
func TestSSHKnownHosts(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("known", map[string]string{"m/a.yaml": configMap("a", "1")})
	good, bad := srv.StartSSH(), srv.StartSSH()
	goodLine, err := os.ReadFile(good.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	// bad's address with good's host key: a mismatch.
	wrongLine := strings.Replace(string(goodLine), knownhosts.Normalize(good.Addr), knownhosts.Normalize(bad.Addr), 1)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-ssh-known-hosts-cm", Namespace: argocd},
		Data:       map[string]string{"ssh_known_hosts": "# test hosts\n" + string(goodLine) + wrongLine},
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(argocd).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().ConfigMaps(argocd).Delete(context.Background(), cm.Name, metav1.DeleteOptions{})
	})

	goodNS, badNS := cluster.Namespace(t), cluster.Namespace(t)
	repoSecret(t, "kh-good-"+goodNS, map[string]string{"url": good.URL(repo), "sshPrivateKey": string(good.PrivateKey)})
	repoSecret(t, "kh-bad-"+badNS, map[string]string{"url": bad.URL(repo), "sshPrivateKey": string(bad.PrivateKey)})
	applyApp(t, dirApp("kh-good-"+goodNS, good.URL(repo), "m", goodNS, autoPrune), nil)
	applyApp(t, dirApp("kh-bad-"+badNS, bad.URL(repo), "m", badNS, autoPrune), nil)

	waitApp(t, "kh-good-"+goodNS, "Synced over ssh with a known host key", syncedHealthy(repo.Head()))
	app := waitApp(t, "kh-bad-"+badNS, "a host key error", func(app *appv1.Application) bool {
		return condition(app, appv1.ApplicationConditionComparisonError) != ""
	})
	if msg := condition(app, appv1.ApplicationConditionComparisonError); !strings.Contains(msg, "host key") || !strings.Contains(msg, "does not match") {
		t.Errorf("condition %q does not say the host key does not match", msg)
	}
	if app.Status.Sync.Status == appv1.SyncStatusCodeSynced {
		t.Errorf("sync status %s with a refused host key", app.Status.Sync.Status)
	}
	if strings.Contains(condition(app, appv1.ApplicationConditionComparisonError), "PRIVATE KEY") {
		t.Error("the condition contains the private key")
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(badNS).Get(context.Background(), "a", metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("ConfigMap a deployed from a server with a wrong host key (err %v)", err)
	}
}
