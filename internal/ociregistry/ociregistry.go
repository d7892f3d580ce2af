// Package ociregistry runs a real OCI registry in process for tests and
// benchmarks (go-containerregistry's registry behind httptest), over HTTP
// or HTTPS, optionally behind basic auth, and pushes Helm charts (as Helm
// pushes them) and artifacts of manifests to it. It logs every request.
package ociregistry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	helmregistry "helm.sh/helm/v4/pkg/registry"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/tether-gitops/tether/internal/chartrepo"
)

// Media types as Helm pushes charts.
const (
	HelmConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
	HelmChartMediaType  = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	TarGzipMediaType    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// Registry is a running registry; its methods are safe for concurrent use.
type Registry struct {
	// Host is "127.0.0.1:port", the registry part of references.
	Host string
	// CA is the PEM certificate of an HTTPS registry; nil over HTTP.
	CA []byte
	// PlainHTTP is true when the registry talks HTTP.
	PlainHTTP bool

	srv        *httptest.Server
	tls        bool
	user, pass string

	mu       sync.Mutex
	requests []string
	auth     []string
}

// An Option configures a Registry.
type Option func(*Registry)

// WithTLS serves HTTPS with a self-signed certificate (Registry.CA).
func WithTLS() Option { return func(r *Registry) { r.tls = true } }

// WithBasicAuth requires basic auth, challenging with WWW-Authenticate.
func WithBasicAuth(user, pass string) Option {
	return func(r *Registry) { r.user, r.pass = user, pass }
}

// New starts a registry, closed when the test ends.
func New(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	r := &Registry{}
	for _, o := range opts {
		o(r)
	}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.Path)
		if h := req.Header.Get("Authorization"); h != "" {
			r.auth = append(r.auth, h)
		}
		r.mu.Unlock()
		if r.user != "" {
			if u, p, ok := req.BasicAuth(); !ok || u != r.user || p != r.pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
		}
		inner.ServeHTTP(w, req)
	}))
	if r.tls {
		r.srv.StartTLS()
		r.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	} else {
		r.srv.Start()
		r.PlainHTTP = true
	}
	r.Host = strings.TrimPrefix(strings.TrimPrefix(r.srv.URL, "https://"), "http://")
	t.Cleanup(r.srv.Close)
	return r
}

// Requests returns the requests that reached the registry whose
// "METHOD /path" contains substr (all for "").
func (r *Registry) Requests(substr string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, q := range r.requests {
		if strings.Contains(q, substr) {
			out = append(out, q)
		}
	}
	return out
}

// Authorizations returns the Authorization headers requests carried.
func (r *Registry) Authorizations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

// PushChart packages the chart with the Helm SDK and pushes it to
// repository (its path under the registry, "charts/web") with Helm's media
// types, tagged with its version ("+" written "_", as Helm does). It
// returns the manifest's digest.
func (r *Registry) PushChart(t testing.TB, repository string, c chartrepo.Chart) string {
	t.Helper()
	_, body := chartrepo.Package(t, c)
	opts := []helmregistry.ClientOption{
		helmregistry.ClientOptWriter(io.Discard),
		helmregistry.ClientOptHTTPClient(r.client().Client),
		// Never the user's own registry logins.
		helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "registry.json")),
	}
	if r.user != "" {
		opts = append(opts, helmregistry.ClientOptBasicAuth(r.user, r.pass))
	}
	if r.PlainHTTP {
		opts = append(opts, helmregistry.ClientOptPlainHTTP())
	}
	client, err := helmregistry.NewClient(opts...)
	if err != nil {
		t.Fatalf("ociregistry: helm registry client: %v", err)
	}
	res, err := client.Push(body, r.Host+"/"+repository+":"+c.Version, helmregistry.PushOptStrictMode(false))
	if err != nil {
		t.Fatalf("ociregistry: helm push %s:%s: %v", repository, c.Version, err)
	}
	return res.Manifest.Digest
}

// PushManifests pushes files (path → content) as an artifact of one
// tar+gzip layer to repository:tag, as Argo CD's OCI sources read them.
func (r *Registry) PushManifests(t testing.TB, repository, tag string, files map[string]string) string {
	t.Helper()
	return r.PushLayer(t, repository, tag, TarGzipMediaType, TarGz(t, files))
}

// PushLayer pushes one layer of any media type (a corrupt one, say) as an
// artifact.
func (r *Registry) PushLayer(t testing.TB, repository, tag, mediaType string, layer []byte) string {
	t.Helper()
	return r.push(t, repository, tag, ocispec.MediaTypeEmptyJSON, []byte("{}"), mediaType, layer, "application/vnd.tether.test.manifests.v1")
}

func (r *Registry) push(t testing.TB, repository, tag, configType string, config []byte, layerType string, layer []byte, artifactType string) string {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	layerDesc := content.NewDescriptorFromBytes(layerType, layer)
	configDesc := content.NewDescriptorFromBytes(configType, config)
	for _, d := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{layerDesc, layer}, {configDesc, config}} {
		if err := store.Push(ctx, d.desc, bytes.NewReader(d.data)); err != nil {
			t.Fatalf("ociregistry: %v", err)
		}
	}
	manifest, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, artifactType, oras.PackManifestOptions{
		Layers: []ocispec.Descriptor{layerDesc}, ConfigDescriptor: &configDesc,
	})
	if err != nil {
		t.Fatalf("ociregistry: pack: %v", err)
	}
	if err := store.Tag(ctx, manifest, tag); err != nil {
		t.Fatal(err)
	}
	dst, err := remote.NewRepository(r.Host + "/" + repository)
	if err != nil {
		t.Fatal(err)
	}
	dst.PlainHTTP = r.PlainHTTP
	dst.Client = r.client()
	if _, err := oras.Copy(ctx, store, tag, dst, tag, oras.DefaultCopyOptions); err != nil {
		t.Fatalf("ociregistry: push %s:%s: %v", repository, tag, err)
	}
	return manifest.Digest.String()
}

func (r *Registry) client() *auth.Client {
	hc := &http.Client{}
	if r.tls {
		pool := x509.NewCertPool()
		pool.AddCert(r.srv.Certificate())
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	c := &auth.Client{Client: hc, Cache: auth.NewCache()}
	if r.user != "" {
		c.Credential = auth.StaticCredential(r.Host, auth.Credential{Username: r.user, Password: r.pass})
	}
	return c
}

// TarGz is files as a gzip-compressed tar, paths in order.
func TarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
