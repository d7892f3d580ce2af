package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller/application"
	"github.com/tether-gitops/tether/internal/controller/applicationset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/target"
	"github.com/tether-gitops/tether/internal/webhook"
)

// pushRouter turns push events into reconciles of the Applications they
// concern.
type pushRouter struct {
	client client.Client
	// reader lists Applications and ApplicationSets as unstructured
	// objects from the watch cache the controllers already keep (a typed
	// list would start second, typed informers).
	reader    client.Reader
	namespace string
	revisions *gitsource.RevisionCache
	apps      *application.Reconciler
	triggers  *application.Triggers
	// elected is closed once this replica leads (see manager.Elected);
	// nil means it always does.
	elected <-chan struct{}
	// sets, when set, hears of pushes in process; the refresh annotation
	// reaches the controller of another replica.
	sets *applicationset.Reconciler
}

// onPush refreshes at once every Application of the pushed repository and
// revision whose files the push touched: its path, the files its last
// render read, or its manifest-generate-paths; all of them when the payload
// does not list files. The others move to the new commit at their next
// periodic reconcile, without rendering: a push to a monorepo costs one
// reconcile per touched Application, not one per Application.
//
// On the leader the refresh goes straight to its reconciler's queue. A
// replica that is not the leader runs no reconciler, so it asks the leader
// through the API, as Argo CD's server does: it sets the refresh annotation
// (normal) on each touched Application; the leader's reconcile then asks
// the repository again whatever its revision cache holds, and removes the
// annotation. A stand-by never rendered, so it cannot tell which
// Applications read files outside their path: those move at the leader's
// next periodic reconcile.
func (p *pushRouter) onPush(ctx context.Context, push webhook.Push) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationList"))
	if err := p.reader.List(ctx, list, client.InNamespace(p.namespace), client.UnsafeDisableDeepCopy); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "list applications for a push")
		return
	}
	var now []types.NamespacedName
	skipped := 0
	for i := range list.Items {
		app, ok := routingView(&list.Items[i])
		if !ok {
			continue
		}
		matched := false
		for _, src := range app.Spec.GetSources() {
			if push.MatchesRepo(src.RepoURL) && push.MatchesRevision(src.TargetRevision) {
				p.revisions.Invalidate(src.RepoURL)
				matched = true
			}
		}
		if !matched {
			continue
		}
		instance := target.InstanceName(app.Namespace, app.Name, p.namespace)
		// A source of several may lend its files to another ($values): any
		// push to one of them refreshes the Application.
		if app.Spec.HasMultipleSources() || touched(push, app) || p.apps.Reads(instance, push.ChangedFiles) {
			now = append(now, client.ObjectKeyFromObject(app))
		} else {
			skipped++
		}
	}
	route := "queue"
	if p.leading() {
		for _, key := range now {
			p.triggers.App(target.InstanceName(key.Namespace, key.Name, p.namespace), p.namespace)
		}
	} else {
		route = "refresh annotation"
		p.annotateRefresh(ctx, now)
	}
	// The leader's ApplicationSet controller hears the push in process; a
	// stand-by's does not run, so it asks the leader through the API.
	if p.sets != nil && p.leading() {
		p.sets.Pushed(push)
	} else {
		p.refreshAppSets(ctx, push)
	}
	logr.FromContextOrDiscard(ctx).Info("push received", "provider", push.Provider, "branch", push.Branch,
		"after", push.After, "refreshed", len(now), "untouched", skipped, "route", route)
}

// leading reports whether this replica is the leader, whose reconcilers
// run; true when leader election is off.
func (p *pushRouter) leading() bool {
	if p.elected == nil {
		return true
	}
	select {
	case <-p.elected:
		return true
	default:
		return false
	}
}

// refreshPatch asks for a normal refresh through Argo CD's annotation.
const refreshPatch = `{"metadata":{"annotations":{"` + appv1.AnnotationKeyRefresh + `":"` + string(appv1.RefreshTypeNormal) + `"}}}`

// annotateRefresh sets the refresh annotation on each Application of keys,
// for the leader's reconciler to act on.
func (p *pushRouter) annotateRefresh(ctx context.Context, keys []types.NamespacedName) {
	for _, key := range keys {
		app := &appv1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
		if err := p.client.Patch(ctx, app, client.RawPatch(types.MergePatchType, []byte(refreshPatch))); client.IgnoreNotFound(err) != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "request a refresh", "application", key.String())
		}
	}
}

// routingView is what routing a push needs of an Application: its name,
// annotations and source. Read from the unstructured object without
// decoding the rest (its status is most of it): a push to a monorepo of
// 10,000 Applications is routed in milliseconds. Applications without
// spec.source are decoded whole.
func routingView(u *unstructured.Unstructured) (*appv1.Application, bool) {
	src, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "source")
	m, isMap := src.(map[string]any)
	if !ok || !isMap {
		app := &appv1.Application{}
		err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app)
		return app, err == nil
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	app := &appv1.Application{}
	app.Name, app.Namespace, app.Annotations = u.GetName(), u.GetNamespace(), u.GetAnnotations()
	app.Spec.Source = &appv1.ApplicationSource{RepoURL: str("repoURL"), TargetRevision: str("targetRevision"), Path: str("path")}
	return app, true
}

// touched reports whether push may change app's manifests; a push that does
// not list its files touches everything.
func touched(push webhook.Push, app *appv1.Application) bool {
	if len(push.ChangedFiles) == 0 {
		return true
	}
	watched := target.WatchedPaths(app)
	for _, f := range push.ChangedFiles {
		if target.UnderAny(f, watched) {
			return true
		}
	}
	return false
}

// webhookSecrets reads Argo CD's argocd-secret in ns on each request (the
// controller's cache holds only repository Secrets).
func webhookSecrets(c client.Reader, ns string) func(ctx context.Context) (webhook.Secrets, error) {
	return func(ctx context.Context) (webhook.Secrets, error) {
		var s corev1.Secret
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: webhook.SecretName}, &s)
		if apierrors.IsNotFound(err) {
			return webhook.Secrets{}, nil
		}
		if err != nil {
			return webhook.Secrets{}, fmt.Errorf("read %s: %w", webhook.SecretName, err)
		}
		return webhook.SecretsFromData(s.Data), nil
	}
}

// addWebhook serves the push webhook on addr while mgr runs, on every
// replica: a Service in front of the replicas sends a push to any of them,
// and onPush routes it to the leader.
func addWebhook(mgr manager.Manager, addr string, reader client.Reader, router *pushRouter, log logr.Logger) error {
	if addr == "" || addr == "0" {
		return nil
	}
	router.elected = mgr.Elected()
	h, err := webhook.New(webhook.Options{
		Secrets:    webhookSecrets(reader, router.namespace),
		OnPush:     router.onPush,
		Registerer: crmetrics.Registry,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(webhook.Path, h)
	return mgr.Add(&webhookServer{addr: addr, handler: mux, log: log})
}

// webhookServer serves push webhooks. It runs whether or not this replica
// leads (NeedLeaderElection is false).
type webhookServer struct {
	addr    string
	handler http.Handler
	log     logr.Logger
}

// NeedLeaderElection is false: every replica takes pushes.
func (s *webhookServer) NeedLeaderElection() bool { return false }

// Start serves until ctx ends.
func (s *webhookServer) Start(ctx context.Context) error {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("webhook listener: %w", err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return logr.NewContext(ctx, s.log) }}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	s.log.Info("serving push webhooks", "addr", l.Addr().String(), "path", webhook.Path)
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// refreshAppSets asks every ApplicationSet with a Git generator on the
// pushed repository and revision to generate again, through Argo CD's
// application-set-refresh annotation.
func (p *pushRouter) refreshAppSets(ctx context.Context, push webhook.Push) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationSetList"))
	if err := p.reader.List(ctx, list, client.InNamespace(p.namespace)); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "list applicationsets for a push")
		return
	}
	for i := range list.Items {
		set := &appv1.ApplicationSet{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(list.Items[i].Object, set); err != nil {
			continue
		}
		if !usesRepo(set.Spec.Generators, push) {
			continue
		}
		patch := client.RawPatch(types.MergePatchType,
			[]byte(`{"metadata":{"annotations":{"`+appv1.AnnotationKeyApplicationSetRefresh+`":"true"}}}`))
		if err := p.client.Patch(ctx, set, patch); err != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "refresh applicationset", "name", set.Name)
		}
	}
}

// usesRepo reports whether any generator, nested ones included, reads the
// pushed repository at the pushed revision.
func usesRepo(generators any, push webhook.Push) bool {
	b, err := json.Marshal(generators)
	if err != nil {
		return false
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return false
	}
	found := false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if repo, ok := x["repoURL"].(string); ok && push.MatchesRepo(repo) {
				rev, _ := x["revision"].(string)
				if push.MatchesRevision(rev) {
					found = true
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(tree)
	return found
}
