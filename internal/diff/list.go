package diff

import (
	"strconv"
	"strings"
)

// knownKeys returns the key fields of the lists that Kubernetes merges by
// key, by the name of the list field, when the key is not the name. Any
// other list of objects that all have distinct names is merged by name
// (containers, volumes, env, ...).
func knownKeys(field string, first map[string]any) []string {
	switch field {
	case "ports":
		if _, ok := first["containerPort"]; ok {
			return []string{"containerPort", "protocol"}
		}
		if _, ok := first["port"]; ok {
			return []string{"port", "protocol"}
		}
	case "volumeMounts":
		return []string{"mountPath"}
	case "volumeDevices":
		return []string{"devicePath"}
	case "hostAliases":
		return []string{"ip"}
	case "topologySpreadConstraints":
		return []string{"topologyKey", "whenUnsatisfiable"}
	case "conditions":
		return []string{"type"}
	}
	return nil
}

// listKeys returns the key fields of the desired list d, held in the field
// named field, and the key of each element; or nil when d is not a list of
// objects with distinct keys, and is compared by index.
func listKeys(field string, d []any) (keys, ids []string) {
	first, ok := d[0].(map[string]any)
	if !ok {
		return nil, nil
	}
	keys = knownKeys(field, first)
	if keys == nil {
		keys = []string{"name"}
	}
	ids = make([]string, len(d))
	seen := make(map[string]struct{}, len(d))
	for i, e := range d {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, nil
		}
		id, ok := keyOf(m, keys)
		if _, dup := seen[id]; !ok || dup {
			return nil, nil
		}
		seen[id] = struct{}{}
		ids[i] = id
	}
	return keys, ids
}

// keyOf returns the identity of a list element: its key values, separated
// by NUL. It fails when a key field is missing or not a scalar.
func keyOf(m map[string]any, keys []string) (string, bool) {
	if len(keys) == 1 {
		return keyValue(m, keys[0])
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, ok := keyValue(m, k)
		if !ok {
			return "", false
		}
		parts[i] = v
	}
	return strings.Join(parts, "\x00"), true
}

// keyValue returns the text of one key field of m. A missing protocol is
// the API default, TCP.
func keyValue(m map[string]any, k string) (string, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		if k == "protocol" {
			return "TCP", true
		}
		return "", false
	}
	return scalarText(v)
}

// scalarText writes a scalar so that equal values (80 and 80.0) read the
// same. It fails for maps and lists.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "null", true
	}
	if n, ok := number(v); ok {
		return n.String(), true
	}
	return "", false
}
