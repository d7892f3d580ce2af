package git

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// CommitInfo describes a commit, for status and UIs.
type CommitInfo struct {
	// Hash is the full commit SHA.
	Hash string
	// Subject is the first line of the message; Message is all of it.
	Subject, Message string
	// Author is "Name <email>".
	Author string
	// Date is the author date.
	Date time.Time
}

// Resolve returns the full SHA of the commit that revision names in
// repoURL. Revisions are tried in Argo CD's order:
//
//   - empty or HEAD: the remote's default branch;
//   - a semver constraint ("1.2.*", ">=1.0 <2", "v1.2.0") that at least one
//     tag satisfies: the highest such tag, even when a branch or a tag has
//     the revision's exact name;
//   - a full ref name, then a branch, then a tag;
//   - a full commit SHA, then an abbreviated one (four hex digits or more).
//
// Branches, tags and HEAD are resolved from the refs the remote advertises
// (like git ls-remote), without fetching, so a new commit on a branch is
// seen on the next call and fetched by the first Checkout, Commit or
// ChangedFiles that needs it. Annotated tags resolve to their commit. A
// full SHA is answered from the cache when present, else fetched to prove
// that it exists; an abbreviated one is looked up in the cache, then after
// fetching every branch and tag.
//
// The error wraps ErrRevisionNotFound when nothing matches ("revision X not
// found in REPO"), and another kind when the repository cannot be read.
func (s *Store) Resolve(ctx context.Context, repoURL, revision string) (string, error) {
	r, err := s.repo(repoURL)
	if err != nil {
		return "", err
	}
	revision = strings.TrimSpace(revision)
	if isFullHash(revision) {
		return s.resolveHash(ctx, r, repoURL, plumbing.NewHash(strings.ToLower(revision)))
	}
	refs, err := s.listRefs(ctx, r, repoURL)
	if err != nil {
		return "", err
	}
	if _, obj, commit, ok := refs.match(revision); ok {
		if !commit.IsZero() {
			return commit.String(), nil
		}
		return s.resolveHash(ctx, r, repoURL, obj)
	}
	if isShortHash(revision) {
		return s.resolveShort(ctx, r, repoURL, strings.ToLower(revision))
	}
	return "", revisionNotFound(revision, Redact(repoURL))
}

// resolveHash fetches the object h when missing and peels it to a commit.
func (s *Store) resolveHash(ctx context.Context, r *repo, repoURL string, h plumbing.Hash) (string, error) {
	if err := s.ensure(ctx, r, repoURL, h); err != nil {
		return "", err
	}
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	if err != nil {
		return "", err
	}
	commit, err := peel(st, h)
	if err != nil {
		return "", fmt.Errorf("revision %s in %s: %w", h, Redact(repoURL), err)
	}
	return commit.String(), nil
}

// peel follows annotated tags from h to the commit they point to.
func peel(st *filesystem.Storage, h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 {
		obj, err := st.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			tag, err := object.DecodeTag(st, obj)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			h = tag.Target
		default:
			return plumbing.ZeroHash, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return plumbing.ZeroHash, errors.New("too many nested tags")
}

// resolveShort expands an abbreviated SHA, fetching every branch and tag
// when the cache does not know it.
func (s *Store) resolveShort(ctx context.Context, r *repo, repoURL, prefix string) (string, error) {
	found, err := r.commitsWithPrefix(prefix)
	if err == nil && len(found) == 0 {
		if err := s.fetchAll(ctx, r, repoURL); err != nil {
			return "", err
		}
		found, err = r.commitsWithPrefix(prefix)
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("look up %s in %s: %w", prefix, Redact(repoURL), err)
	case len(found) == 0:
		return "", revisionNotFound(prefix, Redact(repoURL))
	case len(found) > 1:
		return "", &repoError{kind: ErrRevisionNotFound, msg: fmt.Sprintf("revision %s is ambiguous in %s", prefix, Redact(repoURL))}
	}
	return found[0].String(), nil
}

// commitsWithPrefix returns the commits whose SHA starts with prefix.
func (r *repo) commitsWithPrefix(prefix string) ([]plumbing.Hash, error) {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	even, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return nil, err
	}
	candidates, err := st.HashesWithPrefix(even)
	if err != nil {
		return nil, err
	}
	var out []plumbing.Hash
	for _, h := range candidates {
		if !strings.HasPrefix(h.String(), prefix) || slices.Contains(out, h) {
			continue
		}
		if obj, err := st.EncodedObject(plumbing.CommitObject, h); err == nil && obj.Type() == plumbing.CommitObject {
			out = append(out, h)
		}
	}
	return out, nil
}

// Commit describes commit, a full SHA, fetching it when missing.
func (s *Store) Commit(ctx context.Context, repoURL, commit string) (CommitInfo, error) {
	var info CommitInfo
	err := s.withCommits(ctx, repoURL, []string{commit}, func(_ *filesystem.Storage, c []*object.Commit) error {
		subject, _, _ := strings.Cut(strings.TrimSpace(c[0].Message), "\n")
		info = CommitInfo{
			Hash:    c[0].Hash.String(),
			Subject: strings.TrimSpace(subject),
			Message: c[0].Message,
			Author:  fmt.Sprintf("%s <%s>", c[0].Author.Name, c[0].Author.Email),
			Date:    c[0].Author.When,
		}
		return nil
	})
	return info, err
}

// ChangedFiles returns the sorted paths, relative to the repository root,
// of the files added, removed or modified between the commits from and to
// (full SHAs, fetched when missing); a rename lists both paths. An empty
// from lists every file of to. It does not look at the commits in between
// and does not follow submodules.
func (s *Store) ChangedFiles(ctx context.Context, repoURL, from, to string) ([]string, error) {
	commits := []string{to}
	if from != "" {
		commits = append(commits, from)
	}
	var paths []string
	err := s.withCommits(ctx, repoURL, commits, func(st *filesystem.Storage, c []*object.Commit) error {
		trees := make([]*object.Tree, 2)
		for i, commit := range c {
			tree, err := commit.Tree()
			if err != nil {
				return err
			}
			trees[i] = tree
		}
		var err error
		paths, err = treeDiff(ctx, st, trees[1], trees[0])
		return err
	})
	return paths, err
}

// withCommits makes the commits present, then runs fn with them while it
// holds the repository's object lock.
func (s *Store) withCommits(ctx context.Context, repoURL string, commits []string, fn func(*filesystem.Storage, []*object.Commit) error) error {
	r, err := s.repo(repoURL)
	if err != nil {
		return err
	}
	hashes := make([]plumbing.Hash, len(commits))
	for i, c := range commits {
		if !isFullHash(c) {
			return fmt.Errorf("commit %q of %s is not a full SHA; resolve it first", c, Redact(repoURL))
		}
		hashes[i] = plumbing.NewHash(strings.ToLower(c))
		if err := s.ensure(ctx, r, repoURL, hashes[i]); err != nil {
			return err
		}
	}
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	if err != nil {
		return err
	}
	objs := make([]*object.Commit, len(hashes))
	for i, h := range hashes {
		if objs[i], err = object.GetCommit(st, h); err != nil {
			return fmt.Errorf("commit %s of %s: %w", h, Redact(repoURL), err)
		}
	}
	if err := fn(st, objs); err != nil {
		return fmt.Errorf("commit %s of %s: %w", hashes[0], Redact(repoURL), err)
	}
	return nil
}
