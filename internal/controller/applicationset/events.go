package applicationset

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/webhook"
)

// news is something that may change the output of the ApplicationSets
// whose git generators read a repository: a revision that moved, a push.
type news struct {
	// concerns reports whether a git generator reading repoURL at
	// revision is concerned.
	concerns func(repoURL, revision string) bool
	// notBefore is how fresh the revisions that the generators of the
	// concerned ApplicationSets resolve must be.
	notBefore time.Time
}

// inbox holds news until the event loop takes it. put never blocks: news
// under a key already pending replaces it, so the inbox holds at most one
// item per repository and revision (or pushed ref), however slow the loop.
type inbox struct {
	mu      sync.Mutex
	pending map[string]news
	// wake has room for one signal: the loop has news to take.
	wake chan struct{}
}

func newInbox() *inbox {
	return &inbox{pending: map[string]news{}, wake: make(chan struct{}, 1)}
}

func (b *inbox) put(key string, n news) {
	b.mu.Lock()
	if prev, ok := b.pending[key]; ok && prev.notBefore.After(n.notBefore) {
		n.notBefore = prev.notBefore
	}
	b.pending[key] = n
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *inbox) take() []news {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]news, 0, len(b.pending))
	for _, n := range b.pending {
		out = append(out, n)
	}
	clear(b.pending)
	return out
}

// marks remembers, per ApplicationSet, how fresh the revisions of its next
// generation must be.
type marks struct {
	mu sync.Mutex
	m  map[types.NamespacedName]time.Time
}

func (m *marks) set(key types.NamespacedName, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[types.NamespacedName]time.Time{}
	}
	if t.After(m.m[key]) {
		m.m[key] = t
	}
}

func (m *marks) get(key types.NamespacedName) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[key]
}

// done forgets the mark t of key, unless a newer one came meanwhile.
func (m *marks) done(key types.NamespacedName, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.m[key]; ok && !cur.After(t) {
		delete(m.m, key)
	}
}

// forget drops the mark of key, an ApplicationSet that is gone.
func (m *marks) forget(key types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
}

func (r *Reconciler) news() *inbox {
	r.inboxOnce.Do(func() { r.inbox = newInbox() })
	return r.inbox
}

// RevisionMoved asks, without blocking, for the ApplicationSets whose git
// generators read ch's repository at ch's revision (or at HEAD, or ch is
// HEAD: the default branch is not known here) to generate again, with
// revisions no older than ch. It is meant as a RevisionCache subscriber
// (SetupWithManager subscribes it to Revisions) and makes no API request.
func (r *Reconciler) RevisionMoved(ch gitsource.RevisionChange) {
	rev := refName(ch.Revision)
	r.news().put("rev\x00"+gitsource.NormalizeURL(ch.RepoURL)+"\x00"+rev, news{
		concerns: func(repoURL, revision string) bool {
			other := refName(revision)
			return gitsource.SameURL(repoURL, ch.RepoURL) && (other == rev || other == "HEAD" || rev == "HEAD")
		},
		notBefore: ch.At,
	})
}

// Pushed asks, without blocking, for the ApplicationSets whose git
// generators read the pushed repository at a revision that follows the
// pushed ref (webhook.Push.MatchesRevision) to generate again, with
// revisions resolved after the push arrived. It makes no API request: on a
// replica whose controller does not run (not the leader) the request waits,
// coalesced, and the push webhook's refresh annotation is what reaches the
// leader.
func (r *Reconciler) Pushed(push webhook.Push) {
	key := "push\x00" + strings.Join(push.RepoURLs, "\x00") + "\x00" + push.Branch + "\x00" + push.Tag
	r.news().put(key, news{
		concerns: func(repoURL, revision string) bool {
			return push.MatchesRepo(repoURL) && push.MatchesRevision(revision)
		},
		notBefore: time.Now(),
	})
}

// refName is a revision without its refs/heads/ or refs/tags/ prefix, HEAD
// when empty.
func refName(rev string) string {
	rev = strings.TrimSpace(rev)
	if rev == "" {
		return "HEAD"
	}
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		if s, ok := strings.CutPrefix(rev, p); ok {
			return s
		}
	}
	return rev
}

// route runs until ctx ends, turning news into reconcile requests on out.
// Only this loop waits for out: the senders of news never do.
func (r *Reconciler) route(ctx context.Context, out chan<- event.GenericEvent) error {
	wake := r.news().wake
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
		for _, key := range r.concerned(ctx, r.news().take()) {
			obj := &unstructured.Unstructured{}
			obj.SetGroupVersionKind(appSetGVK)
			obj.SetNamespace(key.Namespace)
			obj.SetName(key.Name)
			select {
			case out <- event.GenericEvent{Object: obj}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// concerned returns the ApplicationSets that items concern, marking how
// fresh their next generation must be.
func (r *Reconciler) concerned(ctx context.Context, items []news) []types.NamespacedName {
	if len(items) == 0 {
		return nil
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationSetList"))
	if err := r.reader().List(ctx, list, client.InNamespace(r.Namespace)); err != nil {
		log.FromContext(ctx).Error(err, "list applicationsets for repository news")
		return nil
	}
	var out []types.NamespacedName
	for i := range list.Items {
		set := &list.Items[i]
		key := client.ObjectKeyFromObject(set)
		notBefore, hit := time.Time{}, false
		for _, src := range gitSources(set) {
			for _, n := range items {
				if n.concerns(src[0], src[1]) {
					hit = true
					if n.notBefore.After(notBefore) {
						notBefore = n.notBefore
					}
				}
			}
		}
		if hit {
			r.fresh.set(key, notBefore)
			out = append(out, key)
		}
	}
	return out
}

// gitSources lists the repository URL and revision of every git generator
// of set, nested ones (matrix, merge) included.
func gitSources(set *unstructured.Unstructured) [][2]string {
	gens, _, _ := unstructured.NestedSlice(set.Object, "spec", "generators")
	var out [][2]string
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if git, ok := x["git"].(map[string]any); ok {
				repo, _ := git["repoURL"].(string)
				rev, _ := git["revision"].(string)
				out = append(out, [2]string{repo, rev})
			}
			for k, item := range x {
				if k != "template" && k != "git" {
					visit(item)
				}
			}
		case []any:
			for _, item := range x {
				visit(item)
			}
		}
	}
	visit(gens)
	return out
}
