package diff

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// matching returns the rules that apply to obj.
func matching(rules []IgnoreRule, obj *unstructured.Unstructured) []IgnoreRule {
	var out []IgnoreRule
	gvk := obj.GroupVersionKind()
	for _, r := range rules {
		if glob(r.Group, gvk.Group) && glob(r.Kind, gvk.Kind) &&
			(r.Name == "" || r.Name == obj.GetName()) &&
			(r.Namespace == "" || r.Namespace == obj.GetNamespace()) {
			out = append(out, r)
		}
	}
	return out
}

// glob matches s against a shell pattern; a malformed pattern matches
// itself only.
func glob(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	if err != nil {
		return pattern == s
	}
	return ok
}

// ignoredManagers lists the managers of rules, once each.
func ignoredManagers(rules []IgnoreRule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.ManagedFieldsManagers...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// withoutPointers removes the fields at pointers from desired and live.
// The arguments are not modified: maps and lists on the way to a removed
// field are copied.
func withoutPointers(desired, live map[string]any, pointers []string) (map[string]any, map[string]any, error) {
	for _, p := range pointers {
		tokens, err := parsePointer(p)
		if err != nil {
			return nil, nil, err
		}
		desired, live = without(desired, tokens), without(live, tokens)
	}
	return desired, live, nil
}

// parsePointer splits an RFC 6901 JSON pointer into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("JSON pointer %q: must start with /", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// without returns obj without the field at tokens, copying what it changes.
func without(obj map[string]any, tokens []string) map[string]any {
	if obj == nil {
		return nil
	}
	out, _ := removeAt(obj, tokens)
	return out.(map[string]any)
}

// removeAt removes the field at tokens below v, and reports whether there
// was one.
func removeAt(v any, tokens []string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[tokens[0]]
		if !ok {
			return v, false
		}
		out := maps.Clone(x)
		if len(tokens) == 1 {
			delete(out, tokens[0])
			return out, true
		}
		if out[tokens[0]], ok = removeAt(child, tokens[1:]); !ok {
			return v, false
		}
		return out, true
	case []any:
		i, err := strconv.Atoi(tokens[0])
		if err != nil || i < 0 || i >= len(x) {
			return v, false
		}
		if len(tokens) == 1 {
			return slices.Delete(slices.Clone(x), i, i+1), true
		}
		child, ok := removeAt(x[i], tokens[1:])
		if !ok {
			return v, false
		}
		out := slices.Clone(x)
		out[i] = child
		return out, true
	}
	return v, false
}
