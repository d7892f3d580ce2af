package bump

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/gofrs/flock"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/tether-gitops/tether/internal/bump/yamledit"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// DefaultMaxAttempts bounds how many times Run makes its commit when
// others keep pushing first.
const DefaultMaxAttempts = 8

// Options say what to change where.
type Options struct {
	// RepoURL is the repository, http(s) or ssh. Credentials in an http
	// URL are used when Credentials finds none, and never printed.
	RepoURL string
	// Branch is the branch to commit to. Required.
	Branch string
	// File is the YAML file to edit, relative to the repository's root; a
	// directory stands for its kustomization.yaml.
	File string
	// Sets are the values to set, in order.
	Sets []Set
	// Images are the images to set in a kustomization's images list.
	Images []yamledit.Image
	// Message is the commit message; empty means one that lists the
	// changes.
	Message string
	// Author writes the commit (as author and committer); its When is
	// the time of each attempt when zero.
	Author object.Signature
	// WorkDir keeps the bare repository between runs, so that the next
	// run fetches instead of cloning; empty means a temporary directory,
	// removed afterwards. Runs that share it take turns.
	WorkDir string
	// DryRun makes the edit and the commit but does not push.
	DryRun bool
	// MaxAttempts bounds the attempts when the push is rejected because
	// the branch moved; zero means DefaultMaxAttempts.
	MaxAttempts int
	// Credentials returns the credentials for the repository, or nil.
	// May be nil.
	Credentials func(ctx context.Context, repoURL string) (*gitsource.Credentials, error)
	// KnownHosts are known_hosts files for ssh host keys; empty means
	// $SSH_KNOWN_HOSTS or ~/.ssh/known_hosts.
	KnownHosts []string
	// Backoff is the wait before attempt n (n >= 2); nil means a jittered
	// exponential backoff from 100ms, at most 2s.
	Backoff func(n int) time.Duration

	// beforePush, in tests, runs before each push.
	beforePush func(attempt int)
}

// Result is what a Run did.
type Result struct {
	// Repo is the repository URL without credentials.
	Repo string `json:"repo"`
	// Branch is the branch committed to.
	Branch string `json:"branch"`
	// File is the file edited (a kustomization's own path when Options
	// named its directory).
	File string `json:"file"`
	// Parent is the branch head the edit was made on.
	Parent string `json:"parent"`
	// Commit is the commit made on Parent, empty when nothing changed.
	Commit string `json:"commit,omitempty"`
	// Changes are the values changed; none means the file already said
	// so and no commit was made.
	Changes []Change `json:"changes"`
	// Pushed is set when Commit is on the remote branch.
	Pushed bool `json:"pushed"`
	// DryRun is set when Commit was not pushed on purpose.
	DryRun bool `json:"dryRun,omitempty"`
	// Attempts counts the edits made, one more for each time another
	// push came first.
	Attempts int `json:"attempts"`
	// Diff is the unified diff of the file.
	Diff string `json:"diff,omitempty"`
}

// Changed reports whether the run made a commit.
func (r *Result) Changed() bool { return r.Commit != "" }

// ErrBranchMoving is returned (wrapped) when every attempt found the
// branch moved by another push before its own landed.
var ErrBranchMoving = errors.New("the branch kept moving")

// Run fetches the branch, edits the file, commits and pushes, again on the
// new head when another push came first. An edit that changes nothing
// returns a Result without Commit and no error.
func Run(ctx context.Context, o Options) (*Result, error) {
	file, err := o.validate()
	if err != nil {
		return nil, err
	}
	dir, done, err := o.workDir()
	if err != nil {
		return nil, err
	}
	defer done()
	repo, err := o.open(ctx, dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Repo: repo.display, Branch: o.Branch, File: file, DryRun: o.DryRun}
	for res.Attempts = 1; ; res.Attempts++ {
		retry, err := o.attempt(ctx, repo, res)
		if !retry {
			return res, err
		}
		if res.Attempts >= o.maxAttempts() {
			return res, fmt.Errorf("push to %s of %s: %w: gave up after %d attempts", o.Branch, repo.display, ErrBranchMoving, res.Attempts)
		}
		if err := sleep(ctx, o.backoff(res.Attempts+1)); err != nil {
			return res, err
		}
	}
}

// attempt makes the edit on the branch's current head and pushes it. It
// asks for a retry when the push failed because the branch moved.
func (o *Options) attempt(ctx context.Context, repo *repository, res *Result) (retry bool, err error) {
	head, err := repo.fetch(ctx, o.Branch)
	if err != nil {
		return false, err
	}
	res.Parent, res.Commit, res.Changes, res.Diff = head.String(), "", nil, ""
	f, err := repo.readFile(head, res.File)
	if err != nil {
		return false, err
	}
	res.File = f.path
	data, changes, err := editFile(f.data, o.Sets, o.Images)
	if err != nil {
		return false, fmt.Errorf("edit %s: %w", f.path, err)
	}
	res.Changes = changes
	if len(changes) == 0 || bytes.Equal(data, f.data) {
		res.Changes = nil
		return false, nil
	}
	res.Diff = unifiedDiff(f.path, f.data, data)
	commit, err := repo.commitFile(head, f, data, o.message(f.path, changes), o.signature())
	if err != nil {
		return false, fmt.Errorf("commit %s: %w", f.path, err)
	}
	res.Commit = commit.String()
	if o.DryRun {
		return false, nil
	}
	if o.beforePush != nil {
		o.beforePush(res.Attempts)
	}
	pushErr := repo.push(ctx, o.Branch, commit, head)
	if pushErr == nil {
		res.Pushed = true
		return false, nil
	}
	now, err := repo.remoteHead(ctx, o.Branch)
	switch {
	case err != nil:
		return false, pushErr
	case now == commit:
		res.Pushed = true
		return false, nil
	case now != head:
		return true, nil
	}
	return false, pushErr
}

func (o *Options) validate() (string, error) {
	switch {
	case o.RepoURL == "":
		return "", errors.New("no repository: set --repo")
	case o.Branch == "":
		return "", errors.New("no branch: set --branch")
	case len(o.Sets) == 0 && len(o.Images) == 0:
		return "", errors.New("nothing to change: give --set or --kustomize-image")
	}
	return cleanPath(o.File)
}

// workDir returns the directory of the bare repository, locked for this
// run, and the function that releases (or removes) it.
func (o *Options) workDir() (string, func(), error) {
	if o.WorkDir == "" {
		dir, err := os.MkdirTemp("", "tether-bump-")
		if err != nil {
			return "", nil, fmt.Errorf("create temporary directory: %w", err)
		}
		return dir, func() { _ = os.RemoveAll(dir) }, nil
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create work directory: %w", err)
	}
	lock := flock.New(filepath.Join(o.WorkDir, ".tether-bump.lock"))
	if err := lock.Lock(); err != nil {
		return "", nil, fmt.Errorf("lock work directory %s: %w", o.WorkDir, err)
	}
	return filepath.Join(o.WorkDir, "repo.git"), func() { _ = lock.Unlock() }, nil
}

// open opens the bare repository with the remote's credentials.
func (o *Options) open(ctx context.Context, dir string) (*repository, error) {
	endpoint, urlCreds := stripUserinfo(o.RepoURL)
	creds := urlCreds
	if o.Credentials != nil {
		found, err := o.Credentials(ctx, endpoint)
		if err != nil {
			return nil, fmt.Errorf("look up credentials for %s: %w", gitsource.Redact(endpoint), err)
		}
		if found != nil {
			creds = found
		}
	}
	acc, err := newAccess(endpoint, creds, o.KnownHosts)
	if err != nil {
		return nil, err
	}
	return openRepository(dir, endpoint, acc)
}

func (o *Options) message(file string, changes []Change) string {
	if o.Message != "" {
		return o.Message
	}
	return defaultMessage(file, changes)
}

func (o *Options) signature() object.Signature {
	sig := o.Author
	if sig.Name == "" {
		sig.Name = "tether bump"
	}
	if sig.Email == "" {
		sig.Email = "tether-bump@localhost"
	}
	if sig.When.IsZero() {
		sig.When = time.Now()
	}
	return sig
}

func (o *Options) maxAttempts() int {
	if o.MaxAttempts > 0 {
		return o.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (o *Options) backoff(n int) time.Duration {
	if o.Backoff != nil {
		return o.Backoff(n)
	}
	d := min(100*time.Millisecond<<(n-2), 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// unifiedDiff is the diff of a file's two versions, as git shows it.
func unifiedDiff(name string, a, b []byte) string {
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        lines(a),
		B:        lines(b),
		FromFile: "a/" + name,
		ToFile:   "b/" + name,
		Context:  3,
	})
	return diff
}

// lines splits text after each line break, without the empty line that
// follows a final break.
func lines(text []byte) []string {
	l := strings.SplitAfter(string(text), "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// ParseAuthor reads "Name <email>".
func ParseAuthor(s string) (object.Signature, error) {
	open, end := strings.IndexByte(s, '<'), strings.LastIndexByte(s, '>')
	if open < 0 || end < open {
		return object.Signature{}, fmt.Errorf("invalid author %q: want \"Name <email>\"", s)
	}
	name, email := strings.TrimSpace(s[:open]), strings.TrimSpace(s[open+1:end])
	if name == "" || email == "" {
		return object.Signature{}, fmt.Errorf("invalid author %q: want \"Name <email>\"", s)
	}
	return object.Signature{Name: name, Email: email}, nil
}
