package appset

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// spec is an ApplicationSet's spec: the typed options, and the template
// and generators as stored, so that fields the Go types lack survive.
type spec struct {
	appv1.ApplicationSetSpec
	template   map[string]any
	generators []map[string]any
}

// readSpec reads the spec of set. Typed fields that do not decode (a
// string where a list belongs) are errors.
func readSpec(set *unstructured.Unstructured) (*spec, error) {
	raw, _, err := unstructured.NestedMap(set.Object, "spec")
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	s := &spec{}
	options := map[string]any{}
	for k, v := range raw {
		if k != "generators" && k != "template" {
			options[k] = v
		}
	}
	if err := fromMap(options, &s.ApplicationSetSpec); err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	if s.template, err = objectAt(raw, "template"); err != nil {
		return nil, err
	}
	list, ok := raw["generators"].([]any)
	if !ok && raw["generators"] != nil {
		return nil, fmt.Errorf("spec.generators is not a list")
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("spec.generators[%d] is not an object", i)
		}
		s.generators = append(s.generators, m)
	}
	if len(s.generators) == 0 {
		return nil, fmt.Errorf("spec.generators is empty: nothing to generate")
	}
	return s, nil
}

// objectAt returns m[key] as an object; a missing key is an empty object.
func objectAt(m map[string]any, key string) (map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return map[string]any{}, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an object", key)
	}
	return obj, nil
}

// Policy returns the ApplicationSet's applicationsSync policy (sync when
// unset). It does not validate the rest of the spec.
func Policy(set *unstructured.Unstructured) (appv1.ApplicationsSyncPolicy, error) {
	raw, _, _ := unstructured.NestedFieldNoCopy(set.Object, "spec", "syncPolicy")
	var p *appv1.ApplicationSetSyncPolicy
	if raw != nil {
		p = &appv1.ApplicationSetSyncPolicy{}
		if err := fromMap(raw, p); err != nil {
			return "", fmt.Errorf("read spec.syncPolicy: %w", err)
		}
	}
	policy := p.Policy()
	switch policy {
	case appv1.ApplicationsSyncPolicySync, appv1.ApplicationsSyncPolicyCreateOnly,
		appv1.ApplicationsSyncPolicyCreateUpdate, appv1.ApplicationsSyncPolicyCreateDelete:
		return policy, nil
	}
	return "", fmt.Errorf("spec.syncPolicy.applicationsSync: unknown policy %q", policy)
}

func redactURL(u string) string { return gitsource.Redact(u) }
