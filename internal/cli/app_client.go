package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/target"
)

// applicationsGVR is the resource of Applications.
var applicationsGVR = appv1.GroupVersion.WithResource("applications")

// appClient reads and writes the Applications of one namespace and reads
// the objects they deploy. Its errors name the object and the cause.
type appClient struct {
	ns     string
	server string
	config *rest.Config
	dyn    dynamic.Interface
	mapper meta.ResettableRESTMapper
	typed  kubernetes.Interface

	chartsOnce   sync.Once
	chartSources target.Charts
}

// client connects to the cluster the flags choose.
func (o *appOptions) client() (*appClient, error) {
	kc, err := o.kube.clients()
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(kc.config)
	cfg.WarningHandler = warningPrinter{o.warn}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &appClient{ns: o.namespace, server: cfg.Host, config: cfg, dyn: dyn, mapper: kc.mapper, typed: typed}, nil
}

// warningPrinter prints the API server's warnings as "warning: ...", but
// for the one about the name of Argo CD's resources finalizer, which
// Tether keeps for compatibility.
type warningPrinter struct{ w io.Writer }

func (p warningPrinter) HandleWarningHeader(_ int, _ string, message string) {
	if message == "" || p.w == nil || strings.Contains(message, appv1.ResourcesFinalizerName) {
		return
	}
	fprintf(p.w, "warning: %s\n", message)
}

func (c *appClient) apps() dynamic.ResourceInterface {
	return c.dyn.Resource(applicationsGVR).Namespace(c.ns)
}

// what names an Application in messages.
func (c *appClient) what(name string) string {
	return fmt.Sprintf("application %q in namespace %q", name, c.ns)
}

// get reads an Application, as stored (unknown fields included) and typed.
func (c *appClient) get(ctx context.Context, name string) (*unstructured.Unstructured, *appv1.Application, error) {
	u, err := c.apps().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, apiError(err, "get", c.what(name), c.server)
	}
	app, err := decodeApp(u)
	return u, app, err
}

// decodeApp converts a stored Application to its type.
func decodeApp(u *unstructured.Unstructured) (*appv1.Application, error) {
	app := &appv1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app); err != nil {
		return nil, fmt.Errorf("read application %q: %w", u.GetName(), err)
	}
	return app, nil
}

// list reads the Applications that match a label selector ("" for all),
// sorted by name.
func (c *appClient) list(ctx context.Context, selector string) (*unstructured.UnstructuredList, []appv1.Application, error) {
	ul, err := c.apps().List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, nil, apiError(err, "list", fmt.Sprintf("applications in namespace %q", c.ns), c.server)
	}
	apps := make([]appv1.Application, 0, len(ul.Items))
	for i := range ul.Items {
		app, err := decodeApp(&ul.Items[i])
		if err != nil {
			return nil, nil, err
		}
		apps = append(apps, *app)
	}
	return ul, apps, nil
}

// errOperationInProgress is Argo CD's refusal to start a second operation.
var errOperationInProgress = errors.New("another operation is already in progress")

// startOperation sets the Application's operation field to what build
// returns for the Application as it is now, as Argo CD's API server does:
// it refuses when the Application is being deleted or another operation is
// pending, and when build fails; it clears the last operation's state so
// that waiting sees only the new one, and retries conflicting writes. It
// returns the Application as written.
func (c *appClient) startOperation(ctx context.Context, name string, build func(*appv1.Application) (appv1.Operation, error)) (*appv1.Application, error) {
	for attempt := 0; ; attempt++ {
		u, app, err := c.get(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := checkOperable(app); err != nil {
			return nil, fmt.Errorf("%s: %w", c.what(name), err)
		}
		op, err := build(app)
		if err != nil {
			return nil, err
		}
		if u.Object["operation"], err = toMap(op); err != nil {
			return nil, err
		}
		unstructured.RemoveNestedField(u.Object, "status", "operationState")
		updated, err := c.apps().Update(ctx, u, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, apiError(err, "start an operation on", c.what(name), c.server)
		}
		return decodeApp(updated)
	}
}

// checkOperable refuses operations on Applications being deleted or
// busy, as Argo CD does.
func checkOperable(app *appv1.Application) error {
	switch {
	case app.DeletionTimestamp != nil:
		return errors.New("the application is being deleted")
	case app.Operation != nil:
		return errOperationInProgress
	}
	return nil
}

// toMap converts v to the unstructured form its JSON has.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// requestRefresh asks the controller to refresh the Application (kind
// normal or hard) with Argo CD's annotation.
func (c *appClient) requestRefresh(ctx context.Context, name string, kind appv1.RefreshType) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{appv1.AnnotationKeyRefresh: string(kind)}}})
	if err != nil {
		return err
	}
	_, err = c.apps().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return apiError(err, "refresh", c.what(name), c.server)
}

// refresh requests a refresh and waits until the controller has done it
// (it removes the annotation), or timeout passes.
func (c *appClient) refresh(ctx context.Context, name string, kind appv1.RefreshType, timeout time.Duration) (*appv1.Application, error) {
	if err := c.requestRefresh(ctx, name, kind); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	app, err := c.follow(ctx, name, func(app *appv1.Application) (bool, error) {
		_, pending := app.RefreshRequested()
		return !pending, nil
	})
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%s: no refresh within %s: is the controller running?", c.what(name), timeout)
	}
	return app, err
}

// username is who the API server says we are, for an operation's
// initiatedBy; "tether-cli" when it cannot tell.
func (c *appClient) username(ctx context.Context) string {
	r, err := c.typed.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil || r.Status.UserInfo.Username == "" {
		return "tether-cli"
	}
	return r.Status.UserInfo.Username
}
