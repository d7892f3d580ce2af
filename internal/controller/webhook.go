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
	triggers  application.Triggers
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
func (p *pushRouter) onPush(ctx context.Context, push webhook.Push) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationList"))
	if err := p.reader.List(ctx, list, client.InNamespace(p.namespace), client.UnsafeDisableDeepCopy); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "list applications for a push")
		return
	}
	var now []string
	skipped := 0
	for i := range list.Items {
		app, ok := routingView(&list.Items[i])
		if !ok {
			continue
		}
		src := app.Spec.GetSource()
		if !push.MatchesRepo(src.RepoURL) || !push.MatchesRevision(src.TargetRevision) {
			continue
		}
		p.revisions.Invalidate(src.RepoURL)
		instance := target.InstanceName(app.Namespace, app.Name, p.namespace)
		if touched(push, app) || p.apps.Reads(instance, push.ChangedFiles) {
			now = append(now, instance)
		} else {
			skipped++
		}
	}
	for _, name := range now {
		p.triggers.App(name, p.namespace)
	}
	if p.sets != nil {
		p.sets.Pushed(push)
	}
	p.refreshAppSets(ctx, push)
	logr.FromContextOrDiscard(ctx).Info("push received", "provider", push.Provider, "branch", push.Branch,
		"after", push.After, "refreshed", len(now), "untouched", skipped)
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

// addWebhook serves the push webhook on addr while mgr runs. The receiver
// runs on every replica, but only the leader's reconcilers act on it.
func addWebhook(mgr manager.Manager, addr string, reader client.Reader, router *pushRouter, log logr.Logger) error {
	if addr == "" || addr == "0" {
		return nil
	}
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
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("webhook listener: %w", err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return logr.NewContext(ctx, log) }}
		go func() {
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(shutdown)
		}()
		log.Info("serving push webhooks", "addr", l.Addr().String(), "path", webhook.Path)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}))
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
