package controllertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// WebhookSecret creates Argo CD's argocd-secret in ns with keys (such as
// "webhook.github.secret") and deletes it when the test ends.
func WebhookSecret(t *testing.T, c kubernetes.Interface, ns string, keys map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Namespace: ns}, StringData: keys}
	if _, err := c.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.CoreV1().Secrets(ns).Delete(context.Background(), "argocd-secret", metav1.DeleteOptions{})
	})
}

// GitHubPush is a GitHub push event for a commit on main of repoURL that
// adds and modifies the files given.
func GitHubPush(repoURL, before, after string, added, modified []string) []byte {
	if added == nil {
		added = []string{}
	}
	if modified == nil {
		modified = []string{}
	}
	b, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after,
		"repository": map[string]any{"html_url": repoURL, "clone_url": repoURL, "default_branch": "main"},
		"commits":    []any{map[string]any{"id": after, "added": added, "modified": modified, "removed": []string{}}},
	})
	return b
}

// SignGitHub is the X-Hub-Signature-256 header of payload under secret.
func SignGitHub(secret string, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// PostGitHub posts payload to url as a GitHub push event, with signature
// when not empty, and returns the status code.
func PostGitHub(t *testing.T, url string, payload []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
