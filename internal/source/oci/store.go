// Package oci resolves and fetches artifacts of OCI registries for every
// Application at once: Helm charts (as Helm pushes them) and Argo CD 3.1's
// OCI sources, an artifact whose one layer is a tar of manifests. A tag
// list or a tag's digest is asked once per TTL per repository, and an
// artifact is pulled and extracted once per digest, cached on disk.
package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/singleflight"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/tether-gitops/tether/internal/source/archive"
	"github.com/tether-gitops/tether/internal/source/repo"
)

// Media types of the layers an artifact may carry.
const (
	MediaTypeHelmChart  = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	MediaTypeHelmConfig = "application/vnd.cncf.helm.config.v1+json"
	MediaTypeTar        = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeTarGzip    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// Ref names a repository of a registry, with what reaching it takes.
type Ref struct {
	// Repository is "registry[:port]/path", without scheme.
	Repository string
	// PlainHTTP talks HTTP instead of HTTPS (insecureOCIForceHttp).
	PlainHTTP bool
	// Creds authenticate to the registry (and its token service).
	Creds *repo.Credentials
	// CA is a PEM bundle trusted for the registry.
	CA []byte
}

// Resolved is what a revision names now.
type Resolved struct {
	// Tag is the tag, with "+" where Helm wrote "_"; "" for a digest.
	Tag string
	// Digest is the manifest's digest.
	Digest string
}

// Fetched is an artifact's files.
type Fetched struct {
	Dir string
	// Chart is true when the artifact is a Helm chart; Dir is then the
	// chart's own folder.
	Chart bool
}

// Errors, wrapped in messages naming the repository and revision.
var (
	ErrNotFound     = errors.New("not found in the registry")
	ErrNoMatch      = errors.New("no tag matches the constraint")
	ErrUnauthorized = errors.New("registry refused the credentials")
	ErrNotArtifact  = errors.New("not an artifact Tether renders")
	ErrTooLarge     = errors.New("too large")
)

// Options tune a Store; zero values take the defaults.
type Options struct {
	CacheDir string
	// TagTTL is how long a tag list or a tag's digest is trusted (1 min)
	// unless a caller asks for a newer answer.
	TagTTL time.Duration
	// MaxBytes bounds a layer, compressed and extracted (64 MiB).
	MaxBytes int64
	// HTTPClient builds the transport's client: TLS and proxies only, the
	// credentials go through the registry's auth flow.
	HTTPClient func(*repo.Credentials, []byte) (*http.Client, error)
	// RegistryConfig is a Docker config JSON file (~/.docker/config.json,
	// Helm's registry config) whose "auths" authenticate to registries no
	// repository Secret matches, each only to its own host. Credential
	// helpers it names are never run. Read again on each use, so that a
	// mounted Secret's update takes effect.
	RegistryConfig string
}

// Store is safe for concurrent use.
type Store struct {
	opts  Options
	group singleflight.Group

	mu      sync.Mutex
	tags    map[string]timed[[]string]
	digests map[string]timed[string]

	pulls struct {
		sync.Mutex
		tagLists, manifests, blobs int
	}
}

type timed[T any] struct {
	v  T
	at time.Time
}

// New returns a Store.
func New(opts Options) *Store {
	if opts.TagTTL <= 0 {
		opts.TagTTL = time.Minute
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = repo.HTTPClient
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(os.TempDir(), "tether-oci")
	}
	return &Store{opts: opts, tags: map[string]timed[[]string]{}, digests: map[string]timed[string]{}}
}

// Pulls returns how many tag lists, manifests and blobs the Store fetched.
func (s *Store) Pulls() (tagLists, manifests, blobs int) {
	s.pulls.Lock()
	defer s.pulls.Unlock()
	return s.pulls.tagLists, s.pulls.manifests, s.pulls.blobs
}

// Resolve returns what revision names: a digest ("sha256:...") as is; a
// version ("1.2.3", "v1.2") as the tag of that version; a semver
// constraint ("^1.2", "1.x", "*"; "" means "*") as the highest tag that
// satisfies it, tags read with "_" as "+" since Helm writes "+" so; any
// other string as a tag. Answers are no older than notBefore.
func (s *Store) Resolve(ctx context.Context, r Ref, revision string, notBefore time.Time) (Resolved, error) {
	rev := strings.TrimSpace(revision)
	if strings.HasPrefix(rev, "sha256:") {
		return Resolved{Digest: rev}, nil
	}
	if rev == "" {
		rev = "*"
	}
	tag := rev
	if _, err := semver.NewVersion(rev); err != nil {
		if cons, cerr := semver.NewConstraint(rev); cerr == nil {
			tags, err := s.tagList(ctx, r, notBefore)
			if err != nil {
				return Resolved{}, err
			}
			best, ok := maxMatching(tags, cons)
			if !ok {
				return Resolved{}, fmt.Errorf("%s: constraint %q: %w (tags: %s)", r.Repository, rev, ErrNoMatch, sample(tags, 5))
			}
			tag = best
		}
	}
	digest, err := s.digest(ctx, r, tag, notBefore)
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{Tag: tag, Digest: digest}, nil
}

// maxMatching returns the highest tag satisfying c; prereleases match
// only constraints that name one.
func maxMatching(tags []string, c *semver.Constraints) (string, bool) {
	type cand struct {
		tag string
		v   *semver.Version
	}
	var cs []cand
	for _, t := range tags {
		v, err := semver.NewVersion(strings.ReplaceAll(t, "_", "+"))
		if err == nil && c.Check(v) {
			cs = append(cs, cand{strings.ReplaceAll(t, "_", "+"), v})
		}
	}
	if len(cs) == 0 {
		return "", false
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].v.GreaterThan(cs[j].v) })
	return cs[0].tag, true
}

func sample(tags []string, n int) string {
	if len(tags) <= n {
		return strings.Join(tags, ", ")
	}
	return strings.Join(tags[:n], ", ") + fmt.Sprintf(" and %d more", len(tags)-n)
}

// tagList lists the repository's tags, once per TTL for every caller.
func (s *Store) tagList(ctx context.Context, r Ref, notBefore time.Time) ([]string, error) {
	key := r.Repository
	if v, ok := fresh(s, s.tags, key, notBefore); ok {
		return v, nil
	}
	v, err := s.shared(ctx, "tags\x00"+key, func(ctx context.Context) (any, error) {
		if v, ok := fresh(s, s.tags, key, notBefore); ok {
			return v, nil
		}
		started := time.Now()
		rep, err := s.remote(r)
		if err != nil {
			return nil, err
		}
		s.count(&s.pulls.tagLists)
		var tags []string
		err = rep.Tags(ctx, "", func(page []string) error {
			tags = append(tags, page...)
			return nil
		})
		if err != nil {
			return nil, s.wrap(r, "list tags", err)
		}
		s.mu.Lock()
		s.tags[key] = timed[[]string]{tags, started}
		s.mu.Unlock()
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// digest resolves tag to its manifest's digest, once per TTL.
func (s *Store) digest(ctx context.Context, r Ref, tag string, notBefore time.Time) (string, error) {
	key := r.Repository + ":" + tag
	if v, ok := fresh(s, s.digests, key, notBefore); ok {
		return v, nil
	}
	v, err := s.shared(ctx, "digest\x00"+key, func(ctx context.Context) (any, error) {
		if v, ok := fresh(s, s.digests, key, notBefore); ok {
			return v, nil
		}
		started := time.Now()
		rep, err := s.remote(r)
		if err != nil {
			return nil, err
		}
		s.count(&s.pulls.manifests)
		desc, err := rep.Resolve(ctx, helmTag(tag))
		if err != nil {
			return nil, s.wrap(r, "tag "+tag, err)
		}
		d := desc.Digest.String()
		s.mu.Lock()
		s.digests[key] = timed[string]{d, started}
		s.mu.Unlock()
		return d, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// helmTag is a version as Helm tags it: "+" is not allowed in OCI tags.
func helmTag(tag string) string { return strings.ReplaceAll(tag, "+", "_") }

func fresh[T any](s *Store, m map[string]timed[T], key string, notBefore time.Time) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := m[key]
	if !ok || time.Since(e.at) >= s.opts.TagTTL || e.at.Before(notBefore) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// shared runs fn once for concurrent callers of key; a caller that gives
// up does not cancel it for the others.
func (s *Store) shared(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	ch := s.group.DoChan(key, func() (any, error) { return fn(context.WithoutCancel(ctx)) })
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Store) count(n *int) {
	s.pulls.Lock()
	*n++
	s.pulls.Unlock()
}

// remote is a client of r's repository: TLS from the credentials and CA,
// the credentials given to the registry's auth flow for its host only.
func (s *Store) remote(r Ref) (*remote.Repository, error) {
	rep, err := remote.NewRepository(r.Repository)
	if err != nil {
		return nil, fmt.Errorf("oci repository %q: %w", r.Repository, err)
	}
	rep.PlainHTTP = r.PlainHTTP
	var transport *repo.Credentials
	if c := r.Creds; c != nil {
		transport = &repo.Credentials{URL: c.URL, TLSClientCert: c.TLSClientCert, TLSClientKey: c.TLSClientKey,
			Insecure: c.Insecure, Proxy: c.Proxy, NoProxy: c.NoProxy}
	}
	hc, err := s.opts.HTTPClient(transport, r.CA)
	if err != nil {
		return nil, fmt.Errorf("oci repository %s: %s", r.Repository, r.Creds.Scrub(err.Error()))
	}
	client := &auth.Client{Client: hc, Cache: auth.NewCache()}
	client.SetUserAgent("tether")
	switch c := r.Creds; {
	case c.HasCredentials():
		cred := auth.Credential{Username: c.Username, Password: c.Password}
		if c.BearerToken != "" {
			cred = auth.Credential{AccessToken: c.BearerToken}
		}
		client.Credential = auth.StaticCredential(rep.Reference.Registry, cred)
	case s.opts.RegistryConfig != "":
		store, err := credentials.NewFileStore(s.opts.RegistryConfig)
		if err != nil {
			return nil, fmt.Errorf("oci repository %s: registry config: %w", r.Repository, err)
		}
		client.Credential = credentials.Credential(store)
	}
	rep.Client = client
	return rep, nil
}

// wrap turns a registry error into one of the package's, without secrets.
func (s *Store) wrap(r Ref, what string, err error) error {
	msg := r.Creds.Scrub(err.Error())
	var ec *errcode.ErrorResponse
	switch {
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		return fmt.Errorf("%s: %s: the registry asks for credentials and none match it: %w", r.Repository, what, ErrUnauthorized)
	case errors.As(err, &ec) && (ec.StatusCode == http.StatusUnauthorized || ec.StatusCode == http.StatusForbidden):
		return fmt.Errorf("%s: %s: %s: %w", r.Repository, what, msg, ErrUnauthorized)
	case errors.Is(err, errdef.ErrNotFound), errors.As(err, &ec) && ec.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: %s: %w", r.Repository, what, ErrNotFound)
	}
	return fmt.Errorf("%s: %s: %s", r.Repository, what, msg)
}

// Fetch returns the files of the artifact revision names (a tag or a
// digest, from Resolve), pulled, verified and extracted once per digest.
func (s *Store) Fetch(ctx context.Context, r Ref, revision string) (Fetched, error) {
	digest := revision
	if !strings.HasPrefix(revision, "sha256:") {
		var err error
		if digest, err = s.digest(ctx, r, revision, time.Time{}); err != nil {
			return Fetched{}, err
		}
	}
	key := strings.TrimPrefix(digest, "sha256:")
	if strings.ContainsAny(key, "/\\.") || key == "" {
		return Fetched{}, fmt.Errorf("%s: digest %q is malformed", r.Repository, digest)
	}
	dir := filepath.Join(s.opts.CacheDir, key)
	v, err := s.shared(ctx, "pull\x00"+key, func(ctx context.Context) (any, error) {
		if f, err := readMarker(dir); err == nil {
			return f, nil
		}
		return s.pull(ctx, r, digest, dir)
	})
	if err != nil {
		return Fetched{}, err
	}
	return v.(Fetched), nil
}

// marker records, beside an extraction, whether it is a chart.
const marker = ".tether-artifact.json"

func readMarker(dir string) (Fetched, error) {
	b, err := os.ReadFile(filepath.Join(dir, marker))
	if err != nil {
		return Fetched{}, err
	}
	var m struct{ Chart bool }
	if err := json.Unmarshal(b, &m); err != nil {
		return Fetched{}, err
	}
	if m.Chart {
		top, err := archive.SingleTop(filepath.Join(dir, "files"))
		return Fetched{Dir: top, Chart: true}, err
	}
	return Fetched{Dir: filepath.Join(dir, "files")}, nil
}

func (s *Store) pull(ctx context.Context, r Ref, digest, dir string) (Fetched, error) {
	what := r.Repository + "@" + digest
	rep, err := s.remote(r)
	if err != nil {
		return Fetched{}, err
	}
	s.count(&s.pulls.manifests)
	desc, err := rep.Resolve(ctx, digest)
	if err != nil {
		return Fetched{}, s.wrap(r, digest, err)
	}
	if desc.Size > 4<<20 {
		return Fetched{}, fmt.Errorf("%s: manifest of %d bytes: %w", what, desc.Size, ErrTooLarge)
	}
	raw, err := content.FetchAll(ctx, rep, desc)
	if err != nil {
		return Fetched{}, s.wrap(r, digest, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Fetched{}, fmt.Errorf("%s: manifest: %w", what, err)
	}
	layer, chart, err := pickLayer(m)
	if err != nil {
		return Fetched{}, fmt.Errorf("%s: %w", what, err)
	}
	if layer.Size > s.opts.MaxBytes {
		return Fetched{}, fmt.Errorf("%s: layer of %d bytes, more than %d: %w", what, layer.Size, s.opts.MaxBytes, ErrTooLarge)
	}
	s.count(&s.pulls.blobs)
	blob, err := content.FetchAll(ctx, rep.Blobs(), layer)
	if err != nil {
		return Fetched{}, fmt.Errorf("%s: layer %s: %s", what, layer.Digest, r.Creds.Scrub(err.Error()))
	}
	if err := os.MkdirAll(s.opts.CacheDir, 0o755); err != nil {
		return Fetched{}, err
	}
	tmp, err := os.MkdirTemp(s.opts.CacheDir, ".pull-")
	if err != nil {
		return Fetched{}, err
	}
	defer os.RemoveAll(tmp)
	files := filepath.Join(tmp, "files")
	lim := archive.Limits{MaxBytes: s.opts.MaxBytes}
	if layer.MediaType == MediaTypeTar {
		err = archive.ExtractTar(bytes.NewReader(blob), files, lim)
	} else {
		err = archive.ExtractTarGz(bytes.NewReader(blob), files, lim)
	}
	if err != nil {
		return Fetched{}, fmt.Errorf("%s: %w", what, err)
	}
	if chart {
		if _, err := archive.SingleTop(files); err != nil {
			return Fetched{}, fmt.Errorf("%s: chart: %w", what, err)
		}
	}
	b, _ := json.Marshal(struct{ Chart bool }{chart})
	if err := os.WriteFile(filepath.Join(tmp, marker), b, 0o644); err != nil {
		return Fetched{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if f, rerr := readMarker(dir); rerr == nil {
			return f, nil
		}
		return Fetched{}, err
	}
	return readMarker(dir)
}

// pickLayer finds the one layer to render: a Helm chart's content layer
// (the artifact is then a chart), or the one tar layer of manifests.
func pickLayer(m ocispec.Manifest) (ocispec.Descriptor, bool, error) {
	var found []ocispec.Descriptor
	chart := m.Config.MediaType == MediaTypeHelmConfig
	for _, l := range m.Layers {
		switch l.MediaType {
		case MediaTypeHelmChart:
			return l, true, nil
		case MediaTypeTar, MediaTypeTarGzip:
			found = append(found, l)
		}
	}
	switch {
	case chart:
		return ocispec.Descriptor{}, false, fmt.Errorf("a Helm chart without a layer of %s: %w", MediaTypeHelmChart, ErrNotArtifact)
	case len(found) == 1:
		return found[0], false, nil
	case len(found) == 0:
		types := make([]string, 0, len(m.Layers))
		for _, l := range m.Layers {
			types = append(types, l.MediaType)
		}
		return ocispec.Descriptor{}, false, fmt.Errorf("no layer of %s, %s or %s (layers: %s): %w",
			MediaTypeHelmChart, MediaTypeTarGzip, MediaTypeTar, strings.Join(types, ", "), ErrNotArtifact)
	}
	return ocispec.Descriptor{}, false, fmt.Errorf("%d layers of manifests, want one: %w", len(found), ErrNotArtifact)
}
