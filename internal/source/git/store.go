package git

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// DefaultTimeout bounds one network operation (a listing or a fetch) when
// Store.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// Store resolves revisions and checks out commits of remote repositories,
// keeping one bare repository per normalized URL under Dir/repos and
// immutable checkouts under Dir/checkouts. It is shared by every
// Application: its methods are safe for concurrent use, a repository is
// fetched by one goroutine at a time, callers that wait for the same commit
// share one fetch, and a commit already present is never fetched again.
//
// Set the fields before the first call and do not change them afterwards.
// A Dir belongs to one Store, in one process. A Store never runs the git
// binary and never deletes cached commits; PruneCheckouts deletes checkouts
// no longer used.
type Store struct {
	// Dir is the root of the cache; it is created when missing. Required.
	Dir string
	// Creds returns the credentials for a repository URL, or nil for
	// anonymous access (for instance MatchCredentials over the repository
	// Secrets). It is called for every network operation. May be nil.
	Creds func(ctx context.Context, repoURL string) (*Credentials, error)
	// KnownHosts lists OpenSSH known_hosts files that ssh host keys are
	// checked against. Empty means $SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts
	// and /etc/ssh/ssh_known_hosts. Credentials with Insecure skip the
	// check.
	KnownHosts []string
	// HTTPClient is used for http(s) repositories. Its Transport, when set,
	// must be an *http.Transport so that per-repository TLS settings apply.
	// Nil means a client with http.DefaultTransport.
	HTTPClient *http.Client
	// Timeout bounds each listing and each fetch; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxCheckouts, when positive, bounds the checkouts kept per
	// repository: once a new one makes more, the least recently handed
	// out of those not handed out during the last minute are deleted, in
	// the background, down to MaxCheckouts. Zero keeps every checkout
	// until PruneCheckouts.
	MaxCheckouts int
	// SpareCheckouts, when set, links a private copy of each new
	// checkout in the background, so that the next commit's checkout
	// writes only its changes (see spare).
	SpareCheckouts bool

	// now is the clock of checkout use; nil means time.Now.
	now func() time.Time

	// background counts the goroutines that link spares.
	background sync.WaitGroup

	mu       sync.Mutex
	repos    map[string]*repo
	httpOnce sync.Once
	gitHTTP  transport.Transport
}

// repo is the cache of one repository and the locks that guard it.
type repo struct {
	gitDir      string
	checkoutDir string

	// listing and fetching serialize network operations; see gate.
	listing  *gate[*refList]
	fetching *gate[struct{}]
	// checkout serializes writing checkouts.
	checkout chan struct{}
	// lastCheckout is the commit of the checkout written last, the base
	// of the next one; guarded by checkout.
	lastCheckout string
	// trimming is set while a trim of the checkouts runs; trimWanted
	// when one is asked for.
	trimming, trimWanted atomic.Bool
	// spare is the private copy of a checkout that the next checkout
	// starts from; guarded by checkout. sparing is set while one is
	// linked.
	spare   spare
	sparing atomic.Bool

	// usedMu guards used, when each checkout was last handed out, and
	// born, when this process first saw the repository: the last use of
	// checkouts an earlier process left.
	usedMu sync.Mutex
	used   map[string]time.Time
	born   time.Time

	// objMu guards objects, which go-git does not make safe for
	// concurrent use.
	objMu   sync.Mutex
	objects *filesystem.Storage
}

// repo returns the cache entry of repoURL, creating it on first use.
func (s *Store) repo(repoURL string) (*repo, error) {
	if s.Dir == "" {
		return nil, errors.New("git store: Dir is not set")
	}
	if strings.TrimSpace(repoURL) == "" {
		return nil, errors.New("git store: empty repository URL")
	}
	sum := sha256.Sum256([]byte(NormalizeURL(repoURL)))
	return s.repoByKey(hex.EncodeToString(sum[:16])), nil
}

// repoByKey returns the cache entry stored under key, creating it on first
// use.
func (s *Store) repoByKey(key string) *repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.repos[key]; ok {
		return r
	}
	if s.repos == nil {
		s.repos = map[string]*repo{}
	}
	r := &repo{
		gitDir:      filepath.Join(s.Dir, "repos", key+".git"),
		checkoutDir: filepath.Join(s.Dir, "checkouts", key),
		listing:     newGate[*refList](),
		fetching:    newGate[struct{}](),
		checkout:    make(chan struct{}, 1),
		used:        map[string]time.Time{},
		born:        s.clock(),
	}
	s.repos[key] = r
	return r
}

func (s *Store) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// touch records that the checkout of commit, in dir, is handed out at t,
// and reports whether it exists. Under usedMu, as prune's decision, so a
// checkout is either kept for idle more or gone before it is handed out.
func (r *repo) touch(commit, dir string, t time.Time) bool {
	r.usedMu.Lock()
	defer r.usedMu.Unlock()
	r.used[commit] = t
	return isDir(dir)
}

// PruneCheckouts deletes the checkouts that no caller asked for during the
// last idle, except each repository's latest (the base of its next
// checkout), and leftovers of interrupted writes. Checkouts are handed out
// for reading right away, so idle must be far longer than any render. It
// returns how many it deleted.
func (s *Store) PruneCheckouts(ctx context.Context, idle time.Duration) (int, error) {
	root := filepath.Join(s.Dir, "checkouts")
	repos, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("prune checkouts: %w", err)
	}
	removed := 0
	for _, e := range repos {
		if !e.IsDir() {
			continue
		}
		n, err := s.repoByKey(e.Name()).prune(ctx, s.clock(), idle)
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// recentUse is how long a checkout handed out stays safe from MaxCheckouts:
// far longer than a render reads it.
const recentUse = time.Minute

// trimLater starts a trim of r's checkouts down to s.MaxCheckouts unless
// one runs.
func (s *Store) trimLater(r *repo) {
	if s.MaxCheckouts <= 0 {
		return
	}
	r.trimWanted.Store(true)
	if !r.trimming.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			for r.trimWanted.Swap(false) {
				_, _ = r.trim(context.Background(), s.clock(), s.MaxCheckouts)
			}
			r.trimming.Store(false)
			// A request between the last look and now finds trimming set
			// and leaves it to this goroutine.
			if !r.trimWanted.Load() || !r.trimming.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// trim deletes the least recently handed out checkouts that were not
// handed out during recentUse, until max are left; it returns how many it
// deleted.
func (r *repo) trim(ctx context.Context, now time.Time, max int) (int, error) {
	trash, err := r.retireOldest(ctx, now, max)
	for i, dir := range trash {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			return i, fmt.Errorf("trim checkouts: %w", rmErr)
		}
	}
	return len(trash), err
}

func (r *repo) retireOldest(ctx context.Context, now time.Time, max int) ([]string, error) {
	if err := lock(ctx, r.checkout); err != nil {
		return nil, err
	}
	defer func() { <-r.checkout }()
	entries, err := os.ReadDir(r.checkoutDir)
	if err != nil {
		return nil, fmt.Errorf("trim checkouts: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	r.usedMu.Lock()
	last := func(name string) time.Time {
		if t, ok := r.used[name]; ok {
			return t
		}
		return r.born
	}
	slices.SortFunc(names, func(a, b string) int { return last(a).Compare(last(b)) })
	r.usedMu.Unlock()
	var trash []string
	for _, name := range names {
		if len(names)-len(trash) <= max {
			break
		}
		dir, ok, err := r.retire(name, now, recentUse)
		if err != nil {
			return trash, err
		}
		if ok {
			trash = append(trash, dir)
		}
	}
	return trash, nil
}

func (r *repo) prune(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	trash, err := r.retireAll(ctx, now, idle)
	// Deleting, which may take long for a large tree, needs no lock: the
	// retired checkouts are out of everyone's way already.
	removed := 0
	for _, dir := range trash {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			return removed, fmt.Errorf("prune checkout: %w", rmErr)
		}
		removed++
	}
	return removed, err
}

// retireAll retires every checkout unused during the last idle, holding the
// checkout lock so that no checkout is being written from one about to go.
func (r *repo) retireAll(ctx context.Context, now time.Time, idle time.Duration) ([]string, error) {
	if err := lock(ctx, r.checkout); err != nil {
		return nil, err
	}
	defer func() { <-r.checkout }()
	entries, err := os.ReadDir(r.checkoutDir)
	if err != nil {
		return nil, fmt.Errorf("prune checkouts: %w", err)
	}
	var trash []string
	for _, e := range entries {
		if r.isSpare(e.Name()) {
			continue
		}
		dir, ok, err := r.retire(e.Name(), now, idle)
		if err != nil {
			return trash, err
		}
		if ok {
			trash = append(trash, dir)
		}
	}
	return trash, nil
}

// retire moves the checkout name out of the way when it was not handed out
// during the last idle and is not the base of the next checkout; it
// returns where it went.
func (r *repo) retire(name string, now time.Time, idle time.Duration) (string, bool, error) {
	r.usedMu.Lock()
	defer r.usedMu.Unlock()
	last, ok := r.used[name]
	if !ok {
		last = r.born
	}
	if name == r.lastCheckout || now.Sub(last) < idle {
		return "", false, nil
	}
	trash := filepath.Join(r.checkoutDir, fmt.Sprintf(".pruned-%s-%d", name, now.UnixNano()))
	if err := os.Rename(filepath.Join(r.checkoutDir, name), trash); err != nil {
		return "", false, fmt.Errorf("prune checkout: %w", err)
	}
	delete(r.used, name)
	return trash, true, nil
}

// open returns the object storage, initializing the bare repository on
// first use. The caller holds objMu.
func (r *repo) open() (*filesystem.Storage, error) {
	if r.objects != nil {
		return r.objects, nil
	}
	if err := os.MkdirAll(filepath.Dir(r.gitDir), 0o755); err != nil {
		return nil, fmt.Errorf("create git cache: %w", err)
	}
	_, err := gogit.PlainInit(r.gitDir, true)
	if err != nil && !errors.Is(err, gogit.ErrRepositoryAlreadyExists) {
		return nil, fmt.Errorf("init git cache %s: %w", r.gitDir, err)
	}
	r.objects = filesystem.NewStorage(osfs.New(r.gitDir), cache.NewObjectLRU(16*cache.MiByte))
	return r.objects, nil
}

// has reports whether the object h is in the cache.
func (r *repo) has(h plumbing.Hash) bool {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	st, err := r.open()
	return err == nil && st.HasEncodedObject(h) == nil
}

func (s *Store) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// lock takes a one-slot channel used as a mutex, or gives up with ctx.
func lock(ctx context.Context, ch chan struct{}) error {
	select {
	case ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gate runs one operation at a time. A caller that finds a run with the
// same key started after it arrived, and finished while it waited, takes
// that run's outcome instead of running again: concurrent callers share
// one run, and no caller gets an outcome older than its call.
type gate[T any] struct {
	lock    chan struct{}
	started atomic.Uint64

	// Guarded by lock: the generation, key and outcome of the last run.
	done uint64
	key  string
	val  T
	err  error
}

func newGate[T any]() *gate[T] { return &gate[T]{lock: make(chan struct{}, 1)} }

func (g *gate[T]) do(ctx context.Context, key string, run func() (T, error)) (T, error) {
	ticket := g.started.Load()
	if err := lock(ctx, g.lock); err != nil {
		var zero T
		return zero, err
	}
	defer func() { <-g.lock }()
	if g.done > ticket && g.key == key {
		return g.val, g.err
	}
	gen := g.started.Add(1)
	val, err := run()
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		g.done, g.key, g.val, g.err = gen, key, val, err
	}
	return val, err
}
