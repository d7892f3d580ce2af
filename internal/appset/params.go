package appset

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
)

// Params is one parameter set: what one generated Application is rendered
// with. Without goTemplate every value is a string under a flat, dotted key
// ("path.basename", "values.env"); with goTemplate values nest
// ({"path": {"basename": ...}}) and keep their types.
type Params = map[string]any

// flatten writes the leaves of obj into out under dotted keys ("a.b",
// list elements as "a.0"), as strings, the way Argo CD flattens the objects
// of JSON and YAML files for "{{param}}" templates.
func flatten(prefix string, v any, out Params) {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			flatten(join(prefix, k), item, out)
		}
	case []any:
		for i, item := range x {
			flatten(join(prefix, strconv.Itoa(i)), item, out)
		}
	default:
		if prefix != "" {
			out[prefix] = scalarString(v)
		}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// scalarString formats a JSON scalar: numbers without exponents or
// trailing zeros, booleans as true and false, null as "".
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	default:
		return fmt.Sprint(x)
	}
}

// addValues renders a generator's values with params and adds them: as
// "values.<key>" strings, or under "values" with goTemplate. Values see the
// generator's parameters, not each other.
func addValues(params Params, values map[string]string, r *renderer) error {
	if len(values) == 0 {
		return nil
	}
	rendered := make(map[string]any, len(values))
	for _, k := range sortedKeys(values) {
		v, err := r.str(values[k], params)
		if err != nil {
			return fmt.Errorf("value %q: %w", k, err)
		}
		rendered[k] = v
	}
	if r.goTemplate {
		params["values"] = rendered
		return nil
	}
	for k, v := range rendered {
		params["values."+k] = v
	}
	return nil
}

// combineFlat unites two flat parameter sets; a key with two different
// values is an error.
func combineFlat(a, b Params) (Params, error) {
	out := maps.Clone(a)
	for k, v := range b {
		if old, ok := out[k]; ok && old != v {
			return nil, fmt.Errorf("parameter %q has two values, %q and %q", k, scalarString(old), scalarString(v))
		}
		out[k] = v
	}
	return out, nil
}

// deepMerge returns base with over merged in: nested maps merge key by key;
// for other values over wins when override is set, base otherwise. Neither
// argument is modified.
func deepMerge(base, over map[string]any, override bool) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		old, ok := out[k]
		om, okOld := old.(map[string]any)
		nm, okNew := v.(map[string]any)
		switch {
		case !ok:
			out[k] = v
		case okOld && okNew:
			out[k] = deepMerge(om, nm, override)
		case override:
			out[k] = v
		}
	}
	return out
}

// stringParams returns the string-valued parameters, what selectors match.
func stringParams(p Params) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
