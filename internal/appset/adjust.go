package appset

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// adjust returns desired with the values that must stay as they are live:
// the annotations and labels of preservedFields, and the fields of the
// ignoreApplicationDifferences rules that match the Application (taken
// from live, or left out when live has none). jqPathExpressions are not
// supported. desired is not modified.
func adjust(desired, live *unstructured.Unstructured, s *appv1.ApplicationSetSpec) (*unstructured.Unstructured, error) {
	if live == nil {
		return desired, nil
	}
	out := desired.DeepCopy()
	if pf := s.PreservedFields; pf != nil {
		preserve(out, live, "annotations", pf.Annotations)
		preserve(out, live, "labels", pf.Labels)
	}
	for _, rule := range s.IgnoreApplicationDifferences {
		if rule.Name != "" && rule.Name != desired.GetName() {
			continue
		}
		if len(rule.JQPathExpressions) > 0 {
			return nil, fmt.Errorf("ignoreApplicationDifferences: jqPathExpressions are not supported by Tether; use jsonPointers")
		}
		for _, ptr := range rule.JSONPointers {
			if err := keepLive(out.Object, live.Object, ptr); err != nil {
				return nil, fmt.Errorf("ignoreApplicationDifferences: %w", err)
			}
		}
	}
	return out, nil
}

// preserve copies the live values of keys of metadata.<field> into desired.
func preserve(desired, live *unstructured.Unstructured, field string, keys []string) {
	liveMap, _, _ := unstructured.NestedStringMap(live.Object, "metadata", field)
	for _, k := range keys {
		v, ok := liveMap[k]
		if !ok {
			continue
		}
		m, _, _ := unstructured.NestedStringMap(desired.Object, "metadata", field)
		if m == nil {
			m = map[string]string{}
		}
		m[k] = v
		_ = unstructured.SetNestedStringMap(desired.Object, m, "metadata", field)
	}
}

// keepLive makes the value at the JSON pointer ptr in desired equal to
// live's, removing it when live has none.
func keepLive(desired, live map[string]any, ptr string) error {
	path, err := parsePointer(ptr)
	if err != nil {
		return err
	}
	if len(path) == 0 {
		return fmt.Errorf("json pointer %q selects the whole object", ptr)
	}
	if v, ok := get(live, path); ok {
		set(desired, path, v)
	} else {
		remove(desired, path)
	}
	return nil
}

// parsePointer splits an RFC 6901 pointer into unescaped tokens.
func parsePointer(ptr string) ([]string, error) {
	if ptr == "" {
		return nil, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("json pointer %q does not start with /", ptr)
	}
	parts := strings.Split(ptr[1:], "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func get(v any, path []string) (any, bool) {
	for _, tok := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// set writes value at path, creating objects on the way; it gives up on a
// list index out of range.
func set(obj map[string]any, path []string, value any) {
	var cur any = obj
	for i, tok := range path {
		last := i == len(path)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[tok] = value
				return
			}
			next, ok := x[tok]
			if _, isMap := next.(map[string]any); !ok || next == nil || (!isMap && !isList(next)) {
				next = map[string]any{}
				x[tok] = next
			}
			cur = next
		case []any:
			idx, err := strconv.Atoi(tok)
			if err != nil || idx < 0 || idx >= len(x) {
				return
			}
			if last {
				x[idx] = value
				return
			}
			cur = x[idx]
		default:
			return
		}
	}
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// remove deletes the value at path from an object; list elements are
// left alone, since removing one would shift the others.
func remove(obj map[string]any, path []string) {
	parent, ok := get(obj, path[:len(path)-1])
	if m, isMap := parent.(map[string]any); ok && isMap {
		delete(m, path[len(path)-1])
	}
}
