package application

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestCheckProject(t *testing.T) {
	tests := []struct {
		name      string
		app       func(*appv1.Application)
		project   func(*appv1.AppProject) // nil: no project
		readErr   error
		want      appv1.ApplicationConditionType // "" when the reconcile goes on
		wantMsg   string
		transient bool
	}{
		{name: "permitted", project: func(*appv1.AppProject) {}},
		{name: "missing project", want: appv1.ApplicationConditionInvalidSpecError, wantMsg: "project default which does not exist"},
		{name: "read error", readErr: errors.New("etcd down"), want: appv1.ApplicationConditionUnknownError, wantMsg: "etcd down", transient: true},
		{name: "repository not permitted",
			project: func(p *appv1.AppProject) { p.Spec.SourceRepos = []string{"https://git.example/other.git"} },
			want:    appv1.ApplicationConditionInvalidSpecError, wantMsg: "application repo https://git.example/guestbook.git is not permitted"},
		{name: "destination not permitted",
			project: func(p *appv1.AppProject) {
				p.Spec.Destinations = []appv1.ApplicationDestination{{Server: "*", Namespace: "prod-*"}}
			},
			want: appv1.ApplicationConditionInvalidSpecError, wantMsg: "namespace 'guestbook' do not match"},
		{name: "application namespace not permitted",
			app:     func(a *appv1.Application) { a.Namespace = "team-a" },
			project: func(*appv1.AppProject) {},
			want:    appv1.ApplicationConditionUnknownError, wantMsg: "in namespace 'team-a' is not permitted"},
		{name: "application namespace permitted by glob",
			app:     func(a *appv1.Application) { a.Namespace = "team-a" },
			project: func(p *appv1.AppProject) { p.Spec.SourceNamespaces = []string{"team-*"} }},
		{name: "unenforced fields are reported, the rest enforced",
			project: func(p *appv1.AppProject) { p.Spec.SyncWindows = []appv1.SyncWindow{{Kind: "deny"}} },
			want:    appv1.ApplicationConditionUnsupportedField, wantMsg: "spec.syncWindows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := guestbook(tt.app)
			var objs []client.Object
			if tt.project != nil {
				p := defaultProject()
				tt.project(p)
				objs = append(objs, p)
			}
			w := newWorld(t, objs...)
			if tt.readErr != nil {
				w.r.Client = fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
					Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
						return tt.readErr
					}}).Build()
			}
			run := w.newTestRun(t, app)
			run.use(*app.Spec.Source)
			ok := run.checkProject(context.Background())
			refused := tt.want != "" && tt.want != appv1.ApplicationConditionUnsupportedField
			if ok == refused {
				t.Errorf("checkProject = %v, want %v (conditions %v)", ok, !refused, run.conditions)
			}
			if tt.want != "" && !strings.Contains(run.conditions[tt.want], tt.wantMsg) {
				t.Errorf("%s = %q, want it to say %q (all: %v)", tt.want, run.conditions[tt.want], tt.wantMsg, run.conditions)
			}
			if tt.want == "" && len(run.conditions) > 0 {
				t.Errorf("conditions %v, want none", run.conditions)
			}
			if refused && (run.app.Status.Sync.Status != appv1.SyncStatusCodeUnknown || run.app.Status.Health.Status != appv1.HealthStatusUnknown) {
				t.Errorf("refused with sync %q and health %q, want both Unknown", run.app.Status.Sync.Status, run.app.Status.Health.Status)
			}
			if !refused && run.project == nil {
				t.Error("the project is not kept for the later steps")
			}
			if (run.transient != nil) != tt.transient {
				t.Errorf("transient = %v, want one: %v", run.transient, tt.transient)
			}
		})
	}
}

func TestPermitted(t *testing.T) {
	w := newWorld(t)
	proj := defaultProject()
	proj.Spec.ClusterResourceWhitelist = nil
	proj.Spec.Destinations = []appv1.ApplicationDestination{{Server: "*", Namespace: "guestbook"}}
	role := &unstructured.Unstructured{}
	role.SetGroupVersionKind(gvkClusterRole)
	role.SetName("reader")
	unknown := &unstructured.Unstructured{}
	unknown.SetAPIVersion("example.com/v1")
	unknown.SetKind("Widget")
	unknown.SetName("w")
	tests := []struct {
		name    string
		proj    *appv1.AppProject
		obj     *unstructured.Unstructured
		want    bool
		wantWhy string
	}{
		{name: "no project permits everything", obj: role, want: true},
		{name: "namespaced kind in a permitted namespace", proj: proj, obj: configMap("guestbook", "a", "", nil), want: true},
		{name: "namespaced kind elsewhere", proj: proj, obj: configMap("kube-system", "a", "", nil), wantWhy: "namespace kube-system is not permitted"},
		{name: "cluster kind not whitelisted", proj: proj, obj: role, wantWhy: "rbac.authorization.k8s.io:ClusterRole is not permitted"},
		{name: "a kind the cluster does not serve", proj: proj, obj: unknown, wantWhy: "unable to verify permissions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := w.r.permitted(tt.proj, tt.obj)
			if ok != tt.want || !strings.Contains(why, tt.wantWhy) || ok && why != "" {
				t.Errorf("permitted = %v, %q; want %v, %q", ok, why, tt.want, tt.wantWhy)
			}
		})
	}
}
