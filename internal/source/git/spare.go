package git

import (
	"context"
	"os"
	"path/filepath"
)

// A spare is a private copy of a checkout (its files hard-linked), made in
// the background after the checkout is written: the next commit's checkout
// takes it and applies only its own changes, instead of linking thousands
// of folders while a push waits. Nobody else reads a spare, so it may be
// changed in place.
type spare struct {
	commit, dir string
}

// spareLater links a spare of the checkout of commit in dir, in the
// background, unless SpareCheckouts is off or one is being linked.
func (s *Store) spareLater(r *repo, commit, dir string) {
	if !s.SpareCheckouts || !r.sparing.CompareAndSwap(false, true) {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer r.sparing.Store(false)
		tmp, err := os.MkdirTemp(r.checkoutDir, ".spare-")
		if err != nil {
			return
		}
		if err := linkTree(dir, tmp); err != nil {
			os.RemoveAll(tmp)
			return
		}
		r.setSpare(spare{commit: commit, dir: tmp})
	}()
}

// setSpare makes sp the repository's spare, removing the one it replaces.
func (r *repo) setSpare(sp spare) {
	if err := lock(context.Background(), r.checkout); err != nil {
		return
	}
	old := r.spare
	r.spare = sp
	<-r.checkout
	if old.dir != "" {
		os.RemoveAll(old.dir)
	}
}

// takeSpare hands the spare over to the caller, who holds the checkout
// lock and removes it when done.
func (r *repo) takeSpare() spare {
	sp := r.spare
	r.spare = spare{}
	return sp
}

// isSpare reports whether name, in the checkout folder, is the spare; the
// caller holds the checkout lock.
func (r *repo) isSpare(name string) bool {
	return r.spare.dir != "" && filepath.Base(r.spare.dir) == name
}

// wait waits for the background work of the Store (tests).
func (s *Store) wait() { s.background.Wait() }
