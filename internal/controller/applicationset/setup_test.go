package applicationset

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tether-gitops/tether/internal/appset"
)

func TestOwnedAppChanged(t *testing.T) {
	base := func() *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": "a", "namespace": "argocd", "labels": map[string]any{"team": "red"}},
			"spec":     map[string]any{"project": "default"},
			"status": map[string]any{
				"sync":         map[string]any{"status": "Synced", "revision": "abc"},
				"health":       map[string]any{"status": "Healthy", "message": "ok"},
				"reconciledAt": "2026-01-01T00:00:00Z",
			},
		}}
		return u
	}
	now := metav1.Now()
	for _, tc := range []struct {
		name string
		edit func(u *unstructured.Unstructured)
		want bool
	}{
		{"nothing", func(*unstructured.Unstructured) {}, false},
		{"reconciledAt", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "2026-01-02T00:00:00Z", "status", "reconciledAt")
		}, false},
		{"sync revision", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "def", "status", "sync", "revision")
		}, false},
		{"health message", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "still ok", "status", "health", "message")
		}, false},
		{"operation state", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "Running", "status", "operationState", "phase")
		}, false},
		{"spec", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "other", "spec", "project")
		}, true},
		{"sync status", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "OutOfSync", "status", "sync", "status")
		}, true},
		{"health status", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "Degraded", "status", "health", "status")
		}, true},
		{"health status removed", func(u *unstructured.Unstructured) {
			unstructured.RemoveNestedField(u.Object, "status", "health")
		}, true},
		{"labels", func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"team": "blue"}) }, true},
		{"annotations", func(u *unstructured.Unstructured) { u.SetAnnotations(map[string]string{"a": "b"}) }, true},
		{"finalizers", func(u *unstructured.Unstructured) { u.SetFinalizers([]string{"f"}) }, true},
		{"owner references", func(u *unstructured.Unstructured) {
			u.SetOwnerReferences([]metav1.OwnerReference{{Kind: "ApplicationSet", Name: "s", UID: "u"}})
		}, true},
		{"deletion", func(u *unstructured.Unstructured) { u.SetDeletionTimestamp(&now) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, next := base(), base()
			tc.edit(next)
			if got := ownedAppChanged().Update(event.UpdateEvent{ObjectOld: old, ObjectNew: next}); got != tc.want {
				t.Errorf("update passes: %v, want %v", got, tc.want)
			}
		})
	}

	p := ownedAppChanged()
	app := base()
	if !p.Create(event.CreateEvent{Object: app}) || !p.Delete(event.DeleteEvent{Object: app}) || !p.Generic(event.GenericEvent{Object: app}) {
		t.Error("creations, deletions and generic events must pass")
	}
	typed := &corev1.ConfigMap{}
	if !p.Update(event.UpdateEvent{ObjectOld: typed, ObjectNew: typed.DeepCopy()}) {
		t.Error("an update of a typed object must pass: the predicate cannot read it")
	}
}

func TestIsClusterSecret(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"cluster", map[string]string{appset.SecretTypeLabel: appset.SecretTypeCluster}, true},
		{"cluster with other labels", map[string]string{appset.SecretTypeLabel: appset.SecretTypeCluster, "env": "prod"}, true},
		{"repository", map[string]string{appset.SecretTypeLabel: "repository"}, false},
		{"repo-creds", map[string]string{appset.SecretTypeLabel: "repo-creds"}, false},
		{"unlabelled", nil, false},
		{"cluster as another label", map[string]string{"type": appset.SecretTypeCluster}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "argocd", Labels: tc.labels}}
			p := isClusterSecret()
			if got := p.Create(event.CreateEvent{Object: s}); got != tc.want {
				t.Errorf("create passes: %v, want %v", got, tc.want)
			}
			if got := p.Delete(event.DeleteEvent{Object: s}); got != tc.want {
				t.Errorf("delete passes: %v, want %v", got, tc.want)
			}
			if got := p.Update(event.UpdateEvent{ObjectOld: s, ObjectNew: s}); got != tc.want {
				t.Errorf("update passes: %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAllSets(t *testing.T) {
	c := newFakeClient(t,
		newSet("a", "argocd", nil), newSet("b", "argocd", nil), newSet("elsewhere", "other", nil))
	r := &Reconciler{Client: c, Options: Options{Namespace: "argocd"}}
	got := r.allSets(context.Background(), &corev1.Secret{})
	var names []string
	for _, req := range got {
		if req.Namespace != "argocd" {
			t.Errorf("request %v outside the controller's namespace", req)
		}
		names = append(names, req.Name)
	}
	if len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Errorf("requests for %v, want a and b", names)
	}
}
