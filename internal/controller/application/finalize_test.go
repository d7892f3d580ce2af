package application

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func TestFinalize(t *testing.T) {
	role := &unstructured.Unstructured{}
	role.SetGroupVersionKind(gvkClusterRole)
	role.SetName("reader")
	noClusterKinds := defaultProject()
	noClusterKinds.Spec.ClusterResourceWhitelist = nil
	tests := []struct {
		name       string
		finalizers []string
		project    *appv1.AppProject // nil: none exists
		wantGone   bool              // the ConfigMap is deleted
		wantRole   bool              // the ClusterRole stays
	}{
		{name: "without a finalizer objects stay", finalizers: []string{"someone.else/finalizer"}, project: defaultProject(), wantRole: true},
		{name: "the resources finalizer deletes what the project permits", finalizers: []string{appv1.ResourcesFinalizerName}, project: noClusterKinds, wantGone: true, wantRole: true},
		{name: "background propagation deletes too", finalizers: []string{appv1.BackgroundPropagationPolicyFinalizer}, project: defaultProject(), wantGone: true},
		{name: "without a project everything owned goes", finalizers: []string{appv1.ResourcesFinalizerName}, wantGone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm := configMap("guestbook", "a", "", nil)
			app := guestbook(func(a *appv1.Application) {
				a.Finalizers = tt.finalizers
				now := metav1.Now()
				a.DeletionTimestamp = &now
				a.Status.Resources = []appv1.ResourceStatus{resourceStatus(cm), resourceStatus(role)}
			})
			objs := []client.Object{app}
			if tt.project != nil {
				objs = append(objs, tt.project)
			}
			w := newWorld(t, objs...)
			w.seedLive(t, "guestbook", cm, role)
			ctx := context.Background()
			key := client.ObjectKeyFromObject(app)

			// Finalize until the Application is gone or keeps someone
			// else's finalizer, as the queue would.
			eventually(t, "the finalizer to finish", func() bool {
				got := &appv1.Application{}
				if err := w.r.Client.Get(ctx, key, got); apierrors.IsNotFound(err) {
					return true
				} else if err != nil {
					t.Fatal(err)
				}
				res, err := w.r.finalize(ctx, got)
				if err != nil {
					t.Fatalf("finalize: %v", err)
				}
				return res.RequeueAfter == 0
			})
			if gone := w.liveObj(t, gvkConfigMap, "guestbook", "a") == nil; gone != tt.wantGone {
				t.Errorf("ConfigMap deleted = %v, want %v", gone, tt.wantGone)
			}
			if kept := w.liveObj(t, gvkClusterRole, "", "reader") != nil; kept != tt.wantRole {
				t.Errorf("ClusterRole kept = %v, want %v", kept, tt.wantRole)
			}
			got := &appv1.Application{}
			err := w.r.Client.Get(ctx, key, got)
			switch {
			case len(tt.finalizers) == 1 && tt.finalizers[0] == "someone.else/finalizer":
				if err != nil || len(got.Finalizers) != 1 {
					t.Errorf("someone else's finalizer: %v, %v", err, got.Finalizers)
				}
			case !apierrors.IsNotFound(err):
				t.Errorf("the Application is still there (%v), finalizers %v", err, got.Finalizers)
			}
		})
	}
}
