package bump

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"

	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

const (
	remoteName = "origin"
	// pushRef is where the commit to push waits in the private
	// repository, outside refs/heads.
	pushRef = plumbing.ReferenceName("refs/tether/bump")
)

// repository is the private bare repository a bump works in, and how to
// reach the remote.
type repository struct {
	repo    *gogit.Repository
	remote  *gogit.Remote
	access  access
	display string
}

// openRepository opens (or creates) the bare repository in dir and points
// its remote at repoURL, without credentials.
func openRepository(dir, repoURL string, acc access) (*repository, error) {
	display := gitsource.Redact(repoURL)
	repo, err := gogit.PlainOpen(dir)
	if errors.Is(err, gogit.ErrRepositoryNotExists) {
		repo, err = gogit.PlainInit(dir, true)
	}
	if err != nil {
		return nil, fmt.Errorf("open work directory %s: %w", dir, err)
	}
	if _, err := repo.Worktree(); err == nil {
		return nil, fmt.Errorf("work directory %s is a working copy: give a directory that only tether bump uses", dir)
	}
	remote, err := repo.Remote(remoteName)
	switch {
	case errors.Is(err, gogit.ErrRemoteNotFound):
		remote, err = repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{acc.url}})
	case err == nil && !gitsource.SameURL(remote.Config().URLs[0], acc.url):
		return nil, fmt.Errorf("work directory %s holds %s, not %s", dir, gitsource.Redact(remote.Config().URLs[0]), display)
	}
	if err != nil {
		return nil, fmt.Errorf("configure remote %s: %w", display, err)
	}
	return &repository{repo: repo, remote: remote, access: acc, display: display}, nil
}

func trackingRef(branch string) plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName(remoteName, branch)
}

// fetch brings the branch's head into the repository and returns it.
func (r *repository) fetch(ctx context.Context, branch string) (plumbing.Hash, error) {
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", plumbing.NewBranchReferenceName(branch), trackingRef(branch)))
	opts := &gogit.FetchOptions{RemoteName: remoteName, RefSpecs: []config.RefSpec{spec}, Tags: gogit.NoTags, Force: true}
	r.access.fetch(opts)
	err := r.remote.FetchContext(ctx, opts)
	var noMatch gogit.NoMatchingRefSpecError
	switch {
	case errors.As(err, &noMatch):
		return plumbing.ZeroHash, fmt.Errorf("branch %s not found in %s", branch, r.display)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return plumbing.ZeroHash, fmt.Errorf("repository %s is empty", r.display)
	case err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate):
		return plumbing.ZeroHash, r.access.wrap("fetch", r.display, err)
	}
	ref, err := r.repo.Reference(trackingRef(branch), true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read fetched branch %s: %w", branch, err)
	}
	return ref.Hash(), nil
}

// remoteHead lists the remote's refs and returns the branch's head.
func (r *repository) remoteHead(ctx context.Context, branch string) (plumbing.Hash, error) {
	opts := &gogit.ListOptions{}
	r.access.list(opts)
	refs, err := r.remote.ListContext(ctx, opts)
	if err != nil {
		return plumbing.ZeroHash, r.access.wrap("list", r.display, err)
	}
	for _, ref := range refs {
		if ref.Name() == plumbing.NewBranchReferenceName(branch) {
			return ref.Hash(), nil
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("branch %s not found in %s", branch, r.display)
}

// push updates the remote branch to commit, only if it still points at
// parent.
func (r *repository) push(ctx context.Context, branch string, commit, parent plumbing.Hash) error {
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(pushRef, commit)); err != nil {
		return fmt.Errorf("store commit to push: %w", err)
	}
	dst := plumbing.NewBranchReferenceName(branch)
	opts := &gogit.PushOptions{
		RemoteName:        remoteName,
		RefSpecs:          []config.RefSpec{config.RefSpec(fmt.Sprintf("%s:%s", pushRef, dst))},
		RequireRemoteRefs: []config.RefSpec{config.RefSpec(fmt.Sprintf("%s:%s", parent, dst))},
	}
	r.access.push(opts)
	if err := r.remote.PushContext(ctx, opts); err != nil {
		return r.access.wrap("push to", r.display, err)
	}
	return nil
}

// file is a file read from a commit.
type file struct {
	path string
	mode filemode.FileMode
	data []byte
}

// kustomizationNames are the names kustomize reads in a directory.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// readFile reads name from commit. A directory stands for its
// kustomization file.
func (r *repository) readFile(commit plumbing.Hash, name string) (*file, error) {
	c, err := r.repo.CommitObject(commit)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	if sub, err := tree.Tree(name); err == nil {
		for _, k := range kustomizationNames {
			if _, err := sub.File(k); err == nil {
				return r.readFile(commit, path.Join(name, k))
			}
		}
		return nil, fmt.Errorf("%s is a directory without a kustomization file", name)
	}
	f, err := tree.File(name)
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, fmt.Errorf("%s not found at commit %s", name, commit.String()[:12])
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !f.Mode.IsFile() || f.Mode == filemode.Symlink {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &file{path: name, mode: f.Mode, data: []byte(data)}, nil
}

// commitFile writes a commit on parent that replaces f's content with
// data, and returns it.
func (r *repository) commitFile(parent plumbing.Hash, f *file, data []byte, msg string, author object.Signature) (plumbing.Hash, error) {
	s := r.repo.Storer
	blob := s.NewEncodedObject()
	blob.SetType(plumbing.BlobObject)
	w, err := blob.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	blobHash, err := s.SetEncodedObject(blob)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	pc, err := r.repo.CommitObject(parent)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	root, err := pc.Tree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	treeHash, err := replaceBlob(s, root, strings.Split(f.path, "/"), blobHash)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree: %w", err)
	}
	c := &object.Commit{Author: author, Committer: author, Message: msg, TreeHash: treeHash, ParentHashes: []plumbing.Hash{parent}}
	obj := s.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// replaceBlob writes the trees from tree down to the file at parts with
// the file's blob replaced, and returns the new tree's hash.
func replaceBlob(s storer.EncodedObjectStorer, tree *object.Tree, parts []string, blob plumbing.Hash) (plumbing.Hash, error) {
	entries := slices.Clone(tree.Entries)
	i := slices.IndexFunc(entries, func(e object.TreeEntry) bool { return e.Name == parts[0] })
	if i < 0 {
		return plumbing.ZeroHash, fmt.Errorf("%s not found", parts[0])
	}
	if len(parts) == 1 {
		entries[i].Hash = blob
	} else {
		sub, err := object.GetTree(s, entries[i].Hash)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if entries[i].Hash, err = replaceBlob(s, sub, parts[1:], blob); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	obj := s.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// cleanPath checks a repository-relative path and returns it in the form
// trees use.
func cleanPath(p string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "./"))
	if p == "" || clean == "." || strings.HasPrefix(clean, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("file %q must be a path inside the repository", p)
	}
	return clean, nil
}

// stripUserinfo removes credentials from an http(s) URL and returns them.
func stripUserinfo(repoURL string) (string, *gitsource.Credentials) {
	u, err := url.Parse(strings.TrimSpace(repoURL))
	if err != nil || u.User == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return strings.TrimSpace(repoURL), nil
	}
	pw, _ := u.User.Password()
	creds := &gitsource.Credentials{Username: u.User.Username(), Password: pw}
	u.User = nil
	return u.String(), creds
}
