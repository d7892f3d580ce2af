package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// errReadOnly is returned by every write to a kustFS.
var errReadOnly = errors.New("the repository checkout is read-only")

// kustFS is the filesystem Kustomize sees: the repository, read-only and
// confined to the checkout, with edited kustomization files served from
// memory. Paths are absolute OS paths under the checkout.
type kustFS struct {
	rp      *repo
	overlay map[string][]byte // repository-relative path -> content
}

var _ filesys.FileSystem = kustFS{}

// rel maps a path Kustomize uses to a repository-relative path.
func (k kustFS) rel(p string) (string, error) {
	rel, err := k.rp.relOf(p)
	if err != nil {
		// Name the path from the repository root, not the host's layout.
		shown, relErr := filepath.Rel(k.rp.dir, p)
		if relErr != nil {
			shown = filepath.Base(p)
		}
		return "", fmt.Errorf("%s: %w", filepath.ToSlash(shown), ErrOutsideRepository)
	}
	return rel, nil
}

func (kustFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (kustFS) Mkdir(string) error                  { return errReadOnly }
func (kustFS) MkdirAll(string) error               { return errReadOnly }
func (kustFS) RemoveAll(string) error              { return errReadOnly }
func (kustFS) WriteFile(string, []byte) error      { return errReadOnly }

func (k kustFS) Open(p string) (filesys.File, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	if data, ok := k.overlay[rel]; ok {
		return &memFile{Reader: bytes.NewReader(data), name: path.Base(rel), size: int64(len(data))}, nil
	}
	canon, err := k.rp.resolve(rel)
	if err != nil {
		return nil, err
	}
	f, err := k.rp.root.Open(canon)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		k.rp.record(rel)
		k.rp.record(canon)
	}
	return f, nil
}

func (k kustFS) ReadFile(p string) ([]byte, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	if data, ok := k.overlay[rel]; ok {
		return bytes.Clone(data), nil
	}
	return k.rp.readFile(rel)
}

func (k kustFS) IsDir(p string) bool {
	fi, err := k.stat(p)
	return err == nil && fi.IsDir()
}

func (k kustFS) Exists(p string) bool {
	_, err := k.stat(p)
	return err == nil
}

func (k kustFS) stat(p string) (fs.FileInfo, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	return k.rp.stat(rel)
}

func (k kustFS) ReadDir(p string) ([]string, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	entries, err := k.rp.readDir(rel)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// CleanedAbs resolves symlinks, as Kustomize's disk filesystem does, so that
// its load restrictions see real locations.
func (k kustFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	rel, err := k.rel(p)
	if err != nil {
		return "", "", err
	}
	canon, err := k.rp.resolve(rel)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", p, err)
	}
	fi, err := k.rp.root.Stat(canon)
	if err != nil {
		return "", "", err
	}
	if fi.IsDir() {
		return filesys.ConfirmedDir(k.rp.abs(canon)), "", nil
	}
	return filesys.ConfirmedDir(k.rp.abs(path.Dir(canon))), path.Base(canon), nil
}

func (k kustFS) Glob(pattern string) ([]string, error) {
	rel, err := k.rel(pattern)
	if err != nil {
		return nil, err
	}
	matches, err := fs.Glob(k.rp.root.FS(), rel)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(matches))
	for i, m := range matches {
		out[i] = k.rp.abs(m)
	}
	if filesys.IsHiddenFilePath(pattern) {
		return out, nil
	}
	return filesys.RemoveHiddenFiles(out), nil
}

func (k kustFS) Walk(p string, fn filepath.WalkFunc) error {
	rel, err := k.rel(p)
	if err != nil {
		return err
	}
	return fs.WalkDir(k.rp.root.FS(), rel, func(name string, d fs.DirEntry, err error) error {
		var fi fs.FileInfo
		if err == nil {
			fi, err = d.Info()
		}
		return fn(k.rp.abs(name), fi, err)
	})
}

// memFile is an edited kustomization served from memory.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (*memFile) Write([]byte) (int, error) { return 0, errReadOnly }
func (*memFile) Close() error              { return nil }
func (m *memFile) Stat() (os.FileInfo, error) {
	return memInfo{name: m.name, size: m.size}, nil
}

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string     { return i.name }
func (i memInfo) Size() int64      { return i.size }
func (memInfo) Mode() fs.FileMode  { return 0o444 }
func (memInfo) ModTime() time.Time { return time.Time{} }
func (memInfo) IsDir() bool        { return false }
func (memInfo) Sys() any           { return nil }
