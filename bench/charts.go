package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repov1 "helm.sh/helm/v4/pkg/repo/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// chartServer is a Helm chart repository of static files, as GitHub Pages
// serves one, counting the requests of each path.
type chartServer struct {
	url  string
	srv  *http.Server
	mu   sync.Mutex
	hits map[string]int
}

// serveCharts packages each chart version of name (one ConfigMap per
// release) with the Helm SDK, writes index.yaml, and serves dir.
func serveCharts(dir, name string, versions ...string) (*chartServer, error) {
	tmpl := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  version: {{ .Chart.Version | quote }}\n"
	for _, v := range versions {
		chrt, err := loader.LoadFiles([]*archive.BufferedFile{
			{Name: "Chart.yaml", Data: fmt.Appendf(nil, "apiVersion: v2\nname: %s\nversion: %s\n", name, v)},
			{Name: "templates/cm.yaml", Data: []byte(tmpl)},
		})
		if err != nil {
			return nil, err
		}
		if _, err := chartutil.Save(chrt, dir); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &chartServer{url: "http://" + ln.Addr().String(), hits: map[string]int{}}
	idx, err := repov1.IndexDirectory(dir, s.url)
	if err != nil {
		return nil, err
	}
	idx.SortEntries()
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		return nil, err
	}
	files := http.FileServer(http.Dir(dir))
	s.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		files.ServeHTTP(w, r)
	})}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// requests counts the requests for index.yaml and for chart archives.
func (s *chartServer) requests() (index, archives int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, n := range s.hits {
		switch {
		case strings.HasSuffix(p, "/index.yaml"):
			index += n
		case strings.HasSuffix(p, ".tgz"):
			archives += n
		}
	}
	return index, archives
}

func (s *chartServer) close() { _ = s.srv.Close() }

// chartResult is a cold sync of Applications of one published chart.
type chartResult struct {
	coldResult
	index, archives int
}

// chartCold syncs n Applications of one chart of a Helm repository, each
// rendering one ConfigMap, created before the controller starts; the
// repository must see one index.yaml and one archive request for all of
// them.
func (e *env) chartCold(ctx context.Context, prefix string, n int) (chartResult, error) {
	ns := prefix + "-dest"
	if err := e.namespace(ctx, ns); err != nil {
		return chartResult{}, err
	}
	dir := filepath.Join(e.dir, prefix+"-charts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return chartResult{}, err
	}
	charts, err := serveCharts(dir, "bench", "1.0.0", "1.1.0", "2.0.0")
	if err != nil {
		return chartResult{}, err
	}
	defer charts.close()
	apps := make([]*unstructured.Unstructured, n)
	for i := range n {
		app := appManifest(fmt.Sprintf("%s-%05d", prefix, i), charts.url, "", ns, false)
		src := app.Object["spec"].(map[string]any)["source"].(map[string]any)
		delete(src, "path")
		src["chart"], src["targetRevision"] = "bench", "^1.0"
		apps[i] = app
	}
	res, err := e.coldRun(ctx, prefix, apps, syncedHealthy("1.1.0"), true)
	if err != nil {
		return chartResult{}, err
	}
	out := chartResult{coldResult: res}
	out.index, out.archives = charts.requests()
	if out.index != 1 || out.archives != 1 {
		return out, fmt.Errorf("%d Applications of one chart version made %d index.yaml and %d archive requests, want 1 and 1", n, out.index, out.archives)
	}
	return out, nil
}

func (r *report) charts(res chartResult) {
	r.cold("Charts of a Helm repository: one chart version (one ConfigMap) per Application, created before the controller starts (clock from its start)", res.coldResult)
	fmt.Fprintf(r, "The chart repository served %d index.yaml and %d chart archive requests for the %d Applications.\n\n", res.index, res.archives, res.apps)
}
