package application

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// unreachableSource fails every resolve, as an unreachable repository does.
type unreachableSource struct{ fakeSource }

func (*unreachableSource) Resolve(context.Context, string, string) (string, error) {
	return "", errors.New("dial tcp: connection refused")
}

// TestReconcileResult: a reconcile returns an error or a Result, never both
// (controller-runtime would drop the Result), and a computed wait, above
// all syncPolicy.retry's backoff, is kept exactly.
func TestReconcileResult(t *testing.T) {
	const period = time.Hour
	retryOp := &appv1.Operation{
		Sync:  &appv1.SyncOperation{Revision: "c1"},
		Retry: appv1.RetryStrategy{Limit: 3, Backoff: &appv1.Backoff{Duration: "7s", Factor: ptr(int64(1))}},
	}
	tests := []struct {
		name        string
		projectErr  error
		source      Source
		operation   *appv1.Operation
		wantErr     bool
		wantRequeue time.Duration // exact; 0 with wantErr
	}{
		{name: "the project cannot be read: the rate limiter backs off", projectErr: errors.New("etcd timeout"),
			source: &fakeSource{commit: "c1"}, wantErr: true},
		{name: "the project cannot be read during a sync with retries: the retry's backoff holds", projectErr: errors.New("etcd timeout"),
			source: &fakeSource{commit: "c1"}, operation: retryOp, wantRequeue: 7 * time.Second},
		{name: "the repository is unreachable: asked again in 30 s", source: &unreachableSource{}, wantRequeue: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resultReconciler(t, tt.projectErr, tt.source, tt.operation, period)
			res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "argocd", Name: "guestbook"}})
			if tt.wantErr {
				if err == nil || res != (ctrl.Result{}) {
					t.Fatalf("Reconcile = %+v, %v; want a zero Result and an error", res, err)
				}
				return
			}
			if err != nil || res.RequeueAfter != tt.wantRequeue {
				t.Fatalf("Reconcile = %+v, %v; want RequeueAfter %s and no error", res, err, tt.wantRequeue)
			}
		})
	}
}

func resultReconciler(t *testing.T, projectErr error, src Source, op *appv1.Operation, period time.Duration) *Reconciler {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := appv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	app := &appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "guestbook"},
		Spec: appv1.ApplicationSpec{
			Project:     "default",
			Source:      &appv1.ApplicationSource{RepoURL: "https://git.example/repo.git", TargetRevision: "main", Path: "m"},
			Destination: appv1.ApplicationDestination{Server: inClusterServer, Namespace: "guestbook"},
		},
		Operation: op,
	}
	proj := &appv1.AppProject{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "default"},
		Spec: appv1.AppProjectSpec{
			SourceRepos:  []string{"*"},
			Destinations: []appv1.ApplicationDestination{{Server: "*", Namespace: "*"}},
		},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(app, proj).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*appv1.AppProject); ok && projectErr != nil {
				return projectErr
			}
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
	r := &Reconciler{Client: c, Source: src, Revisions: gitsource.NewRevisionCache(time.Minute),
		Options: Options{Namespace: "argocd", ReconcileInterval: period}}
	r.Init(nil)
	return r
}

func ptr[T any](v T) *T { return &v }
