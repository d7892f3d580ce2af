package diff

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// FuzzCompare feeds Compare and Unified arbitrary JSON objects: they must
// not panic, must be deterministic, must find an object equal to itself,
// and must agree with each other.
func FuzzCompare(f *testing.F) {
	for _, file := range []string{"deployment-defaulted.yaml", "secret.yaml", "container-removed.yaml", "sidecar.yaml", "hpa-owned-replicas.yaml", "quota.yaml"} {
		desired, live := loadPair(f, file)
		d, _ := desired.MarshalJSON()
		l, _ := live.MarshalJSON()
		f.Add(d, l)
	}
	f.Add([]byte(`{"kind":"Secret","apiVersion":"v1","stringData":{"a":1},"data":null}`), []byte(`{"data":{"a":"MQ=="}}`))
	f.Add([]byte(`{"spec":{"ports":[{"port":1.5},{"port":"x","protocol":null}]}}`), []byte(`{"spec":{"ports":[{"port":1.5,"protocol":"TCP"}]}}`))
	f.Add([]byte(`{"metadata":{"managedFields":[{"manager":"tether","operation":"Apply","fieldsV1":{"f:a":{"k:{\"x\":1}":{}}}}]}}`), []byte(`{"a":[{"x":1.0}]}`))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap"}`),
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"labels":{"a":"x"},"managedFields":[{"manager":"tether","operation":"Apply","apiVersion":"v1","fieldsV1":{"f:metadata":{"f:labels":{"f:b":{}}}}}]}}`))
	opts := Options{Manager: manager, Ignore: []IgnoreRule{{
		Group: "*", Kind: "*",
		JSONPointers:          []string{"/spec/replicas", "/spec/template/spec/containers/0/env", "/data/username"},
		ManagedFieldsManagers: []string{"kube-controller-manager", "istio-sidecar-injector"},
	}}}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		desired, live := object(a), object(b)
		if desired == nil || live == nil {
			return
		}
		first, err := Compare(desired, live, opts)
		if err != nil {
			return
		}
		again, _ := Compare(desired, live, opts)
		if first.Modified != again.Modified || len(first.Fields) != len(again.Fields) {
			t.Fatalf("Compare is not deterministic: %+v then %+v", first, again)
		}
		if self, err := Compare(live, live, opts); err == nil && self.Modified {
			t.Fatalf("an object differs from itself: %+v", self.Fields)
		}
		text, err := Unified(desired, live, opts)
		if err != nil {
			t.Fatalf("Compare succeeded but Unified failed: %v", err)
		}
		if first.Modified != (text != "") {
			t.Fatalf("Compare: %+v, but Unified:\n%s", first, text)
		}
		MaskSecrets(desired)
	})
}

// object decodes a JSON object, or returns nil.
func object(data []byte) *unstructured.Unstructured {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil
	}
	return &unstructured.Unstructured{Object: m}
}
