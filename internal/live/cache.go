// Package live keeps an in-memory view of the objects that Applications
// manage, fed by watches: one informer per kind that some Application
// manages, narrowed by Tether's label, and indexed by owning Application
// through the tracking annotation. Nothing here LISTs per reconcile.
package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

const (
	// TrackingAnnotation holds "<app>:<group>/<kind>:<namespace>/<name>", as
	// Argo CD 3.x writes it.
	TrackingAnnotation = "argocd.argoproj.io/tracking-id"
	// ManagedLabel marks every object Tether applies, so that watches can be
	// narrowed to them.
	ManagedLabel = "tether.dev/managed"
	appIndex     = "app"
)

// Handler is told about every change of a tracked object, with the
// Application instance name it belongs to. It runs in the informer's event
// handler, which every later event of the kind waits for: it must return
// at once, never wait for a reconcile or for room in a channel.
type Handler func(app string)

// Cache watches the kinds that Applications manage.
type Cache struct {
	dyn     dynamic.Interface
	mapper  meta.RESTMapper
	onEvent Handler
	resync  time.Duration

	mu        sync.Mutex
	informers map[schema.GroupVersionKind]*kindInformer
	stop      <-chan struct{}

	// written maps the UID of an object this controller wrote to the
	// resourceVersion its write returned (see Expect).
	written sync.Map
}

type kindInformer struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	informer   cache.SharedIndexInformer
}

// NewCache returns a Cache that calls onEvent for every add, update or
// delete of a tracked object. Informers start on demand through Watch and
// stop when ctx given to Start ends.
func NewCache(dyn dynamic.Interface, mapper meta.RESTMapper, onEvent Handler) *Cache {
	return &Cache{dyn: dyn, mapper: mapper, onEvent: onEvent, informers: map[schema.GroupVersionKind]*kindInformer{}}
}

// Start records the lifetime of informers started later. It does not block.
func (c *Cache) Start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stop = ctx.Done()
}

// Watch makes sure every kind in gvks is watched and its informer synced.
// A kind the API server does not know is returned as an error naming it.
func (c *Cache) Watch(ctx context.Context, gvks ...schema.GroupVersionKind) error {
	var waits []cache.InformerSynced
	for _, gvk := range gvks {
		inf, err := c.informerFor(gvk)
		if err != nil {
			return err
		}
		if !inf.informer.HasSynced() {
			waits = append(waits, inf.informer.HasSynced)
		}
	}
	if len(waits) == 0 {
		return nil
	}
	if !cache.WaitForCacheSync(ctx.Done(), waits...) {
		return fmt.Errorf("wait for watches to sync: %w", ctx.Err())
	}
	return nil
}

func (c *Cache) informerFor(gvk schema.GroupVersionKind) (*kindInformer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inf, ok := c.informers[gvk]; ok {
		return inf, nil
	}
	if c.stop == nil {
		return nil, fmt.Errorf("live cache not started")
	}
	mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("resource type %s: %w", gvk, err)
	}
	tweak := func(o *metav1.ListOptions) { o.LabelSelector = ManagedLabel + "=true" }
	informer := dynamicinformer.NewFilteredDynamicInformer(c.dyn, mapping.Resource, metav1.NamespaceAll, c.resync,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc, appIndex: indexByApp}, tweak).Informer()
	if err := informer.SetTransform(trim); err != nil {
		return nil, fmt.Errorf("informer for %s: %w", gvk, err)
	}
	if _, err := informer.AddEventHandler(c.handler()); err != nil {
		return nil, fmt.Errorf("informer for %s: %w", gvk, err)
	}
	inf := &kindInformer{gvr: mapping.Resource, namespaced: mapping.Scope.Name() == meta.RESTScopeNameNamespace, informer: informer}
	c.informers[gvk] = inf
	go informer.Run(c.stop)
	return inf, nil
}

// Expect records obj as returned by the controller's own write: the watch
// event that brings this very version is not reported, since the writer
// knew the state it carries before the event came. Later versions are.
func (c *Cache) Expect(obj *unstructured.Unstructured) {
	if obj == nil || obj.GetUID() == "" || obj.GetResourceVersion() == "" {
		return
	}
	c.written.Store(obj.GetUID(), obj.GetResourceVersion())
}

// own reports whether u is the version of the controller's last write of
// it, and forgets that write either way: an event for another version
// means the write's own event went by before Expect.
func (c *Cache) own(u *unstructured.Unstructured) bool {
	rv, ok := c.written.LoadAndDelete(u.GetUID())
	return ok && rv == u.GetResourceVersion()
}

func (c *Cache) handler() cache.ResourceEventHandler {
	notify := func(obj any, write bool) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		if !write {
			c.written.Delete(u.GetUID())
		} else if c.own(u) {
			return
		}
		if app := AppOf(u); app != "" && c.onEvent != nil {
			c.onEvent(app)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { notify(obj, true) },
		UpdateFunc: func(old, obj any) {
			notify(obj, true)
			// An object another Application took over, or whose tracking
			// id was edited away, changed for its previous owner too.
			o, ok1 := old.(*unstructured.Unstructured)
			n, ok2 := obj.(*unstructured.Unstructured)
			if ok1 && ok2 && c.onEvent != nil {
				if before := AppOf(o); before != "" && before != AppOf(n) {
					c.onEvent(before)
				}
			}
		},
		DeleteFunc: func(obj any) { notify(obj, false) },
	}
}

// trim drops what no comparison needs, to keep memory low at scale.
func trim(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	if ann := u.GetAnnotations(); ann != nil {
		if _, ok := ann["kubectl.kubernetes.io/last-applied-configuration"]; ok {
			delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
			u.SetAnnotations(ann)
		}
	}
	return u, nil
}

func indexByApp(obj any) ([]string, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, nil
	}
	if app := AppOf(u); app != "" {
		return []string{app}, nil
	}
	return nil, nil
}

// AppOf returns the Application instance name in obj's tracking annotation,
// or "" when it has none.
func AppOf(obj metav1.Object) string {
	id := obj.GetAnnotations()[TrackingAnnotation]
	app, _, ok := strings.Cut(id, ":")
	if !ok {
		return ""
	}
	return app
}

// TrackingID is the tracking annotation value for obj owned by app.
func TrackingID(app string, obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	return fmt.Sprintf("%s:%s/%s:%s/%s", app, gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())
}

// Get returns the live object, or nil when it does not exist. Its kind must
// be watched already. The returned object is shared: do not modify it.
func (c *Cache) Get(gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	c.mu.Lock()
	inf, ok := c.informers[gvk]
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("kind %s is not watched", gvk)
	}
	key := name
	if inf.namespaced && namespace != "" {
		key = namespace + "/" + name
	}
	obj, exists, err := inf.informer.GetIndexer().GetByKey(key)
	if err != nil || !exists {
		return nil, err
	}
	return obj.(*unstructured.Unstructured), nil
}

// Owned returns every watched object whose tracking annotation names app.
// The objects are shared: do not modify them.
func (c *Cache) Owned(app string) []*unstructured.Unstructured {
	c.mu.Lock()
	infs := make([]*kindInformer, 0, len(c.informers))
	for _, inf := range c.informers {
		infs = append(infs, inf)
	}
	c.mu.Unlock()
	var out []*unstructured.Unstructured
	for _, inf := range infs {
		objs, err := inf.informer.GetIndexer().ByIndex(appIndex, app)
		if err != nil {
			continue
		}
		for _, o := range objs {
			out = append(out, o.(*unstructured.Unstructured))
		}
	}
	return out
}

// Namespaced reports whether gvk is a namespaced kind.
func (c *Cache) Namespaced(gvk schema.GroupVersionKind) (bool, error) {
	mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		if meta.IsNoMatchError(err) || apierrors.IsNotFound(err) {
			return false, fmt.Errorf("the cluster does not serve %s: %w", gvk, err)
		}
		return false, fmt.Errorf("resource type %s: %w", gvk, err)
	}
	return mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
}
