package application

import (
	"context"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/health"
)

// assessHealth sets each resource's health from its live state and the
// app's health to the worst of them; it also lists the images deployed.
func (run *run) assessHealth(_ context.Context) bool {
	statuses := []health.Status{health.Healthy}
	images := map[string]bool{}
	byKey := map[string]*unstructured.Unstructured{}
	for k, obj := range run.live {
		byKey[k.group+"/"+k.kind+"/"+k.namespace+"/"+k.name] = obj
	}
	var message string
	for i := range run.app.Status.Resources {
		res := &run.app.Status.Resources[i]
		if res.RequiresPruning {
			res.Health = nil
			continue
		}
		obj := byKey[res.Group+"/"+res.Kind+"/"+res.Namespace+"/"+res.Name]
		status, msg := health.Missing, ""
		if obj != nil {
			status, msg = health.Assess(obj)
			collectImages(obj, images)
		}
		res.Health = &appv1.HealthStatus{Status: appv1.HealthStatusCode(status), Message: msg}
		if health.IsWorse(health.Worst(statuses...), status) && msg != "" {
			message = res.Kind + " " + res.Name + ": " + msg
		}
		statuses = append(statuses, status)
	}
	worst := health.Worst(statuses...)
	if worst == health.Healthy {
		message = ""
	}
	prev := run.orig.Status.Health
	h := appv1.HealthStatus{Status: appv1.HealthStatusCode(worst), Message: message, LastTransitionTime: prev.LastTransitionTime}
	if prev.Status != h.Status || h.LastTransitionTime == nil {
		now := metaNow(run.r.now())
		h.LastTransitionTime = &now
	}
	run.app.Status.Health = h
	run.app.Status.Summary.Images = sortedKeys(images)
	return true
}

// collectImages adds the container images of a workload or Pod to images.
func collectImages(obj *unstructured.Unstructured, images map[string]bool) {
	for _, path := range [][]string{
		{"spec", "containers"}, {"spec", "initContainers"},
		{"spec", "template", "spec", "containers"}, {"spec", "template", "spec", "initContainers"},
		{"spec", "jobTemplate", "spec", "template", "spec", "containers"},
	} {
		containers, _, _ := unstructured.NestedSlice(obj.Object, path...)
		for _, c := range containers {
			if m, ok := c.(map[string]any); ok {
				if img, ok := m["image"].(string); ok && img != "" {
					images[img] = true
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
