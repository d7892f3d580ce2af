package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-logr/logr"
)

// network runs op with the Store's timeout. When the timeout, not the
// caller, ends op, the error says so and counts as unreachable.
func (s *Store) network(ctx context.Context, display string, op func(ctx context.Context) error) error {
	opCtx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	err := op(opCtx)
	if err != nil && ctx.Err() == nil && errors.Is(opCtx.Err(), context.DeadlineExceeded) {
		return &repoError{kind: ErrUnreachable, msg: fmt.Sprintf("repository %s did not answer within %s", display, s.timeout())}
	}
	return err
}

// listRefs lists the remote's refs, sharing a listing with the callers
// that wait for it.
func (s *Store) listRefs(ctx context.Context, r *repo, repoURL string) (*refList, error) {
	return r.listing.do(ctx, "", func() (*refList, error) {
		var refs *refList
		err := s.network(ctx, Redact(repoURL), func(ctx context.Context) error {
			rem, err := s.remote(ctx, repoURL)
			if err != nil {
				return err
			}
			ar, err := advertised(ctx, rem)
			if err != nil {
				return err
			}
			refs = newRefList(ar)
			return nil
		})
		return refs, err
	})
}

func advertised(ctx context.Context, rem *remote) (*packp.AdvRefs, error) {
	sess, err := rem.session()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	return ar, classify(err, rem.display, rem.creds)
}

// ensure makes commit h present in the cache, fetching it unless it is
// already there. Callers waiting for the same commit share one fetch, and
// its failure.
func (s *Store) ensure(ctx context.Context, r *repo, repoURL string, h plumbing.Hash) error {
	if r.has(h) {
		return nil
	}
	_, err := r.fetching.do(ctx, h.String(), func() (struct{}, error) {
		if r.has(h) {
			return struct{}{}, nil
		}
		return struct{}{}, s.fetchCommit(ctx, r, repoURL, h)
	})
	return err
}

// fetchCommit fetches h: as the tip of the refs that point to it, else
// with every branch and tag, and as a last resort by name, when the server
// allows that. Each attempt picks its wants from the refs the server
// advertises to it.
func (s *Store) fetchCommit(ctx context.Context, r *repo, repoURL string, h plumbing.Hash) error {
	err := s.fetchObjects(ctx, r, repoURL, func(l *refList) []plumbing.Hash {
		if wants := l.wantsFor(h); len(wants) > 0 {
			return wants
		}
		return r.missing(l.tips())
	})
	if err != nil || r.has(h) {
		return err
	}
	err = s.fetchObjects(ctx, r, repoURL, func(l *refList) []plumbing.Hash {
		if l.shaWant {
			return []plumbing.Hash{h}
		}
		return nil
	})
	var known *repoError
	switch {
	case err == nil && r.has(h):
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &known) && known.kind != nil:
		return err
	}
	// The server refused the want, or sent something else.
	return revisionNotFound(h.String(), Redact(repoURL))
}

// fetchAll fetches every branch and tag that is missing from the cache.
func (s *Store) fetchAll(ctx context.Context, r *repo, repoURL string) error {
	_, err := r.fetching.do(ctx, "all", func() (struct{}, error) {
		return struct{}{}, s.fetchObjects(ctx, r, repoURL, func(l *refList) []plumbing.Hash {
			return r.missing(l.tips())
		})
	})
	return err
}

// missing returns the hashes that are not in the cache.
func (r *repo) missing(hashes []plumbing.Hash) []plumbing.Hash {
	var out []plumbing.Hash
	for _, h := range hashes {
		if !r.has(h) {
			out = append(out, h)
		}
	}
	return out
}

// fetchObjects runs one upload-pack exchange for the objects pick chooses
// from the advertised refs, downloads the pack into a temporary file, then
// stores it and mirrors the remote's branches and tags, so that the next
// fetch can tell the server what the cache has.
func (s *Store) fetchObjects(ctx context.Context, r *repo, repoURL string, pick func(*refList) []plumbing.Hash) error {
	start := time.Now()
	display := Redact(repoURL)
	var ar *packp.AdvRefs
	var pack *os.File
	err := s.network(ctx, display, func(ctx context.Context) error {
		rem, err := s.remote(ctx, repoURL)
		if err != nil {
			return err
		}
		ar, pack, err = s.download(ctx, r, rem, pick)
		return err
	})
	if err != nil {
		return err
	}
	if pack == nil {
		return nil
	}
	defer os.Remove(pack.Name())
	defer pack.Close()
	if err := r.store(pack, ar); err != nil {
		return fmt.Errorf("store objects of %s: %w", display, err)
	}
	logr.FromContextOrDiscard(ctx).V(1).Info("git fetch", "repo", display, "duration", time.Since(start))
	return nil
}

// download asks for what pick wants and writes the pack to a temporary
// file, which the caller removes; the file is nil when there was nothing to
// fetch.
func (s *Store) download(ctx context.Context, r *repo, rem *remote, pick func(*refList) []plumbing.Hash) (*packp.AdvRefs, *os.File, error) {
	sess, err := rem.session()
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, nil, classify(err, rem.display, rem.creds)
	}
	wants := pick(newRefList(ar))
	if len(wants) == 0 {
		return ar, nil, nil
	}
	req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
	if ar.Capabilities.Supports(capability.NoProgress) {
		_ = req.Capabilities.Set(capability.NoProgress)
	}
	req.Wants = wants
	if req.Haves, err = r.haves(); err != nil {
		return nil, nil, err
	}
	resp, err := sess.UploadPack(ctx, req)
	if errors.Is(err, transport.ErrEmptyUploadPackRequest) {
		return ar, nil, nil
	}
	if err != nil {
		return nil, nil, classify(err, rem.display, rem.creds)
	}
	defer resp.Close()
	pack, err := s.tempFile("fetch-*.pack")
	if err != nil {
		return nil, nil, err
	}
	if _, err := io.Copy(pack, demux(req.Capabilities, resp)); err != nil {
		pack.Close()
		os.Remove(pack.Name())
		return nil, nil, classify(err, rem.display, rem.creds)
	}
	_, err = pack.Seek(0, io.SeekStart)
	return ar, pack, err
}

func (s *Store) tempFile(pattern string) (*os.File, error) {
	dir := filepath.Join(s.Dir, "tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create git temp dir: %w", err)
	}
	return os.CreateTemp(dir, pattern)
}

// demux strips the side-band framing when the request negotiated it.
func demux(caps *capability.List, r io.Reader) io.Reader {
	switch {
	case caps.Supports(capability.Sideband64k):
		return sideband.NewDemuxer(sideband.Sideband64k, r)
	case caps.Supports(capability.Sideband):
		return sideband.NewDemuxer(sideband.Sideband, r)
	}
	return r
}

// haves lists the commits the cache holds at the tips of its refs.
func (r *repo) haves() ([]plumbing.Hash, error) {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	iter, err := st.IterReferences()
	if err != nil {
		return nil, err
	}
	seen := map[plumbing.Hash]bool{}
	var haves []plumbing.Hash
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if h := ref.Hash(); ref.Type() == plumbing.HashReference && !seen[h] {
			seen[h] = true
			haves = append(haves, h)
		}
		return nil
	})
	return haves, err
}

// store writes the pack into the object storage and mirrors the branches
// and tags of ar whose objects are now present.
func (r *repo) store(pack io.Reader, ar *packp.AdvRefs) error {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	if err != nil {
		return err
	}
	if err := packfile.UpdateObjectStorage(st, pack); err != nil {
		return err
	}
	if err := mirrorRefs(st, ar); err != nil {
		return err
	}
	return r.compact()
}

func mirrorRefs(st storer.Storer, ar *packp.AdvRefs) error {
	want := map[plumbing.ReferenceName]plumbing.Hash{}
	for name, h := range ar.References {
		if (strings.HasPrefix(name, headsPrefix) || strings.HasPrefix(name, tagsPrefix)) && st.HasEncodedObject(h) == nil {
			want[plumbing.ReferenceName(name)] = h
		}
	}
	iter, err := st.IterReferences()
	if err != nil {
		return err
	}
	var stale []plumbing.ReferenceName
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		h, ok := want[ref.Name()]
		switch {
		case ref.Type() != plumbing.HashReference:
		case !ok:
			stale = append(stale, ref.Name())
		case h == ref.Hash():
			delete(want, ref.Name())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := st.RemoveReference(name); err != nil {
			return err
		}
	}
	for name, h := range want {
		if err := st.SetReference(plumbing.NewHashReference(name, h)); err != nil {
			return err
		}
	}
	return nil
}
