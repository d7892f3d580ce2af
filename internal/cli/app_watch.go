package cli

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// followFunc is told the Application as it is now and after each change;
// it returns true when the wait is over, or an error to stop it.
type followFunc func(app *appv1.Application) (bool, error)

// follow reads the Application, then watches it until fn says done or
// fails, the Application is deleted, or ctx ends; it returns the last
// Application seen. Dropped watches are resumed, and a resource version
// that expired is recovered by reading the Application again.
func (c *appClient) follow(ctx context.Context, name string, fn followFunc) (*appv1.Application, error) {
	u, app, err := c.get(ctx, name)
	if err != nil {
		return nil, err
	}
	if done, err := fn(app); done || err != nil {
		return app, err
	}
	rv := u.GetResourceVersion()
	for {
		next, nextRV, done, err := c.watchOnce(ctx, name, rv, fn)
		if next != nil {
			app = next
		}
		if done || err != nil {
			return app, err
		}
		rv = nextRV
	}
}

// watchOnce runs one watch from rv until it ends. An empty returned rv
// means the watch expired and the Application was read again.
func (c *appClient) watchOnce(ctx context.Context, name, rv string, fn followFunc) (*appv1.Application, string, bool, error) {
	w, err := c.apps().Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
		ResourceVersion: rv, AllowWatchBookmarks: true,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, rv, false, ctx.Err()
		}
		return nil, rv, false, apiError(err, "watch", c.what(name), c.server)
	}
	defer w.Stop()
	var last *appv1.Application
	for {
		select {
		case <-ctx.Done():
			return last, rv, false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return last, rv, false, nil
			}
			app, nextRV, done, err := c.handleEvent(ctx, name, ev, fn)
			if app != nil {
				last = app
			}
			if nextRV != "" {
				rv = nextRV
			}
			if done || err != nil {
				return last, rv, done, err
			}
		}
	}
}

// handleEvent applies one watch event: changes go to fn, a deletion ends
// the wait, an expired resource version re-reads the Application.
func (c *appClient) handleEvent(ctx context.Context, name string, ev watch.Event, fn followFunc) (*appv1.Application, string, bool, error) {
	switch ev.Type {
	case watch.Deleted:
		return nil, "", false, deletedError{c.what(name)}
	case watch.Error:
		status := apierrors.FromObject(ev.Object)
		if apierrors.IsResourceExpired(status) || apierrors.IsGone(status) || statusCode(status) == http.StatusGone {
			u, app, err := c.get(ctx, name)
			if err != nil {
				return nil, "", false, err
			}
			done, err := fn(app)
			return app, u.GetResourceVersion(), done, err
		}
		return nil, "", false, apiError(status, "watch", c.what(name), c.server)
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return nil, "", false, nil
	}
	if ev.Type == watch.Bookmark {
		return nil, u.GetResourceVersion(), false, nil
	}
	app, err := decodeApp(u)
	if err != nil {
		return nil, "", false, err
	}
	done, err := fn(app)
	return app, u.GetResourceVersion(), done, err
}

func statusCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Code
	}
	return 0
}
