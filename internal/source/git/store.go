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
// binary and never deletes cached commits or checkouts.
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
	key := hex.EncodeToString(sum[:16])
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.repos[key]; ok {
		return r, nil
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
	}
	s.repos[key] = r
	return r, nil
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
