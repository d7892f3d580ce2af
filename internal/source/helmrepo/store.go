// Package helmrepo resolves and fetches charts of Helm chart repositories
// (a static index.yaml and chart archives over HTTP(S)) for every
// Application at once: one index download per repository per refresh,
// kept compactly, and one download and extraction per chart version,
// cached on disk by digest with a size bound.
package helmrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/sync/singleflight"

	"github.com/tether-gitops/tether/internal/source/archive"
	"github.com/tether-gitops/tether/internal/source/repo"
)

// Chart names a chart of a Helm repository, with what reaching it takes.
type Chart struct {
	// RepoURL is the repository's http(s) URL, index.yaml under it.
	RepoURL string
	Name    string
	// Creds are sent only to the host of their URL; nil for none.
	Creds *repo.Credentials
	// CA is a PEM bundle trusted for the repository's host.
	CA []byte
}

// Errors, wrapped in messages that name the repository, chart and version.
var (
	ErrChartNotFound   = errors.New("chart not found in repository")
	ErrVersionNotFound = errors.New("chart version not found")
	ErrNoMatch         = errors.New("no chart version matches the constraint")
	ErrUnauthorized    = errors.New("repository refused the credentials")
	ErrDigest          = errors.New("chart archive does not match the index's digest")
	ErrTooLarge        = errors.New("too large")
)

// Options tune a Store; zero values take the defaults.
type Options struct {
	// CacheDir holds chart archives and their extracted files.
	CacheDir string
	// MaxCacheBytes bounds the cache on disk (1 GiB); charts unused the
	// longest go first.
	MaxCacheBytes int64
	// IndexTTL is how long an index is trusted without downloading it
	// again (1 minute), unless a caller asks for a newer one.
	IndexTTL time.Duration
	// MaxIndexBytes bounds an index.yaml download (256 MiB).
	MaxIndexBytes int64
	// MaxChartBytes bounds a chart archive, compressed and extracted
	// (64 MiB).
	MaxChartBytes int64
	// HTTPClient builds the client for a repository (repo.HTTPClient).
	HTTPClient func(*repo.Credentials, []byte) (*http.Client, error)
}

// Store is safe for concurrent use.
type Store struct {
	opts Options

	mu      sync.Mutex
	indexes map[string]indexEntry
	// used records when each cached chart was last returned.
	used map[string]time.Time

	group singleflight.Group
	// Downloads counts index and archive downloads, for tests and metrics.
	downloads struct {
		sync.Mutex
		index, archive int
	}
}

type indexEntry struct {
	idx     *index
	fetched time.Time
}

// New returns a Store.
func New(opts Options) *Store {
	if opts.MaxCacheBytes <= 0 {
		opts.MaxCacheBytes = 1 << 30
	}
	if opts.IndexTTL <= 0 {
		opts.IndexTTL = time.Minute
	}
	if opts.MaxIndexBytes <= 0 {
		opts.MaxIndexBytes = 256 << 20
	}
	if opts.MaxChartBytes <= 0 {
		opts.MaxChartBytes = 64 << 20
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = repo.HTTPClient
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(os.TempDir(), "tether-charts")
	}
	return &Store{opts: opts, indexes: map[string]indexEntry{}, used: map[string]time.Time{}}
}

// Downloads returns how many index.yaml and chart archive downloads the
// Store made.
func (s *Store) Downloads() (indexes, archives int) {
	s.downloads.Lock()
	defer s.downloads.Unlock()
	return s.downloads.index, s.downloads.archive
}

// Resolve returns the chart version revision means: a version (anything
// that parses as one, "1.2.3", "v1.2") when the index has it, else the
// highest version satisfying revision as a semver constraint ("^1.2",
// ">=1.0.0 <2.0.0", "1.x", "*"; "" means "*"). Prereleases match only
// constraints that name one. The index is no older than notBefore.
func (s *Store) Resolve(ctx context.Context, c Chart, revision string, notBefore time.Time) (string, error) {
	idx, err := s.index(ctx, c, notBefore)
	if err != nil {
		return "", err
	}
	if len(idx.charts[c.Name]) == 0 {
		return "", fmt.Errorf("chart %q in %s: %w", c.Name, redact(c.RepoURL), ErrChartNotFound)
	}
	rev := strings.TrimSpace(revision)
	if rev == "" {
		rev = "*"
	}
	if isExact(rev) {
		v, ok := idx.find(c.Name, rev)
		if !ok {
			return "", fmt.Errorf("chart %q version %q in %s: %w (versions: %s)", c.Name, rev, redact(c.RepoURL), ErrVersionNotFound, idx.versions(c.Name, 5))
		}
		return v.raw, nil
	}
	cons, err := semver.NewConstraint(rev)
	if err != nil {
		// Neither a version nor a constraint: a version string as is.
		if v, ok := idx.find(c.Name, rev); ok {
			return v.raw, nil
		}
		return "", fmt.Errorf("chart %q in %s: targetRevision %q is neither a version of the chart nor a semver constraint: %w", c.Name, redact(c.RepoURL), rev, ErrVersionNotFound)
	}
	v, ok := idx.maxMatching(c.Name, cons)
	if !ok {
		return "", fmt.Errorf("chart %q in %s: constraint %q: %w (versions: %s)", c.Name, redact(c.RepoURL), rev, ErrNoMatch, idx.versions(c.Name, 5))
	}
	return v.raw, nil
}

// index returns the repository's index, downloaded at most once per TTL
// and no older than notBefore; concurrent callers share one download.
func (s *Store) index(ctx context.Context, c Chart, notBefore time.Time) (*index, error) {
	key := indexKey(c)
	s.mu.Lock()
	e, ok := s.indexes[key]
	s.mu.Unlock()
	if ok && time.Since(e.fetched) < s.opts.IndexTTL && !e.fetched.Before(notBefore) {
		return e.idx, nil
	}
	ch := s.group.DoChan("index\x00"+key, func() (any, error) {
		// A download that started after notBefore serves everyone.
		s.mu.Lock()
		e, ok := s.indexes[key]
		s.mu.Unlock()
		if ok && !e.fetched.Before(notBefore) && time.Since(e.fetched) < s.opts.IndexTTL {
			return e.idx, nil
		}
		started := time.Now()
		idx, err := s.downloadIndex(context.WithoutCancel(ctx), c)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.indexes[key] = indexEntry{idx: idx, fetched: started}
		s.mu.Unlock()
		return idx, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*index), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// indexKey separates repositories and the identities that read them.
func indexKey(c Chart) string {
	user := ""
	if c.Creds != nil {
		user = c.Creds.Username + "\x00" + c.Creds.URL
	}
	return strings.TrimSuffix(c.RepoURL, "/") + "\x00" + user
}

func (s *Store) downloadIndex(ctx context.Context, c Chart) (*index, error) {
	s.downloads.Lock()
	s.downloads.index++
	s.downloads.Unlock()
	u := strings.TrimSuffix(c.RepoURL, "/") + "/index.yaml"
	body, err := s.get(ctx, c, u, s.opts.MaxIndexBytes)
	if err != nil {
		return nil, err
	}
	idx, err := parseIndex(body)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", redact(c.RepoURL), err)
	}
	return idx, nil
}

// get downloads u with the repository's client, at most limit bytes.
func (s *Store) get(ctx context.Context, c Chart, u string, limit int64) ([]byte, error) {
	client, err := s.opts.HTTPClient(c.Creds, c.CA)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %s", redact(c.RepoURL), c.Creds.Scrub(err.Error()))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", redact(c.RepoURL), err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %s", redact(c.RepoURL), c.Creds.Scrub(redactErr(err)))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("repository %s: GET %s: %s: %w", redact(c.RepoURL), redact(u), resp.Status, ErrUnauthorized)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("repository %s: GET %s: %s", redact(c.RepoURL), redact(u), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("repository %s: GET %s: %s", redact(c.RepoURL), redact(u), c.Creds.Scrub(err.Error()))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("repository %s: GET %s: more than %d bytes: %w", redact(c.RepoURL), redact(u), limit, ErrTooLarge)
	}
	return body, nil
}

// Fetch returns the folder of chart c at version (from Resolve), its
// archive downloaded, checked against the index's digest, and extracted
// once for every caller. The folder must not be written to.
func (s *Store) Fetch(ctx context.Context, c Chart, version string) (string, error) {
	idx, err := s.index(ctx, c, time.Time{})
	if err != nil {
		return "", err
	}
	v, ok := idx.find(c.Name, version)
	if !ok {
		// The cached index may predate the version: ask once more.
		if idx, err = s.index(ctx, c, time.Now()); err != nil {
			return "", err
		}
		if v, ok = idx.find(c.Name, version); !ok {
			return "", fmt.Errorf("chart %q version %q in %s: %w", c.Name, version, redact(c.RepoURL), ErrVersionNotFound)
		}
	}
	u, err := archiveURL(c.RepoURL, v.urls[0])
	if err != nil {
		return "", fmt.Errorf("chart %q version %q in %s: %w", c.Name, version, redact(c.RepoURL), err)
	}
	key := v.digest
	if key == "" {
		h := sha256.Sum256([]byte(u))
		key = "url-" + hex.EncodeToString(h[:])
	}
	dir := filepath.Join(s.opts.CacheDir, key)
	what := fmt.Sprintf("chart %q version %q in %s", c.Name, version, redact(c.RepoURL))
	ch := s.group.DoChan("chart\x00"+key, func() (any, error) {
		if top, err := archive.SingleTop(dir); err == nil {
			return top, nil
		}
		return s.download(context.WithoutCancel(ctx), c, u, v.digest, dir, what)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		s.mu.Lock()
		s.used[dir] = time.Now()
		s.mu.Unlock()
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// download fetches the archive at u into dir (atomically: extracted
// beside it, then renamed) and returns the chart's folder.
func (s *Store) download(ctx context.Context, c Chart, u, digest, dir, what string) (string, error) {
	s.downloads.Lock()
	s.downloads.archive++
	s.downloads.Unlock()
	body, err := s.get(ctx, c, u, s.opts.MaxChartBytes)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if digest != "" {
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, digest) {
			return "", fmt.Errorf("%s: sha256 %s, index says %s: %w", what, got, digest, ErrDigest)
		}
	}
	if err := os.MkdirAll(s.opts.CacheDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(s.opts.CacheDir, ".extract-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := archive.ExtractTarGz(bytes.NewReader(body), tmp, archive.Limits{MaxBytes: s.opts.MaxChartBytes}); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if _, err := archive.SingleTop(tmp); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, os.ErrExist) {
		if _, serr := archive.SingleTop(dir); serr != nil {
			return "", err
		}
	}
	s.evict(dir)
	return archive.SingleTop(dir)
}

// archiveURL resolves an index entry's url against the repository, as
// Helm does: relative to the folder of index.yaml.
func archiveURL(repoURL, ref string) (string, error) {
	base, err := url.Parse(strings.TrimSuffix(repoURL, "/") + "/")
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("chart url %q: %w", ref, err)
	}
	out := base.ResolveReference(r)
	if out.Scheme != "http" && out.Scheme != "https" {
		return "", fmt.Errorf("chart url %q: only http(s) is fetched", ref)
	}
	return out.String(), nil
}

// evict removes the charts unused the longest while the cache is over
// its bound, never keep and none used in the last ten minutes (a render may
// be reading it).
func (s *Store) evict(keep string) {
	entries, err := os.ReadDir(s.opts.CacheDir)
	if err != nil {
		return
	}
	type item struct {
		dir  string
		size int64
		used time.Time
	}
	var items []item
	var total int64
	s.mu.Lock()
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(s.opts.CacheDir, e.Name())
		size := dirSize(dir)
		total += size
		used := s.used[dir]
		if used.IsZero() {
			if info, err := e.Info(); err == nil {
				used = info.ModTime()
			}
		}
		items = append(items, item{dir, size, used})
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].used.Before(items[j].used) })
	for _, it := range items {
		if total <= s.opts.MaxCacheBytes {
			return
		}
		if it.dir == keep || time.Since(it.used) < 10*time.Minute {
			continue
		}
		if os.RemoveAll(it.dir) == nil {
			total -= it.size
			s.mu.Lock()
			delete(s.used, it.dir)
			s.mu.Unlock()
		}
	}
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// redact drops user information from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// redactErr is err's message without URLs' user information.
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("%s %s: %v", ue.Op, redact(ue.URL), ue.Err)
	}
	return err.Error()
}
