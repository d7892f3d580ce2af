package chartsource

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/source/oci"
)

// record is a store that remembers what it was asked.
type record struct{ helm, oci []string }

type fakeHelm struct{ r *record }

func (f fakeHelm) Resolve(_ context.Context, c Chart, rev string, _ time.Time) (string, error) {
	u := ""
	if c.Creds != nil {
		u = c.Creds.Username
	}
	f.r.helm = append(f.r.helm, c.RepoURL+" "+c.Name+" "+rev+" user="+u+" ca="+string(c.CA))
	return "1.2.3", nil
}

func (f fakeHelm) Fetch(_ context.Context, c Chart, v string) (string, error) {
	return "/charts/" + c.Name + "-" + v, nil
}

type fakeOCI struct{ r *record }

func (f fakeOCI) Resolve(_ context.Context, a Artifact, rev string, _ time.Time) (oci.Resolved, error) {
	plain := ""
	if a.PlainHTTP {
		plain = " plain"
	}
	user := ""
	if a.Creds != nil {
		user = a.Creds.Username
	}
	f.r.oci = append(f.r.oci, a.Repository+" "+rev+plain+" user="+user)
	return oci.Resolved{Tag: rev, Digest: "sha256:abc"}, nil
}

func (f fakeOCI) Fetch(_ context.Context, a Artifact, rev string) (oci.Fetched, error) {
	return oci.Fetched{Dir: "/oci/" + a.Repository}, nil
}

func secret(name, kind string, data map[string]string) corev1.Secret {
	return corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: name,
		Labels: map[string]string{"argocd.argoproj.io/secret-type": kind}}, StringData: data}
}

// TestLocate: which store serves a source, with which credentials and CA.
func TestLocate(t *testing.T) {
	secrets := []corev1.Secret{
		secret("charts", "repository", map[string]string{"url": "https://charts.example.com", "type": "helm", "username": "helmer", "password": "pw1"}),
		secret("ghcr", "repository", map[string]string{"url": "ghcr.io/acme", "type": "helm", "enableOCI": "true", "username": "ociuser", "password": "pw2"}),
		secret("local", "repo-creds", map[string]string{"url": "oci://localhost:5000", "insecureOCIForceHttp": "true", "username": "dev", "password": "pw3"}),
	}
	tests := []struct {
		name     string
		src      appv1.ApplicationSource
		wantHelm string
		wantOCI  string
		wantErr  string
		wantRev  string
	}{
		{name: "a Helm repository", src: appv1.ApplicationSource{RepoURL: "https://charts.example.com", Chart: "redis", TargetRevision: "^1"},
			wantHelm: "https://charts.example.com redis ^1 user=helmer ca=PEM", wantRev: "1.2.3"},
		{name: "a Helm repository without credentials", src: appv1.ApplicationSource{RepoURL: "https://other.example.com/charts", Chart: "x", TargetRevision: "1.0.0"},
			wantHelm: "https://other.example.com/charts x 1.0.0 user= ca="},
		{name: "oci:// with a chart", src: appv1.ApplicationSource{RepoURL: "oci://registry.example.com/charts", Chart: "web", TargetRevision: "2.x"},
			wantOCI: "registry.example.com/charts/web 2.x user=", wantRev: "2.x"},
		{name: "Argo CD's form without scheme, enableOCI", src: appv1.ApplicationSource{RepoURL: "ghcr.io/acme", Chart: "api", TargetRevision: "1.0.0"},
			wantOCI: "ghcr.io/acme/api 1.0.0 user=ociuser"},
		{name: "an OCI artifact of manifests", src: appv1.ApplicationSource{RepoURL: "oci://localhost:5000/app", Path: ".", TargetRevision: "v1"},
			wantOCI: "localhost:5000/app v1 plain user=dev", wantRev: "sha256:abc"},
		{name: "no scheme, no enableOCI", src: appv1.ApplicationSource{RepoURL: "charts.example.org", Chart: "x"}, wantErr: "no scheme"},
		{name: "another scheme", src: appv1.ApplicationSource{RepoURL: "s3://bucket", Chart: "x"}, wantErr: "only http(s)://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &record{}
			s := &Sources{Helm: fakeHelm{r}, OCI: fakeOCI{r},
				Secrets: func(context.Context) ([]corev1.Secret, error) { return secrets, nil },
				TLSCerts: func(context.Context) (map[string]string, error) {
					return map[string]string{"charts.example.com": "PEM"}, nil
				},
			}
			if !s.Handles(tt.src) {
				t.Fatalf("Handles(%+v) = false", tt.src)
			}
			rev, err := s.Resolve(context.Background(), tt.src, time.Time{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRev != "" && rev != tt.wantRev {
				t.Errorf("revision = %q, want %q (a chart's version, an artifact's digest)", rev, tt.wantRev)
			}
			if got := strings.Join(r.helm, "|"); got != tt.wantHelm {
				t.Errorf("helm asked %q, want %q", got, tt.wantHelm)
			}
			if got := strings.Join(r.oci, "|"); got != tt.wantOCI {
				t.Errorf("oci asked %q, want %q", got, tt.wantOCI)
			}
		})
	}
}

// TestFetchMarksCharts: a Helm repository's files are a chart.
func TestFetchMarksCharts(t *testing.T) {
	r := &record{}
	s := &Sources{Helm: fakeHelm{r}, OCI: fakeOCI{r}}
	f, err := s.Fetch(context.Background(), appv1.ApplicationSource{RepoURL: "https://c.example", Chart: "redis"}, "1.2.3")
	if err != nil || !f.Chart || f.Dir != "/charts/redis-1.2.3" {
		t.Errorf("Fetch = %+v, %v", f, err)
	}
	if s.Handles(appv1.ApplicationSource{RepoURL: "https://git.example/r.git", Path: "app"}) {
		t.Error("a Git source is handled as a chart")
	}
}

// TestSecretsError: a failure to read Secrets is reported, not taken for
// anonymous access.
func TestSecretsError(t *testing.T) {
	s := &Sources{Helm: fakeHelm{&record{}}, Secrets: func(context.Context) ([]corev1.Secret, error) { return nil, errors.New("forbidden") }}
	if _, err := s.Resolve(context.Background(), appv1.ApplicationSource{RepoURL: "https://c.example", Chart: "x"}, time.Time{}); err == nil {
		t.Error("Resolve succeeded without Secrets")
	}
}
