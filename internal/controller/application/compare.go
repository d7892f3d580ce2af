package application

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/diff"
	"github.com/tether-gitops/tether/internal/target"
)

// compare reads the live state of every desired and owned object from the
// watches and decides, per resource and for the app, Synced or OutOfSync.
func (run *run) compare(ctx context.Context) bool {
	if err := run.r.Live.Watch(ctx, run.kinds()...); err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		run.transient = err
		return false
	}
	desiredKeys := map[objKey]bool{}
	for _, obj := range run.desired {
		k := keyOf(obj)
		desiredKeys[k] = true
		liveObj, err := run.r.Live.Get(obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName())
		if err != nil {
			run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
			run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
			return false
		}
		run.live[k] = liveObj
	}
	run.prune = run.prune[:0]
	for _, obj := range run.r.Live.Owned(run.instance()) {
		if desiredKeys[keyOf(obj)] {
			continue
		}
		// Objects the project does not permit are neither shown nor pruned.
		if ok, _ := run.permitted(obj); ok {
			run.prune = append(run.prune, obj)
		}
	}
	run.updateSyncStatus()
	return true
}

// updateSyncStatus fills status.resources and status.sync from run.desired,
// run.live and run.prune.
func (run *run) updateSyncStatus() {
	resources := make([]appv1.ResourceStatus, 0, len(run.desired)+len(run.prune))
	clear(run.drift)
	status := appv1.SyncStatusCodeSynced
	opts := target.CompareOptions(run.app)
	for _, obj := range run.desired {
		res := resourceStatus(obj)
		res.Status = appv1.SyncStatusCodeSynced
		liveObj := run.live[keyOf(obj)]
		if liveObj == nil {
			res.Status = appv1.SyncStatusCodeOutOfSync
		} else if result, err := diff.Compare(obj, liveObj, opts); err != nil || result.Modified {
			res.Status = appv1.SyncStatusCodeOutOfSync
			run.drift[keyOf(obj)] = result.Fields
		}
		if res.Status != appv1.SyncStatusCodeSynced {
			status = appv1.SyncStatusCodeOutOfSync
		}
		resources = append(resources, res)
	}
	for _, obj := range run.prune {
		res := resourceStatus(obj)
		res.Status = appv1.SyncStatusCodeOutOfSync
		res.RequiresPruning = true
		status = appv1.SyncStatusCodeOutOfSync
		resources = append(resources, res)
	}
	sortResources(resources)
	// Keep health from the previous status until assessHealth runs.
	run.app.Status.Resources = mergeHealth(resources, run.orig.Status.Resources)
	run.app.Status.Sync = run.syncStatus(status)
}

func resourceStatus(obj *unstructured.Unstructured) appv1.ResourceStatus {
	gvk := obj.GroupVersionKind()
	return appv1.ResourceStatus{
		Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Namespace: obj.GetNamespace(), Name: obj.GetName(),
		SyncWave: int64(apply.Wave(obj)),
	}
}

func mergeHealth(resources, prev []appv1.ResourceStatus) []appv1.ResourceStatus {
	old := map[string]*appv1.HealthStatus{}
	for _, r := range prev {
		old[resKey(r)] = r.Health
	}
	for i := range resources {
		resources[i].Health = old[resKey(resources[i])]
	}
	return resources
}

func resKey(r appv1.ResourceStatus) string {
	return fmt.Sprintf("%s/%s/%s/%s", r.Group, r.Kind, r.Namespace, r.Name)
}

// sortResources orders resources as Argo CD lists them: by group, kind,
// namespace, name.
func sortResources(rs []appv1.ResourceStatus) {
	sort.Slice(rs, func(i, j int) bool { return resKey(rs[i]) < resKey(rs[j]) })
}
