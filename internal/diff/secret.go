package diff

import (
	"encoding/base64"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// mask is the shortest mask of a Secret value. Like Argo CD, Tether masks
// with plus signs; a value that differs from another of the same key gets a
// longer mask.
const (
	mask     = "++++++++"
	maskStep = "++++"
)

// lastApplied is kubectl's annotation, which holds a copy of the whole
// object, Secret values included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// isSecret reports whether obj is a core Secret.
func isSecret(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}

// foldStringData returns obj with stringData moved into data, base64
// encoded, as the API server stores it. obj is not modified.
func foldStringData(obj map[string]any) map[string]any {
	sd, ok := obj["stringData"].(map[string]any)
	if !ok {
		return obj
	}
	out := maps.Clone(obj)
	delete(out, "stringData")
	data, _ := obj["data"].(map[string]any)
	merged := make(map[string]any, len(data)+len(sd))
	maps.Copy(merged, data)
	for k, v := range sd {
		if s, ok := v.(string); ok {
			v = base64.StdEncoding.EncodeToString([]byte(s))
		}
		merged[k] = v
	}
	out["data"] = merged
	return out
}

// MaskSecrets returns a deep copy of obj in which, if obj is a core Secret,
// every value of data and stringData, and kubectl's last-applied
// annotation, is replaced by a mask of plus signs ("++++++++"). Keys stay
// visible. Other objects are copied unchanged; nil returns nil.
//
// MaskSecrets sees one object, so all its values get the same mask. Unified
// masks the desired and live Secrets together, so that a value that differs
// between them gets masks of different lengths.
func MaskSecrets(obj *unstructured.Unstructured) *unstructured.Unstructured {
	if obj == nil {
		return nil
	}
	out := &unstructured.Unstructured{Object: deepCopy(obj.Object).(map[string]any)}
	if !isSecret(obj) {
		return out
	}
	for _, field := range []string{"data", "stringData"} {
		if m, ok := out.Object[field].(map[string]any); ok {
			for k := range m {
				m[k] = mask
			}
		}
	}
	maskLastApplied(out.Object)
	return out
}

// maskPair masks the Secret values of two normalized objects (either may be
// nil) in place, as Argo CD does: for each key, equal values get equal
// masks and each different value a longer one, so a reader can tell which
// values changed without seeing them.
func maskPair(a, b map[string]any) {
	da, _ := a["data"].(map[string]any)
	db, _ := b["data"].(map[string]any)
	keys := make(map[string]struct{}, len(da)+len(db))
	for k := range da {
		keys[k] = struct{}{}
	}
	for k := range db {
		keys[k] = struct{}{}
	}
	for k := range keys {
		masks := map[string]string{}
		next := mask
		for _, data := range []map[string]any{da, db} {
			v, ok := data[k]
			if !ok {
				continue
			}
			text := fmt.Sprint(v)
			m, seen := masks[text]
			if !seen {
				m, next = next, next+maskStep
				masks[text] = m
			}
			data[k] = m
		}
	}
	maskLastApplied(a)
	maskLastApplied(b)
}

// maskLastApplied masks kubectl's last-applied annotation of obj in place.
func maskLastApplied(obj map[string]any) {
	meta, _ := obj["metadata"].(map[string]any)
	if ann, ok := meta["annotations"].(map[string]any); ok {
		if _, ok := ann[lastApplied]; ok {
			ann[lastApplied] = mask
		}
	}
}
