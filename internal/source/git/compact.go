package git

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Every fetch stores its objects as one more pack, and a lookup reads the
// index of every pack: a repository fetched at each push would slow down
// and grow without end. After a fetch that leaves more than maxPacks packs
// or maxLoose loose objects, the cache packs every object it holds, those
// no ref reaches included (commits fetched by SHA), into a single pack,
// with deltas.
const (
	maxPacks = 8
	maxLoose = 256
	// packWindow is the number of objects each object is tried as a delta
	// against, git's default.
	packWindow = 10
)

// compact packs the objects of the cache into one pack when fetches left
// too many packs or loose objects. The caller holds objMu; the storage is
// reopened on its next use, as go-git keeps the indexes of deleted packs.
func (r *repo) compact() error {
	st, err := r.open()
	if err != nil {
		return err
	}
	packs, loose, err := counts(st)
	if err != nil || (len(packs) <= maxPacks && len(loose) <= maxLoose) {
		return err
	}
	var hashes []plumbing.Hash
	iter, err := st.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		return fmt.Errorf("compact git cache: %w", err)
	}
	defer iter.Close()
	for {
		obj, err := iter.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("compact git cache: %w", err)
		}
		hashes = append(hashes, obj.Hash())
	}
	if err := writePack(st, hashes); err != nil {
		return fmt.Errorf("compact git cache: %w", err)
	}
	after, err := st.ObjectPacks()
	if err != nil {
		return fmt.Errorf("compact git cache: %w", err)
	}
	r.objects = nil
	defer st.Close()
	if !slices.ContainsFunc(after, func(h plumbing.Hash) bool { return !slices.Contains(packs, h) }) {
		// The pack written is one of the old ones, byte for byte: which,
		// go-git does not say, so they all stay.
		packs = nil
	}
	// Only now that the new pack is complete do the old ones go.
	for _, h := range packs {
		if err := st.DeleteOldObjectPackAndIndex(h, time.Time{}); err != nil {
			return fmt.Errorf("compact git cache: %w", err)
		}
	}
	for _, h := range loose {
		if err := st.DeleteLooseObject(h); err != nil {
			return fmt.Errorf("compact git cache: %w", err)
		}
	}
	return nil
}

// counts lists the packs and the loose objects of st.
func counts(st *filesystem.Storage) (packs, loose []plumbing.Hash, err error) {
	if packs, err = st.ObjectPacks(); err != nil {
		return nil, nil, err
	}
	err = st.ForEachObjectHash(func(h plumbing.Hash) error {
		loose = append(loose, h)
		return nil
	})
	return packs, loose, err
}

// writePack writes the objects hashes into a new pack of st.
func writePack(st *filesystem.Storage, hashes []plumbing.Hash) error {
	w, err := st.PackfileWriter()
	if err != nil {
		return err
	}
	if _, err := packfile.NewEncoder(w, st, false).Encode(hashes, packWindow); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
