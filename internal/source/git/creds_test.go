package git

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret(name, kind string, data map[string]string) corev1.Secret {
	s := corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "argocd", Labels: map[string]string{SecretTypeLabel: kind}},
		Data:       map[string][]byte{},
	}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestMatchCredentials(t *testing.T) {
	t.Parallel()
	secrets := []corev1.Secret{
		secret("org-creds", SecretTypeRepoCreds, map[string]string{"url": "https://git.example.com/org", "username": "org", "password": "org-pw"}),
		secret("team-creds", SecretTypeRepoCreds, map[string]string{"url": "https://git.example.com/org/team", "username": "team", "password": "team-pw"}),
		secret("host-creds", SecretTypeRepoCreds, map[string]string{"url": "https://git.example.com", "bearerToken": "host-token"}),
		secret("exact", SecretTypeRepository, map[string]string{"url": "https://git.example.com/org/team/app.git", "username": "app", "password": "app-pw"}),
		secret("settings-only", SecretTypeRepository, map[string]string{"url": "https://git.example.com/org/team/insecure", "insecure": "true"}),
		secret("ssh-creds", SecretTypeRepoCreds, map[string]string{"url": "git@git.example.com:org", "sshPrivateKey": "KEY"}),
		secret("helm", SecretTypeRepository, map[string]string{"url": "https://git.example.com/org/chart", "type": "helm", "username": "helm"}),
		{ObjectMeta: metav1.ObjectMeta{Name: "unlabelled"}, Data: map[string][]byte{"url": []byte("https://git.example.com/org/other"), "username": []byte("nope")}},
	}
	tests := []struct {
		name, url    string
		wantUser     string
		wantToken    string
		wantKey      string
		wantInsecure bool
		wantNil      bool
	}{
		{name: "repository secret beats repo-creds", url: "https://git.example.com/org/team/app", wantUser: "app"},
		{name: "exact match ignores case and .git", url: "https://GIT.example.com/Org/Team/App.git/", wantUser: "app"},
		{name: "longest prefix wins", url: "https://git.example.com/org/team/other", wantUser: "team"},
		{name: "shorter prefix", url: "https://git.example.com/org/x", wantUser: "org"},
		{name: "plain string prefix as in Argo CD", url: "https://git.example.com/org-two/x", wantUser: "org"},
		{name: "host prefix", url: "https://git.example.com/zzz/x", wantToken: "host-token"},
		{name: "repository without credentials inherits", url: "https://git.example.com/org/team/insecure", wantUser: "team", wantInsecure: true},
		{name: "ssh prefix", url: "ssh://git@git.example.com/org/repo", wantKey: "KEY"},
		{name: "helm secrets are skipped", url: "https://git.example.com/org/chart", wantUser: "org"},
		{name: "no match", url: "https://other.example.com/org/repo", wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchCredentials(secrets, tt.url)
			if tt.wantNil {
				if got != nil {
					t.Fatalf("got %v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("got nil")
			}
			if got.Username != tt.wantUser || got.BearerToken != tt.wantToken || string(got.SSHPrivateKey) != tt.wantKey || got.Insecure != tt.wantInsecure {
				t.Errorf("got user=%q token set=%v key=%q insecure=%v", got.Username, got.BearerToken != "", got.SSHPrivateKey, got.Insecure)
			}
		})
	}
}

func TestMatchCredentialsStringData(t *testing.T) {
	t.Parallel()
	s := secret("repo", SecretTypeRepository, nil)
	s.StringData = map[string]string{"url": "https://h/r", "username": "u", "password": "p"}
	got := MatchCredentials([]corev1.Secret{s}, "https://h/r.git")
	if got == nil || got.Username != "u" || got.Password != "p" {
		t.Fatalf("got %v", got)
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	c := Credentials{
		Username: "alice", Password: "pa55word", BearerToken: "t0ken-value",
		SSHPrivateKey: []byte("-----BEGIN KEY-----"), TLSClientKey: []byte("tls-key-data"),
		Proxy: "http://proxyuser:proxypass@proxy:3128",
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v", &c, &c, &c), string(js), fmt.Sprint(c.MarshalLog()),
		fmt.Sprintf("%v %+v", struct{ C Credentials }{c}, struct{ C Credentials }{c}),
	}
	for _, out := range outputs {
		for _, secret := range []string{"pa55word", "t0ken-value", "BEGIN KEY", "tls-key-data", "proxypass"} {
			if strings.Contains(out, secret) {
				t.Errorf("output %q contains %q", out, secret)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(c), "alice") {
		t.Errorf("String() = %q, want the user name", c.String())
	}
}
