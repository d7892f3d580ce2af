package appset

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// renderer renders templated strings, and every string of a JSON-like
// value, with one of Argo CD's two template languages:
//
//   - "{{param}}" substitution (fasttemplate): a tag whose trimmed name is a
//     string parameter is replaced by its value; any other tag is left as it
//     is. Only strings that hold a complete tag are parsed.
//   - Go templates (goTemplate: true) with the functions of funcMap and the
//     goTemplateOptions, such as "missingkey=error".
//
// A renderer caches parsed Go templates; it is not safe for concurrent use.
type renderer struct {
	goTemplate bool
	options    []string
	funcs      template.FuncMap
	parsed     map[string]*template.Template
}

func newRenderer(goTemplate bool, options []string) *renderer {
	r := &renderer{goTemplate: goTemplate, options: options}
	if goTemplate {
		r.funcs = funcMap()
		r.parsed = map[string]*template.Template{}
	}
	return r
}

// str renders one string with params.
func (r *renderer) str(s string, params map[string]any) (string, error) {
	if r.goTemplate {
		return r.goString(s, params)
	}
	return substitute(s, params)
}

func (r *renderer) goString(s string, params map[string]any) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, ok := r.parsed[s]
	if !ok {
		var err error
		t, err = template.New("").Funcs(r.funcs).Parse(s)
		if err != nil {
			return "", fmt.Errorf("parse template %q: %w", s, err)
		}
		for _, o := range r.options {
			t = t.Option(o)
		}
		r.parsed[s] = t
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, params); err != nil {
		return "", fmt.Errorf("execute template %q: %w", s, err)
	}
	return buf.String(), nil
}

// substitute replaces "{{ name }}" tags by string parameters, as Argo CD's
// fasttemplate rendering does: unknown tags stay, and a string with a
// complete tag but an unclosed "{{" later is an error.
func substitute(s string, params map[string]any) (string, error) {
	if !hasTag(s) {
		return s, nil
	}
	var b strings.Builder
	rest := s
	for {
		start := strings.Index(rest, "{{")
		if start < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		end := strings.Index(rest[start+2:], "}}")
		if end < 0 {
			return "", fmt.Errorf("invalid template %q: cannot find end tag \"}}\"", s)
		}
		b.WriteString(rest[:start])
		tag := rest[start+2 : start+2+end]
		if v, ok := params[strings.TrimSpace(tag)].(string); ok && strings.TrimSpace(tag) != "" {
			b.WriteString(v)
		} else {
			b.WriteString("{{" + tag + "}}")
		}
		rest = rest[start+2+end+2:]
	}
}

// hasTag reports whether a line of s holds "{{" followed by "}}".
func hasTag(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "{{"); i >= 0 && strings.Contains(line[i+2:], "}}") {
			return true
		}
	}
	return false
}

// value renders every string of v, a JSON-like value (maps, lists,
// scalars), map keys included, and returns a new value; v is not modified.
func (r *renderer) value(v any, params map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return r.str(x, params)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			key, err := r.str(k, params)
			if err != nil {
				return nil, err
			}
			rendered, err := r.value(item, params)
			if err != nil {
				return nil, err
			}
			out[key] = rendered
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			rendered, err := r.value(item, params)
			if err != nil {
				return nil, err
			}
			out[i] = rendered
		}
		return out, nil
	default:
		return v, nil
	}
}

// object renders a JSON-like map.
func (r *renderer) object(m map[string]any, params map[string]any) (map[string]any, error) {
	v, err := r.value(m, params)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}
