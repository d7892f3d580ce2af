package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

var projectsGVR = appv1.GroupVersion.WithResource("appprojects")

// applyProject creates or replaces the AppProject name with spec (YAML).
func applyProject(t *testing.T, name, spec string) {
	t.Helper()
	applyProjectIn(t, argocd, name, spec)
}

// defaultProject creates the permissive AppProject "default" in a
// controller's namespace, as `tether install` does.
func defaultProject(t *testing.T, ns string) {
	t.Helper()
	applyProjectIn(t, ns, "default", "  sourceRepos: ['*']\n  destinations: [{server: '*', namespace: '*'}]\n  clusterResourceWhitelist: [{group: '*', kind: '*'}]\n")
}

func applyProjectIn(t *testing.T, ns, name, spec string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte("apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: "+name+"\nspec:\n"+spec), &u.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(projectsGVR).Namespace(ns).Apply(context.Background(), name, u, metav1.ApplyOptions{FieldManager: "test", Force: true}); err != nil {
		t.Fatalf("apply project %s/%s: %v", ns, name, err)
	}
	t.Cleanup(func() {
		_ = dyn.Resource(projectsGVR).Namespace(ns).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func inProject(project string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, project, "spec", "project")
	}
}

// TestProjectRestrictions: an AppProject's rules hold as in Argo CD: a
// missing project, a repository or destination it does not list, or a kind
// it does not permit stops the app with a message naming the rule, and
// nothing is applied; fixing the project applies at once.
func TestProjectRestrictions(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("project", map[string]string{
		"app/cm.yaml":     configMap("settings", "1"),
		"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: s3cr3t\n",
	})
	proj := "team-" + ns
	permissive := "  sourceRepos: ['*']\n  destinations: [{server: '*', namespace: '*'}]\n"
	tests := []struct {
		name      string
		spec      string // "" : the project does not exist
		condition appv1.ApplicationConditionType
		want      string
	}{
		{
			name:      "missing project",
			condition: appv1.ApplicationConditionInvalidSpecError,
			want:      "Application referencing project " + proj + "-missing which does not exist",
		},
		{
			name:      "repository not listed",
			spec:      "  sourceRepos: ['https://example.com/*']\n  destinations: [{server: '*', namespace: '*'}]\n",
			condition: appv1.ApplicationConditionInvalidSpecError,
			want:      "application repo " + repo.URL + " is not permitted in project '" + proj + "-repo'",
		},
		{
			name:      "destination not listed",
			spec:      "  sourceRepos: ['*']\n  destinations: [{server: '*', namespace: 'other-*'}, {server: '*', namespace: '!" + ns + "'}]\n",
			condition: appv1.ApplicationConditionInvalidSpecError,
			want:      "application destination server 'https://kubernetes.default.svc' and namespace '" + ns + "' do not match any of the allowed destinations in project '" + proj + "-dest'",
		},
	}
	suffix := map[string]string{"missing project": "-missing", "repository not listed": "-repo", "destination not listed": "-dest"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := proj + suffix[tt.name]
			if tt.spec != "" {
				applyProject(t, p, tt.spec)
			}
			name := "proj" + suffix[tt.name] + "-" + ns
			applyApp(t, dirApp(name, repo.URL, "app", ns, autoPrune), inProject(p))
			app := waitApp(t, name, string(tt.condition), func(a *appv1.Application) bool { return condition(a, tt.condition) != "" })
			if got := condition(app, tt.condition); got != tt.want {
				t.Errorf("condition %s = %q, want %q", tt.condition, got, tt.want)
			}
			if app.Status.Sync.Status != appv1.SyncStatusCodeUnknown || app.Status.OperationState != nil {
				t.Errorf("sync status %s, operation %v: the app went on", app.Status.Sync.Status, app.Status.OperationState)
			}
		})
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "settings", metav1.GetOptions{}); !isNotFound(err) {
		t.Fatalf("ConfigMap settings exists (err %v): an app its project forbids was applied", err)
	}

	// A kind the project does not permit fails the whole sync.
	p := proj + "-kinds"
	applyProject(t, p, permissive+"  namespaceResourceBlacklist: [{group: '', kind: Secret}]\n")
	name := "proj-kinds-" + ns
	applyApp(t, dirApp(name, repo.URL, "app", ns, autoPrune+"    retry:\n      limit: 0\n"), inProject(p))
	app := waitApp(t, name, "a failed sync", func(a *appv1.Application) bool {
		return a.Status.OperationState != nil && a.Status.OperationState.Phase == appv1.OperationFailed
	})
	if msg := app.Status.OperationState.Message; msg != "one or more synchronization tasks are not valid" {
		t.Errorf("operation message %q", msg)
	}
	var messages []string
	for _, r := range app.Status.OperationState.SyncResult.Resources {
		messages = append(messages, r.Kind+": "+r.Message)
	}
	if want := "Secret: resource :Secret is not permitted in project " + p; len(messages) != 1 || messages[0] != want {
		t.Errorf("resource results %q, want only %q", messages, want)
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "settings", metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("ConfigMap settings exists (err %v): a sync with a forbidden task applied part of it", err)
	}

	// Once the project permits it, a sync (as after any failed automated
	// sync of a commit, in Argo CD too) deploys it.
	applyProject(t, p, permissive+"  syncWindows: [{kind: deny, schedule: '0 22 * * *', duration: 1h}]\n")
	patch := []byte(`{"operation":{"initiatedBy":{"username":"tester"},"sync":{"revision":"main","prune":true}}}`)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	app = waitApp(t, name, "Synced and Healthy", syncedHealthy(repo.Head()))
	// What the project sets but Tether does not enforce yet is said.
	if msg := condition(app, appv1.ApplicationConditionUnsupportedField); !strings.Contains(msg, "project "+p+": fields not enforced yet: spec.syncWindows") {
		t.Errorf("UnsupportedField condition %q does not name the project's syncWindows", msg)
	}

	// A project's change reconciles its Applications at once: forbidding
	// the destination stops the app.
	applyProject(t, p, "  sourceRepos: ['*']\n  destinations: [{server: '*', namespace: 'elsewhere'}]\n")
	waitApp(t, name, "the destination refused", func(a *appv1.Application) bool {
		return strings.Contains(condition(a, appv1.ApplicationConditionInvalidSpecError), "do not match any of the allowed destinations")
	})
}

// TestDeletionKeepsWhatTheProjectForbids: as in Argo CD, deleting an
// Application with the resources finalizer deletes only the objects its
// project permits.
func TestDeletionKeepsWhatTheProjectForbids(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("forbid", map[string]string{"app/cm.yaml": configMap("kept", "1")})
	p := "forbid-" + ns
	permissive := "  sourceRepos: ['*']\n  destinations: [{server: '*', namespace: '*'}]\n"
	applyProject(t, p, permissive)
	name := "forbid-" + ns
	applyApp(t, dirApp(name, repo.URL, "app", ns, autoPrune), func(u *unstructured.Unstructured) {
		inProject(p)(u)
		u.SetFinalizers([]string{appv1.ResourcesFinalizerName})
	})
	waitApp(t, name, "Synced and Healthy", syncedHealthy(repo.Head()))
	applyProject(t, p, permissive+"  namespaceResourceBlacklist: [{group: '', kind: ConfigMap}]\n")
	deleteApp(name)
	clustertest.Poll(t, 60*time.Second, "the Application gone", func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, name, metav1.GetOptions{})
		return isNotFound(err), nil
	})
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap kept, which the project no longer permits, was deleted with the app: %v", err)
	}
}

// TestOperationOfRefusedApplication: a sync asked of an Application the
// reconcile cannot get to (here its project is missing) ends in Error with
// the reason, and is cleared, as in Argo CD; it is not left pending.
func TestOperationOfRefusedApplication(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("refused", map[string]string{"app/cm.yaml": configMap("never", "1")})
	name := "refused-" + ns
	applyApp(t, dirApp(name, repo.URL, "app", ns, ""), inProject("nowhere-"+ns))
	patch := []byte(`{"operation":{"initiatedBy":{"username":"tester"},"sync":{"revision":"main"}}}`)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	app := waitApp(t, name, "the operation ended", func(a *appv1.Application) bool {
		return a.Operation == nil && a.Status.OperationState != nil && a.Status.OperationState.Phase == appv1.OperationError
	})
	if msg := app.Status.OperationState.Message; !strings.Contains(msg, "InvalidSpecError: Application referencing project nowhere-"+ns+" which does not exist") {
		t.Errorf("operation message %q", msg)
	}
}
