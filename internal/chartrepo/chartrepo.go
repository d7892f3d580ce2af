// Package chartrepo serves a Helm chart repository for tests and
// benchmarks: a static index.yaml and chart archives, packaged with the
// Helm SDK, over HTTP or HTTPS, optionally behind basic auth, as GitHub
// Pages or ChartMuseum serve them. It logs every request.
package chartrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repov1 "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// Server is a chart repository; its methods are safe for concurrent use.
type Server struct {
	// URL is the repository's URL (index.yaml under it).
	URL string
	// CA is the PEM certificate of an HTTPS server; nil over HTTP.
	CA []byte

	srv        *httptest.Server
	tls        bool
	user, pass string
	absolute   bool
	prefix     string

	mu       sync.Mutex
	index    *repov1.IndexFile
	files    map[string][]byte
	requests map[string]int
	auth     []string
}

// An Option configures a Server.
type Option func(*Server)

// WithTLS serves HTTPS with a self-signed certificate (Server.CA).
func WithTLS() Option { return func(s *Server) { s.tls = true } }

// WithBasicAuth requires basic auth for every request.
func WithBasicAuth(user, pass string) Option { return func(s *Server) { s.user, s.pass = user, pass } }

// WithAbsoluteURLs writes absolute archive URLs into the index, as
// ChartMuseum does; by default they are relative, as `helm repo index`
// writes them.
func WithAbsoluteURLs() Option { return func(s *Server) { s.absolute = true } }

// WithPath serves the repository under a path prefix ("/charts").
func WithPath(prefix string) Option {
	return func(s *Server) { s.prefix = "/" + strings.Trim(prefix, "/") }
}

// New starts a repository, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{index: repov1.NewIndexFile(), files: map[string][]byte{}, requests: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if s.tls {
		s.srv.StartTLS()
		s.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL + s.prefix
	t.Cleanup(s.srv.Close)
	s.writeIndex()
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	if u, p, ok := r.BasicAuth(); ok {
		s.auth = append(s.auth, u+":"+p)
	} else if h := r.Header.Get("Authorization"); h != "" {
		s.auth = append(s.auth, h)
	}
	body, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if s.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(body)
}

// Chart describes a chart to publish. Files are relative to the chart's
// folder; Chart.yaml is written from Name and Version unless Files has
// one, and a ConfigMap template named after the chart is added when Files
// has no template.
type Chart struct {
	Name, Version string
	Files         map[string]string
}

// Publish packages the chart with the Helm SDK, adds it to the index and
// returns the archive's path under the repository ("/web-1.2.3.tgz").
func (s *Server) Publish(t testing.TB, c Chart) string {
	t.Helper()
	chrt := load(t, c)
	name, body := Package(t, c)
	sum := sha256.Sum256(body)
	base := ""
	if s.absolute {
		base = s.URL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.index.MustAdd(chrt.Metadata, name, base, hex.EncodeToString(sum[:])); err != nil {
		t.Fatalf("chartrepo: index: %v", err)
	}
	s.files[s.prefix+"/"+name] = body
	s.writeIndexLocked()
	return "/" + name
}

// Package packages the chart with the Helm SDK, as `helm package` does,
// and returns the archive's file name and content.
func Package(t testing.TB, c Chart) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	file, err := chartutil.Save(load(t, c), dir)
	if err != nil {
		t.Fatalf("chartrepo: package chart: %v", err)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(file), body
}

// load builds the chart of c in memory.
func load(t testing.TB, c Chart) *chartv2.Chart {
	t.Helper()
	files := map[string]string{}
	for k, v := range c.Files {
		files[k] = v
	}
	if _, ok := files["Chart.yaml"]; !ok {
		files["Chart.yaml"] = fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\n", c.Name, c.Version)
	}
	hasTemplate := false
	for k := range files {
		hasTemplate = hasTemplate || strings.HasPrefix(k, "templates/")
	}
	if !hasTemplate {
		files["templates/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + c.Name +
			"\ndata:\n  version: {{ .Chart.Version | quote }}\n  greeting: {{ .Values.greeting | default \"hello\" | quote }}\n"
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	var buffered []*archive.BufferedFile
	for _, k := range names {
		buffered = append(buffered, &archive.BufferedFile{Name: k, Data: []byte(files[k])})
	}
	chrt, err := loader.LoadFiles(buffered)
	if err != nil {
		t.Fatalf("chartrepo: load chart %s: %v", c.Name, err)
	}
	return chrt
}

// SetFile replaces what the server answers at path (under the
// repository's prefix): a corrupt archive, a hostile one, a broken index.
func (s *Server) SetFile(p string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path.Join(s.prefix, p)] = body
	if p == "/index.yaml" || p == "index.yaml" {
		s.index = nil
	}
}

func (s *Server) writeIndex() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeIndexLocked()
}

func (s *Server) writeIndexLocked() {
	if s.index == nil {
		return
	}
	s.index.SortEntries()
	b, err := yaml.Marshal(s.index)
	if err != nil {
		panic(err)
	}
	s.files[s.prefix+"/index.yaml"] = b
}

// Requests returns how many requests reached path (under the prefix:
// "/index.yaml").
func (s *Server) Requests(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path.Join(s.prefix, p)]
}

// Authorizations returns the credentials requests carried, as
// "user:password" or the Authorization header.
func (s *Server) Authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// File returns what the server answers at path (under the prefix).
func (s *Server) File(p string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.files[path.Join(s.prefix, p)]...)
}
