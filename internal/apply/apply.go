// Package apply applies desired objects to a cluster by server-side apply, in
// Argo CD's order (sync waves, then kinds with Namespaces and CRDs first), and
// prunes objects that left Git. It decides nothing about when to sync: the
// Application controller does.
package apply

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// SyncWaveAnnotation orders objects: lower waves are applied first.
const SyncWaveAnnotation = "argocd.argoproj.io/sync-wave"

// Applier writes objects with server-side apply under one field manager.
type Applier struct {
	Dynamic dynamic.Interface
	Mapper  meta.RESTMapper
	// Manager is the field manager of every apply.
	Manager string
}

// Apply server-side applies obj, taking ownership of conflicting fields, and
// returns the object as the server stored it. With dryRun nothing is stored.
func (a *Applier) Apply(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, err := a.resource(obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.ApplyOptions{FieldManager: a.Manager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := ri.Apply(ctx, obj.GetName(), obj, opts)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", Describe(obj), err)
	}
	return out, nil
}

// Delete deletes obj in the foreground unless it is gone already; with a
// UID precondition, so that an object recreated meanwhile is left alone.
func (a *Applier) Delete(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) error {
	ri, err := a.resource(obj)
	if err != nil {
		return err
	}
	policy := metav1.DeletePropagationForeground
	opts := metav1.DeleteOptions{PropagationPolicy: &policy}
	if uid := obj.GetUID(); uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: ptr(types.UID(uid))}
	}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if err := ri.Delete(ctx, obj.GetName(), opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", Describe(obj), err)
	}
	return nil
}

func (a *Applier) resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := a.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("resource type of %s: %w", Describe(obj), err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		return a.Dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()), nil
	}
	return a.Dynamic.Resource(mapping.Resource), nil
}

func ptr[T any](v T) *T { return &v }

// Describe names obj for messages: "Deployment prod/web".
func Describe(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return obj.GetKind() + " " + ns + "/" + obj.GetName()
	}
	return obj.GetKind() + " " + obj.GetName()
}

// Wave returns obj's sync wave (0 when unset or invalid).
func Wave(obj *unstructured.Unstructured) int {
	w, err := strconv.Atoi(obj.GetAnnotations()[SyncWaveAnnotation])
	if err != nil {
		return 0
	}
	return w
}

// kindOrder is the order in which kinds are applied within a wave, as Argo
// CD (and Helm) do: what others depend on comes first.
var kindOrder = func() map[string]int {
	kinds := []string{
		"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
		"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
		"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition",
		"ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList",
		"Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
		"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
		"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	}
	m := make(map[string]int, len(kinds))
	for i, k := range kinds {
		m[k] = i
	}
	return m
}()

// Sort orders objs for applying: by wave, then kind order (unknown kinds
// last), then name. It sorts in place and is stable.
func Sort(objs []*unstructured.Unstructured) {
	rank := func(o *unstructured.Unstructured) int {
		if r, ok := kindOrder[o.GetKind()]; ok {
			return r
		}
		return len(kindOrder)
	}
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if wa, wb := Wave(a), Wave(b); wa != wb {
			return wa < wb
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		return a.GetName() < b.GetName()
	})
}
