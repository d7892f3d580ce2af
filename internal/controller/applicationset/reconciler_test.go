package applicationset

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

const listSet = `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: s, namespace: argocd, uid: set-uid}
spec:
  generators:
  - list: {elements: [{name: a}]}
  template:
    metadata: {name: '{{name}}'}
    spec:
      project: default
      source: {repoURL: 'https://git.example/org/repo.git', path: '{{name}}'}
      destination: {server: 'https://kubernetes.default.svc', namespace: '{{name}}'}
`

// takenApp is an Application named like the one listSet generates, but
// controlled by another ApplicationSet.
const takenApp = `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: a
  namespace: argocd
  ownerReferences:
  - {apiVersion: argoproj.io/v1alpha1, kind: ApplicationSet, name: other, uid: other-uid, controller: true}
spec: {project: default}
`

func object(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func fakeClient(t *testing.T, funcs interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := appv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).
		WithStatusSubresource(&appv1.ApplicationSet{}).WithInterceptorFuncs(funcs).Build()
}

// TestReconcileResult: controller-runtime ignores the Result when the error
// is not nil, so Reconcile never returns both. An API error is returned for
// the queue's backoff; an invalid Application is retried after RetryAfter
// with no error; a clean run requeues after the set's interval.
func TestReconcileResult(t *testing.T) {
	failList := interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
		if u, ok := list.(*unstructured.UnstructuredList); ok && u.GetKind() == "ApplicationList" {
			return errors.New("etcd is down")
		}
		return c.List(ctx, list, opts...)
	}}
	tests := []struct {
		name    string
		set     string
		funcs   interceptor.Funcs
		live    []string
		wantErr bool
		want    ctrl.Result
	}{
		{name: "API error", funcs: failList, wantErr: true, want: ctrl.Result{}},
		{name: "invalid application", live: []string{takenApp}, want: ctrl.Result{RequeueAfter: 7 * time.Second}},
		// The list is empty: nothing to apply, so no Applier is needed.
		{name: "nothing to do", set: strings.Replace(listSet, "[{name: a}]", "[]", 1), want: ctrl.Result{RequeueAfter: appset.DefaultRequeueAfter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.set == "" {
				tt.set = listSet
			}
			objs := []client.Object{object(t, tt.set)}
			for _, m := range tt.live {
				objs = append(objs, object(t, m))
			}
			r := &Reconciler{Client: fakeClient(t, tt.funcs, objs...), Options: Options{Namespace: "argocd", RetryAfter: 7 * time.Second}}
			r.Init()
			res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "argocd", Name: "s"}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && res != (ctrl.Result{}) {
				t.Errorf("returned %+v with error %v: controller-runtime ignores the result", res, err)
			}
			if res != tt.want {
				t.Errorf("result %+v, want %+v", res, tt.want)
			}
		})
	}
}
