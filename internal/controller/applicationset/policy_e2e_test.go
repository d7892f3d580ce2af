package applicationset_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
)

// quiet is how long a test watches for a change that must not happen.
const quiet = 5 * time.Second

// TestApplicationsSyncPolicy changes an ApplicationSet so that the default
// policy would update one Application, delete another and create a third:
// each policy creates the third, and updates and deletes only as it
// allows. The creation shows that the controller has reconciled the
// change; what a policy refrains from is then watched for a while.
func TestApplicationsSyncPolicy(t *testing.T) {
	skipShort(t)
	repo := appsRepo(t, "one")
	for _, tc := range []struct {
		policy         string // "" is the default, sync
		update, delete bool
	}{
		{policy: "create-only"},
		{policy: "create-update", update: true},
		{policy: "create-delete", delete: true},
		{policy: "sync", update: true, delete: true},
		{policy: "", update: true, delete: true},
	} {
		name := "pol-" + tc.policy
		if tc.policy == "" {
			name = "pol-default"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			syncPolicy := ""
			if tc.policy != "" {
				syncPolicy = "\n  syncPolicy: {applicationsSync: " + tc.policy + "}"
			}
			set := createSet(t, newSet(t, name, goTemplateSpec+syncPolicy+`
  generators:
  - list:
      elements:
      - {app: a, gen: '1'}
      - {app: b, gen: '1'}
  template:
    metadata:
      name: '`+name+`-{{.app}}'
      labels: {gen: '{{.gen}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: apps/one}
      destination: {server: https://kubernetes.default.svc, namespace: '`+name+`'}
`))
			a, b, c := name+"-a", name+"-b", name+"-c"
			waitOwned(t, set.GetUID(), a, b)

			// a changes, b goes, c comes.
			patchSet(t, set.GetName(), `{"spec":{"generators":[{"list":{"elements":[{"app":"a","gen":"2"},{"app":"c","gen":"2"}]}}]}}`)
			waitOwnedIncludes(t, set.GetUID(), c)
			if got := appString(t, c, "metadata", "labels", "gen"); got != "2" {
				t.Errorf("new application %s has gen %q, want 2", c, got)
			}
			waitCondition(t, set.GetName(), appv1.ApplicationSetConditionResourcesUpToDate, "True", "")

			if tc.update {
				waitLabel(t, a, "gen", "2")
			} else {
				consistently(t, quiet, a+" keeps gen=1", func(ctx context.Context) (bool, string) {
					got := appString(t, a, "metadata", "labels", "gen")
					return got == "1", "gen=" + got
				})
			}
			if tc.delete {
				waitOwned(t, set.GetUID(), a, c)
			} else {
				consistently(t, quiet, b+" is kept", func(ctx context.Context) (bool, string) {
					names, err := ownedApps(ctx, set.GetUID())
					return err == nil && slices.Contains(names, b), fmt.Sprintf("applications %v (%v)", names, err)
				})
				if got := appString(t, b, "metadata", "labels", "gen"); got != "1" {
					t.Errorf("kept application %s has gen %q, want 1", b, got)
				}
			}
		})
	}
}

// waitOwnedIncludes waits until the ApplicationSet controls name.
func waitOwnedIncludes(t *testing.T, uid types.UID, name string) {
	t.Helper()
	var last []string
	detail := func() string { return fmt.Sprintf("last seen: %v", last) }
	clustertest.PollDetail(t, 60*time.Second, "application "+name, detail, func(ctx context.Context) (bool, error) {
		names, err := ownedApps(ctx, uid)
		last = names
		return err == nil && slices.Contains(names, name), err
	})
}

// waitLabel waits until Application name has the label key=value.
func waitLabel(t *testing.T, name, key, value string) {
	t.Helper()
	clustertest.Poll(t, 30*time.Second, fmt.Sprintf("application %s labelled %s=%s", name, key, value), func(ctx context.Context) (bool, error) {
		app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, name, metav1.GetOptions{})
		return err == nil && app.GetLabels()[key] == value, err
	})
}

// TestPreserveResourcesOnDeletion deploys an Application of an
// ApplicationSet with preserveResourcesOnDeletion: it gets no resources
// finalizer, and once it is no longer generated and deleted, the objects
// it deployed stay.
func TestPreserveResourcesOnDeletion(t *testing.T) {
	skipShort(t)
	t.Parallel()
	const ns = "preserve-e2e"
	repo := appsRepo(t, "keep")
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	set := createSet(t, newSet(t, "preserve", goTemplateSpec+`
  syncPolicy: {preserveResourcesOnDeletion: true}
  generators:
  - list:
      elements:
      - {app: `+ns+`}
      - {app: preserve-other}
  template:
    metadata: {name: '{{.app}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: apps/keep}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.app}}'}
      syncPolicy:
        automated: {prune: true}
        syncOptions: [CreateNamespace=true]
`))
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Namespaces().Delete(context.Background(), "preserve-other", metav1.DeleteOptions{})
	})
	waitOwned(t, set.GetUID(), ns, "preserve-other")
	if f := getApp(t, ns).GetFinalizers(); slices.Contains(f, appv1.ResourcesFinalizerName) {
		t.Fatalf("application %s has the resources finalizer with preserveResourcesOnDeletion: %v", ns, f)
	}
	waitConfigMap(t, ns, true)

	patchSet(t, set.GetName(), `{"spec":{"generators":[{"list":{"elements":[{"app":"preserve-other"}]}}]}}`)
	clustertest.Poll(t, 30*time.Second, "application "+ns+" deleted", func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, ns, metav1.GetOptions{})
		return isNotFound(err), nil
	})
	consistently(t, quiet, "ConfigMap config in "+ns+" stays", func(ctx context.Context) (bool, string) {
		_, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "config", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	if names, err := ownedApps(context.Background(), set.GetUID()); err != nil || strings.Join(names, ",") != "preserve-other" {
		t.Errorf("applications %v (%v), want preserve-other", names, err)
	}
}
