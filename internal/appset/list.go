package appset

import (
	"fmt"
	"maps"

	"sigs.k8s.io/yaml"
)

// list returns one parameter set per element of elements and of
// elementsYaml. With goTemplate an element is the set as it is; otherwise
// its scalar values become strings, and the strings of its "values" object
// become "values.<key>".
func (run *generation) list(body map[string]any) ([]Params, error) {
	var elements []any
	if raw, ok := body["elements"]; ok && raw != nil {
		l, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("list: elements is not a list")
		}
		elements = append(elements, l...)
	}
	if text, _ := body["elementsYaml"].(string); text != "" {
		var l []any
		if err := yaml.Unmarshal([]byte(text), &l); err != nil {
			return nil, fmt.Errorf("list: elementsYaml: %w", err)
		}
		elements = append(elements, l...)
	}
	out := make([]Params, 0, len(elements))
	for i, e := range elements {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("list: element %d is not an object", i)
		}
		p, err := run.listElement(m)
		if err != nil {
			return nil, fmt.Errorf("list: element %d: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (run *generation) listElement(m map[string]any) (Params, error) {
	if run.r.goTemplate {
		return maps.Clone(m), nil
	}
	p := Params{}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if k != "values" {
				return nil, fmt.Errorf("the value of %q is an object; only \"values\" may be one without goTemplate", k)
			}
			for vk, vv := range x {
				if _, nested := vv.(map[string]any); nested {
					return nil, fmt.Errorf("values.%s is an object", vk)
				}
				p["values."+vk] = scalarString(vv)
			}
		case []any:
			return nil, fmt.Errorf("the value of %q is a list; lists need goTemplate", k)
		default:
			p[k] = scalarString(x)
		}
	}
	return p, nil
}
