package controller_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
	"github.com/tether-gitops/tether/internal/install"
)

// repoSecret creates an Argo CD repository Secret for url in argocd.
func repoSecret(t *testing.T, name string, data map[string]string) {
	t.Helper()
	credsSecret(t, name, "repository", data)
}

// credsSecret creates an Argo CD Secret of kind (repository, repo-creds)
// in argocd.
func credsSecret(t *testing.T, name, kind string, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: argocd,
			Labels: map[string]string{"argocd.argoproj.io/secret-type": kind}},
		StringData: data,
	}
	if _, err := cluster.Client.CoreV1().Secrets(argocd).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Secrets(argocd).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// TestPrivateRepository: credentials come from Argo CD's repository Secret;
// without one the app says authentication is needed, and the password never
// appears in the status.
func TestPrivateRepository(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const password = "s3cret-pa55word"
	srv := gittest.NewServer(t, gittest.WithBasicAuth("deployer", password))
	repo := srv.NewRepo("private", map[string]string{"m/a.yaml": configMap("a", "1")})

	ns := cluster.Namespace(t)
	name := "private-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	app := waitApp(t, name, "an authentication error", func(app *appv1.Application) bool {
		return condition(app, appv1.ApplicationConditionComparisonError) != ""
	})
	if msg := condition(app, appv1.ApplicationConditionComparisonError); !strings.Contains(strings.ToLower(msg), "auth") {
		t.Errorf("condition %q does not say authentication is needed", msg)
	}

	repoSecret(t, "repo-"+ns, map[string]string{"url": repo.URL, "username": "deployer", "password": password})
	refresh(t, name)
	app = waitApp(t, name, "Synced with credentials", syncedHealthy(repo.Head()))
	if b, _ := (app.Status.Conditions), password; strings.Contains(strings.Join(conditionMessages(b), " "), password) {
		t.Errorf("the password leaked into a condition")
	}
}

func conditionMessages(cs []appv1.ApplicationCondition) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Message)
	}
	return out
}

// TestSSHRepository: an ssh repository with the key from a repository
// Secret; the host key is checked unless the Secret says insecure.
func TestSSHRepository(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("overssh", map[string]string{"m/a.yaml": configMap("a", "1")})
	ssh := srv.StartSSH()
	ns := cluster.Namespace(t)
	url := ssh.URL(repo)
	repoSecret(t, "ssh-"+ns, map[string]string{"url": url, "sshPrivateKey": string(ssh.PrivateKey), "insecure": "true"})
	name := "ssh-" + ns
	applyApp(t, dirApp(name, url, "m", ns, autoPrune), nil)
	waitApp(t, name, "Synced over ssh", syncedHealthy(repo.Head()))
}

// TestKustomizeApplication: a kustomization with Argo CD's kustomize options.
func TestKustomizeApplication(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("kust", map[string]string{
		"base/kustomization.yaml": "resources:\n  - cm.yaml\n",
		"base/cm.yaml":            configMap("settings", "1"),
		"prod/kustomization.yaml": "resources:\n  - ../base\ncommonLabels:\n  env: prod\n",
	})
	ns := cluster.Namespace(t)
	name := "kust-" + ns
	applyApp(t, dirApp(name, repo.URL, "prod", ns, autoPrune), func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "prod-", "spec", "source", "kustomize", "namePrefix")
	})
	app := waitApp(t, name, "Synced", syncedHealthy(repo.Head()))
	if app.Status.SourceType != appv1.ApplicationSourceTypeKustomize {
		t.Errorf("source type %s", app.Status.SourceType)
	}
	cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "prod-settings", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels["env"] != "prod" {
		t.Errorf("labels %v", cm.Labels)
	}
}

// TestInstallIsIdempotent: a second install changes nothing.
func TestInstallIsIdempotent(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	changes, err := newInstaller(t).Install(context.Background(), argocd)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Action != "unchanged" {
			t.Errorf("%s %s %s on a second install", c.Kind, c.Name, c.Action)
		}
	}
	if len(changes) < 4 {
		t.Errorf("changes %v: want the CRDs, the namespace and the project", changes)
	}
}

var _ = install.FieldManager
