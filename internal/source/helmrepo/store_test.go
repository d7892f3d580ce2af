package helmrepo_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-gitops/tether/internal/chartrepo"
	"github.com/tether-gitops/tether/internal/source/helmrepo"
	"github.com/tether-gitops/tether/internal/source/repo"
)

func newStore(t *testing.T) *helmrepo.Store {
	t.Helper()
	return helmrepo.New(helmrepo.Options{CacheDir: t.TempDir()})
}

func publish(t *testing.T, srv *chartrepo.Server, name string, versions ...string) {
	t.Helper()
	for _, v := range versions {
		srv.Publish(t, chartrepo.Chart{Name: name, Version: v})
	}
}

// TestResolve: versions and constraints as Argo CD resolves them against
// index.yaml.
func TestResolve(t *testing.T) {
	srv := chartrepo.New(t)
	publish(t, srv, "web", "1.0.0", "1.2.0", "1.2.5", "1.3.0-rc.1", "2.0.0", "2.1.0-beta.1")
	s := newStore(t)
	chart := helmrepo.Chart{RepoURL: srv.URL, Name: "web"}
	tests := []struct {
		revision string
		want     string
		wantErr  error
	}{
		{revision: "1.2.0", want: "1.2.0"},
		{revision: "v1.2.0", want: "1.2.0"},
		{revision: "1.2", want: "1.2.0"},
		{revision: "^1.2", want: "1.2.5"},
		{revision: "~1.2.0", want: "1.2.5"},
		{revision: ">=1.0.0 <2.0.0", want: "1.2.5"},
		{revision: "1.x", want: "1.2.5"},
		{revision: "*", want: "2.0.0"},
		{revision: "", want: "2.0.0"},
		{revision: ">=1.3.0-0 <2.0.0", want: "1.3.0-rc.1"},
		{revision: "2.1.0-beta.1", want: "2.1.0-beta.1"},
		{revision: "1.3.0-rc.1", want: "1.3.0-rc.1"},
		{revision: "^3", wantErr: helmrepo.ErrNoMatch},
		{revision: "9.9.9", wantErr: helmrepo.ErrVersionNotFound},
		{revision: "stable", wantErr: helmrepo.ErrVersionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.revision, func(t *testing.T) {
			got, err := s.Resolve(context.Background(), chart, tt.revision, time.Time{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%q) = %q, %v; want %v", tt.revision, got, err, tt.wantErr)
				}
				for _, s := range []string{"web", srv.URL} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not name %s", err, s)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tt.revision, got, err, tt.want)
			}
		})
	}
	if _, err := s.Resolve(context.Background(), helmrepo.Chart{RepoURL: srv.URL, Name: "nope"}, "*", time.Time{}); !errors.Is(err, helmrepo.ErrChartNotFound) {
		t.Errorf("unknown chart: %v", err)
	}
	if n, _ := s.Downloads(); n != 1 {
		t.Errorf("%d index downloads for one repository, want 1", n)
	}
}

// TestNewVersionOnRefresh: a constraint picks up a newly published version
// when asked for an index no older than now.
func TestNewVersionOnRefresh(t *testing.T) {
	srv := chartrepo.New(t)
	publish(t, srv, "web", "1.0.0")
	s := newStore(t)
	chart := helmrepo.Chart{RepoURL: srv.URL, Name: "web"}
	if v, err := s.Resolve(context.Background(), chart, "^1", time.Time{}); err != nil || v != "1.0.0" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
	publish(t, srv, "web", "1.1.0")
	if v, _ := s.Resolve(context.Background(), chart, "^1", time.Time{}); v != "1.0.0" {
		t.Errorf("a cached index gave %q", v)
	}
	if v, err := s.Resolve(context.Background(), chart, "^1", time.Now()); err != nil || v != "1.1.0" {
		t.Errorf("after a refresh Resolve = %q, %v; want 1.1.0", v, err)
	}
}

// TestFetch: the chart's folder, extracted once, over HTTPS with basic
// auth and a custom CA.
func TestFetch(t *testing.T) {
	srv := chartrepo.New(t, chartrepo.WithTLS(), chartrepo.WithBasicAuth("reader", "s3cret-pw"))
	srv.Publish(t, chartrepo.Chart{Name: "web", Version: "1.0.0", Files: map[string]string{"values.yaml": "greeting: hi\n"}})
	s := newStore(t)
	creds := &repo.Credentials{URL: srv.URL, Username: "reader", Password: "s3cret-pw"}
	chart := helmrepo.Chart{RepoURL: srv.URL, Name: "web", Creds: creds, CA: srv.CA}
	dir, err := s.Fetch(context.Background(), chart, "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err != nil || string(b) != "greeting: hi\n" {
		t.Errorf("values.yaml = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
		t.Errorf("no Chart.yaml in %s", dir)
	}

	// Without credentials: refused, and said so.
	_, err = newStore(t).Resolve(context.Background(), helmrepo.Chart{RepoURL: srv.URL, Name: "web", CA: srv.CA}, "*", time.Time{})
	if !errors.Is(err, helmrepo.ErrUnauthorized) {
		t.Errorf("without credentials: %v, want ErrUnauthorized", err)
	}
	// A wrong password never appears in the error.
	bad := &repo.Credentials{URL: srv.URL, Username: "reader", Password: "wrong-password"}
	_, err = newStore(t).Resolve(context.Background(), helmrepo.Chart{RepoURL: srv.URL, Name: "web", Creds: bad, CA: srv.CA}, "*", time.Time{})
	if err == nil || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong password: %v", err)
	}
	// Without the CA: a TLS error.
	if _, err := newStore(t).Resolve(context.Background(), helmrepo.Chart{RepoURL: srv.URL, Name: "web", Creds: creds}, "*", time.Time{}); err == nil {
		t.Error("an unknown CA was trusted")
	}
}

// TestOneDownloadForMany: 1,000 Applications of one chart version, all
// at once: one index.yaml and one archive request. (make bench's chart
// scenario asserts the same through the controller.)
func TestOneDownloadForMany(t *testing.T) {
	srv := chartrepo.New(t)
	archive := srv.Publish(t, chartrepo.Chart{Name: "web", Version: "1.0.0"})
	s := newStore(t)
	chart := helmrepo.Chart{RepoURL: srv.URL, Name: "web"}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 1000 {
		wg.Go(func() {
			v, err := s.Resolve(context.Background(), chart, "^1", time.Time{})
			if err == nil {
				_, err = s.Fetch(context.Background(), chart, v)
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
	if n := srv.Requests("/index.yaml"); n != 1 {
		t.Errorf("%d index.yaml requests, want 1", n)
	}
	if n := srv.Requests(archive); n != 1 {
		t.Errorf("%d archive requests, want 1", n)
	}
}

// TestBadArchives: corrupt, mismatched, hostile and oversized archives are
// refused with a message naming the chart and version.
func TestBadArchives(t *testing.T) {
	tests := []struct {
		name    string
		body    func(good []byte) []byte
		opts    helmrepo.Options
		wantErr error
		want    string
	}{
		{name: "corrupt", body: func([]byte) []byte { return []byte("<html>oops</html>") }, wantErr: helmrepo.ErrDigest},
		{name: "truncated", body: func(g []byte) []byte { return g[:len(g)/2] }, wantErr: helmrepo.ErrDigest},
		{name: "oversized", body: func(g []byte) []byte { return g }, opts: helmrepo.Options{MaxChartBytes: 16}, wantErr: helmrepo.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chartrepo.New(t)
			path := srv.Publish(t, chartrepo.Chart{Name: "web", Version: "1.0.0"})
			good := srv.File(path)
			srv.SetFile(path, tt.body(good))
			tt.opts.CacheDir = t.TempDir()
			s := helmrepo.New(tt.opts)
			_, err := s.Fetch(context.Background(), helmrepo.Chart{RepoURL: srv.URL, Name: "web"}, "1.0.0")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Fetch = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), `"web"`) || !strings.Contains(err.Error(), "1.0.0") {
				t.Errorf("error %q does not name the chart and version", err)
			}
		})
	}
}

// TestArchiveOnAnotherHost: an absolute archive URL on another host gets
// no credentials.
func TestArchiveOnAnotherHost(t *testing.T) {
	files := chartrepo.New(t)
	path := files.Publish(t, chartrepo.Chart{Name: "web", Version: "1.0.0"})
	index := chartrepo.New(t, chartrepo.WithBasicAuth("u", "index-only-pw"))
	index.SetFile("/index.yaml", []byte("apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.0.0\n    urls: ["+files.URL+path+"]\n"))
	s := newStore(t)
	creds := &repo.Credentials{URL: index.URL, Username: "u", Password: "index-only-pw"}
	if _, err := s.Fetch(context.Background(), helmrepo.Chart{RepoURL: index.URL, Name: "web", Creds: creds}, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if got := files.Authorizations(); len(got) != 0 {
		t.Errorf("the archive's host got credentials: %v", got)
	}
}

func FuzzIndex(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nentries:\n  web:\n  - version: 1.0.0\n    urls: [web-1.0.0.tgz]\n    digest: abc\n"))
	f.Add([]byte("{\"apiVersion\":\"v1\",\"entries\":{}}"))
	f.Add([]byte("entries: [1, 2]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := helmrepo.ParseIndexForFuzz(data)
		if err == nil && idx == nil {
			t.Fatal("nil index without error")
		}
	})
}
