package oci_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-gitops/tether/internal/chartrepo"
	"github.com/tether-gitops/tether/internal/ociregistry"
	"github.com/tether-gitops/tether/internal/source/oci"
	"github.com/tether-gitops/tether/internal/source/repo"
)

func newStore(t *testing.T) *oci.Store {
	t.Helper()
	return oci.New(oci.Options{CacheDir: t.TempDir()})
}

func ref(reg *ociregistry.Registry, repository string, creds *repo.Credentials) oci.Ref {
	return oci.Ref{Repository: reg.Host + "/" + repository, PlainHTTP: reg.PlainHTTP, Creds: creds, CA: reg.CA}
}

// TestResolveTags: tags, constraints over Helm's "_" tags, digests.
func TestResolveTags(t *testing.T) {
	reg := ociregistry.New(t)
	for _, v := range []string{"1.0.0", "1.2.0", "1.2.1+build.7", "1.3.0-rc.1", "2.0.0"} {
		reg.PushChart(t, "charts/web", chartrepo.Chart{Name: "web", Version: v})
	}
	d120 := reg.PushChart(t, "charts/web", chartrepo.Chart{Name: "web", Version: "1.2.0"})
	s := newStore(t)
	r := ref(reg, "charts/web", nil)
	tests := []struct {
		revision, wantTag string
		wantErr           error
	}{
		{revision: "1.2.0", wantTag: "1.2.0"},
		{revision: "^1.0", wantTag: "1.2.1+build.7"},
		{revision: ">=1.3.0-0", wantTag: "2.0.0"},
		{revision: ">=1.3.0-0 <2", wantTag: "1.3.0-rc.1"},
		{revision: "*", wantTag: "2.0.0"},
		{revision: "^5", wantErr: oci.ErrNoMatch},
		{revision: "9.9.9", wantErr: oci.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.revision, func(t *testing.T) {
			got, err := s.Resolve(context.Background(), r, tt.revision, time.Time{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "charts/web") {
					t.Fatalf("Resolve(%q) = %+v, %v; want %v naming the repository", tt.revision, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Tag != tt.wantTag || !strings.HasPrefix(got.Digest, "sha256:") {
				t.Errorf("Resolve(%q) = %+v, %v; want tag %s", tt.revision, got, err, tt.wantTag)
			}
		})
	}
	if got, err := s.Resolve(context.Background(), r, d120, time.Time{}); err != nil || got.Digest != d120 {
		t.Errorf("Resolve(digest) = %+v, %v", got, err)
	}
}

// TestFetchChartAndManifests: a chart is its folder; manifests are the
// artifact's files; both over HTTPS with basic auth.
func TestFetchChartAndManifests(t *testing.T) {
	reg := ociregistry.New(t, ociregistry.WithTLS(), ociregistry.WithBasicAuth("puller", "oci-s3cret"))
	reg.PushChart(t, "charts/web", chartrepo.Chart{Name: "web", Version: "1.0.0", Files: map[string]string{"values.yaml": "a: 1\n"}})
	reg.PushManifests(t, "apps/guestbook", "v1", map[string]string{"base/cm.yaml": "kind: ConfigMap\n", "kustomization.yaml": "resources: [base/cm.yaml]\n"})
	creds := &repo.Credentials{URL: "oci://" + reg.Host, Username: "puller", Password: "oci-s3cret"}
	s := newStore(t)

	chart, err := s.Fetch(context.Background(), ref(reg, "charts/web", creds), "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(chart.Dir, "values.yaml")); !chart.Chart || err != nil || string(b) != "a: 1\n" {
		t.Errorf("chart = %+v, values %q, %v", chart, b, err)
	}
	res, err := s.Resolve(context.Background(), ref(reg, "apps/guestbook", creds), "v1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := s.Fetch(context.Background(), ref(reg, "apps/guestbook", creds), res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(files.Dir, "kustomization.yaml")); files.Chart || err != nil {
		t.Errorf("manifests = %+v: %v", files, err)
	}

	_, err = newStore(t).Resolve(context.Background(), ref(reg, "charts/web", nil), "1.0.0", time.Time{})
	if !errors.Is(err, oci.ErrUnauthorized) {
		t.Errorf("without credentials: %v, want ErrUnauthorized", err)
	}
	bad := &repo.Credentials{URL: "oci://" + reg.Host, Username: "puller", Password: "wrong-s3cret"}
	_, err = newStore(t).Resolve(context.Background(), ref(reg, "charts/web", bad), "1.0.0", time.Time{})
	if err == nil || strings.Contains(err.Error(), "wrong-s3cret") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestBadLayers: a corrupt layer, a hostile one, and an image that is not
// an artifact of manifests are refused.
func TestBadLayers(t *testing.T) {
	reg := ociregistry.New(t)
	reg.PushLayer(t, "bad/corrupt", "v1", ociregistry.TarGzipMediaType, []byte("not gzip at all"))
	reg.PushLayer(t, "bad/escape", "v1", ociregistry.TarGzipMediaType, ociregistry.TarGz(t, map[string]string{"../../evil.yaml": "x"}))
	reg.PushLayer(t, "bad/image", "v1", "application/vnd.docker.image.rootfs.diff.tar.gzip", []byte("x"))
	s := newStore(t)
	for repository, want := range map[string]string{"bad/corrupt": "gzip", "bad/escape": "leaves", "bad/image": "no layer"} {
		t.Run(repository, func(t *testing.T) {
			_, err := s.Fetch(context.Background(), ref(reg, repository, nil), "v1")
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), repository) {
				t.Errorf("Fetch = %v, want an error naming %s and %q", err, repository, want)
			}
		})
	}
}

// TestOnePullForMany: 50 Applications of one chart version: one tag list,
// one blob pull.
func TestOnePullForMany(t *testing.T) {
	reg := ociregistry.New(t)
	reg.PushChart(t, "charts/web", chartrepo.Chart{Name: "web", Version: "1.0.0"})
	s := newStore(t)
	r := ref(reg, "charts/web", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			res, err := s.Resolve(context.Background(), r, "^1", time.Time{})
			if err == nil {
				_, err = s.Fetch(context.Background(), r, res.Tag)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := reg.Requests("/tags/list"); len(got) != 1 {
		t.Errorf("tag list requests %v, want 1", got)
	}
	if got := reg.Requests("GET /v2/charts/web/blobs/"); len(got) != 1 {
		t.Errorf("blob pulls %v, want 1 (the chart layer)", got)
	}
}

// TestRegistryConfig: a Docker config JSON authenticates to the registry
// it names when no repository Secret matches, and its other entries go to
// no one.
func TestRegistryConfig(t *testing.T) {
	reg := ociregistry.New(t, ociregistry.WithBasicAuth("puller", "docker-pw"))
	reg.PushChart(t, "charts/web", chartrepo.Chart{Name: "web", Version: "1.0.0"})
	write := func(json string) string {
		p := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(p, []byte(json), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	basic := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	tests := []struct {
		name, config string
		wantErr      error
	}{
		{name: "auths entry of the registry", config: fmt.Sprintf(`{"auths":{%q:{"auth":%q},"other.example":{"auth":%q}}}`,
			reg.Host, basic("puller", "docker-pw"), basic("other", "other-pw"))},
		{name: "username and password fields", config: fmt.Sprintf(`{"auths":{%q:{"username":"puller","password":"docker-pw"}}}`, reg.Host)},
		{name: "entry of another registry only", config: fmt.Sprintf(`{"auths":{"other.example":{"auth":%q}}}`, basic("other", "other-pw")),
			wantErr: oci.ErrUnauthorized},
		{name: "credential helper never run", config: `{"credsStore":"evil","credHelpers":{"` + reg.Host + `":"evil"}}`,
			wantErr: oci.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := oci.New(oci.Options{CacheDir: t.TempDir(), RegistryConfig: write(tt.config)})
			_, err := s.Resolve(context.Background(), ref(reg, "charts/web", nil), "1.0.0", time.Time{})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve = %v, want %v", err, tt.wantErr)
			}
		})
	}
	for _, a := range reg.Authorizations() {
		if strings.Contains(a, basic("other", "other-pw")) {
			t.Errorf("the credentials of another registry were sent: %s", a)
		}
	}
}
