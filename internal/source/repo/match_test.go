package repo

import (
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

func TestMatch(t *testing.T) {
	t.Parallel()
	secrets := []corev1.Secret{
		secret("org-creds", SecretTypeRepoCreds, map[string]string{"url": "https://charts.example.com/org", "type": "helm", "username": "org", "password": "org-pw"}),
		secret("team-creds", SecretTypeRepoCreds, map[string]string{"url": "https://charts.example.com/org/team/", "username": "team", "password": "team-pw", "forceHttpBasicAuth": "true"}),
		secret("host-creds", SecretTypeRepoCreds, map[string]string{"url": "https://charts.example.com", "type": "helm", "bearerToken": "host-token", "insecure": "true"}),
		secret("git-creds", SecretTypeRepoCreds, map[string]string{"url": "https://charts.example.com/gitonly", "type": "git", "username": "git"}),
		secret("exact", SecretTypeRepository, map[string]string{"url": "https://charts.example.com/org/team/stable", "type": "helm", "username": "app", "password": "app-pw"}),
		secret("settings-only", SecretTypeRepository, map[string]string{"url": "https://charts.example.com/org/team/insecure/", "type": "helm", "insecure": "TRUE"}),
		secret("oci-repo", SecretTypeRepository, map[string]string{"url": "ghcr.io/acme/charts", "type": "helm", "enableOCI": "true", "username": "ghcr"}),
		secret("oci-creds", SecretTypeRepoCreds, map[string]string{"url": "oci://registry.example.com/team", "type": "oci", "password": "reg-pw", "insecureOCIForceHttp": "1"}),
		secret("git-repo", SecretTypeRepository, map[string]string{"url": "https://charts.example.com/gitrepo", "type": "git", "username": "gitrepo"}),
		{ObjectMeta: metav1.ObjectMeta{Name: "unlabelled"}, Data: map[string][]byte{"url": []byte("https://charts.example.com/other"), "username": []byte("nope")}},
	}
	tests := []struct {
		name, url      string
		wantUser       string
		wantToken      string
		wantURL        string
		wantInsecure   bool
		wantOCI        bool
		wantForceHTTP  bool
		wantForceBasic bool
		wantNil        bool
	}{
		{name: "repository secret beats repo-creds", url: "https://charts.example.com/org/team/stable", wantUser: "app", wantURL: "https://charts.example.com/org/team/stable"},
		{name: "exact match ignores host case and trailing slash", url: "https://CHARTS.example.com/org/team/stable/", wantUser: "app"},
		{name: "longest prefix wins", url: "https://charts.example.com/org/team/other", wantUser: "team", wantForceBasic: true},
		{name: "trailing slash of the prefix matches the bare URL", url: "https://charts.example.com/org/team", wantUser: "team", wantForceBasic: true},
		{name: "shorter prefix", url: "https://charts.example.com/org/x", wantUser: "org"},
		{name: "plain string prefix as in Argo CD", url: "https://charts.example.com/org-two/x", wantUser: "org"},
		{name: "host prefix; repo-creds never set insecure", url: "https://charts.example.com/zzz", wantToken: "host-token"},
		{name: "repository without credentials inherits, keeps its insecure", url: "https://charts.example.com/org/team/insecure", wantUser: "team", wantInsecure: true, wantForceBasic: true, wantURL: "https://charts.example.com/org/team/insecure/"},
		{name: "git repo-creds are skipped", url: "https://charts.example.com/gitonly/x", wantToken: "host-token"},
		{name: "git repository secrets are skipped", url: "https://charts.example.com/gitrepo", wantToken: "host-token"},
		{name: "oci without scheme matches with scheme", url: "oci://ghcr.io/acme/charts", wantUser: "ghcr", wantOCI: true},
		{name: "oci repo-creds prefix", url: "registry.example.com/team/chart", wantForceHTTP: true, wantURL: "oci://registry.example.com/team"},
		{name: "oci repo-creds prefix with scheme", url: "oci://registry.example.com/team/chart", wantForceHTTP: true},
		{name: "unlabelled secrets ignored", url: "https://other.example.com/x", wantNil: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Match(secrets, tc.url)
			if tc.wantNil {
				if got != nil {
					t.Fatalf("Match = %v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("Match = nil")
			}
			if got.Username != tc.wantUser || got.BearerToken != tc.wantToken || got.Insecure != tc.wantInsecure ||
				got.EnableOCI != tc.wantOCI || got.InsecureOCIForceHTTP != tc.wantForceHTTP || got.ForceHTTPBasicAuth != tc.wantForceBasic {
				t.Errorf("Match = %v (token %t), want user %q token %q insecure %t oci %t forceHttp %t forceBasic %t", got, got.BearerToken != "",
					tc.wantUser, tc.wantToken, tc.wantInsecure, tc.wantOCI, tc.wantForceHTTP, tc.wantForceBasic)
			}
			if tc.wantURL != "" && got.URL != tc.wantURL {
				t.Errorf("URL = %q, want %q", got.URL, tc.wantURL)
			}
		})
	}
}

func TestMatchOrderIndependent(t *testing.T) {
	t.Parallel()
	a := secret("a", SecretTypeRepository, map[string]string{"url": "https://h/x", "username": "a"})
	b := secret("b", SecretTypeRepository, map[string]string{"url": "https://h/x/", "username": "b"})
	for _, list := range [][]corev1.Secret{{a, b}, {b, a}} {
		if got := Match(list, "https://h/x"); got == nil || got.Username != "a" {
			t.Fatalf("Match = %v, want user a", got)
		}
	}
}

func TestMatchStringData(t *testing.T) {
	t.Parallel()
	s := secret("s", SecretTypeRepository, nil)
	s.StringData = map[string]string{"url": "https://h/x", "password": "pw", "tlsClientCertData": "CERT", "tlsClientCertKey": "KEY", "proxy": "http://proxy:3128", "noProxy": "h"}
	got := Match([]corev1.Secret{s}, "https://h/x")
	if got == nil || got.Password != "pw" || string(got.TLSClientCert) != "CERT" || string(got.TLSClientKey) != "KEY" || got.Proxy == "" || got.NoProxy != "h" {
		t.Fatalf("Match = %v", got)
	}
}
