package diff

import (
	"fmt"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// entry is one metadata.managedFields entry, without its fields.
type entry struct {
	manager, operation, subresource, apiVersion string
}

// managedFields returns the union of the fields of the entries of obj's
// metadata.managedFields that match, or nil when none does.
func managedFields(obj map[string]any, match func(entry) bool) (*fieldpath.Set, error) {
	meta, _ := obj["metadata"].(map[string]any)
	list, _ := meta["managedFields"].([]any)
	var set *fieldpath.Set
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		e := entry{manager: str(m["manager"]), operation: str(m["operation"]), subresource: str(m["subresource"]), apiVersion: str(m["apiVersion"])}
		if !match(e) {
			continue
		}
		fields, _ := m["fieldsV1"].(map[string]any)
		s := &fieldpath.Set{}
		if err := addFields(s, fields); err != nil {
			return nil, fmt.Errorf("read managedFields of manager %q: %w", e.manager, err)
		}
		if set == nil {
			set = s
		} else {
			set = set.Union(s)
		}
	}
	return set, nil
}

// addFields adds to s the fields of a FieldsV1 tree, parsing its keys
// ("f:name", "k:{...}", "v:...", "i:0") with fieldpath. A "." key marks
// its node as a member of s, like a leaf.
func addFields(s *fieldpath.Set, tree map[string]any) error {
	for k, v := range tree {
		if k == "." {
			continue // Recorded by the parent.
		}
		pe, err := fieldpath.DeserializePathElement(k)
		if err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
		child, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("field %q: not an object", k)
		}
		_, self := child["."]
		if self || len(child) == 0 {
			s.Members.Insert(pe)
		}
		if len(child) > 1 || (len(child) == 1 && !self) {
			if err := addFields(s.Children.Descend(pe), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// str returns v if it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// childSet returns the subset of s below pe, and whether everything at pe
// belongs to s (pe is a leaf member). A nil s is empty.
func childSet(s *fieldpath.Set, pe fieldpath.PathElement) (*fieldpath.Set, bool) {
	if s == nil {
		return nil, false
	}
	sub, hasChildren := s.Children.Get(pe)
	if !hasChildren {
		return nil, s.Members.Has(pe)
	}
	return sub, false
}

// elementSet is childSet for the live list element l at index i, whatever
// kind of path element (key, value or index) s names it with.
func elementSet(s *fieldpath.Set, l any, i int) (*fieldpath.Set, bool) {
	for _, pe := range elements(s) {
		if matches(pe, l, i) {
			return childSet(s, pe)
		}
	}
	return nil, false
}

// elements lists the path elements directly below s: its members and the
// roots of its children, once each.
func elements(s *fieldpath.Set) []fieldpath.PathElement {
	var out []fieldpath.PathElement
	s.Members.Iterate(func(pe fieldpath.PathElement) { out = append(out, pe) })
	s.Children.Iterate(func(pe fieldpath.PathElement) {
		if !s.Members.Has(pe) {
			out = append(out, pe)
		}
	})
	return out
}

// matches reports whether the list element v at index i is the one that
// pe names.
func matches(pe fieldpath.PathElement, v any, i int) bool {
	switch {
	case pe.Key != nil:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, f := range *pe.Key {
			got, ok := keyValue(m, f.Name)
			want, wok := scalarText(f.Value.Unstructured())
			if !ok || !wok || got != want {
				return false
			}
		}
		return true
	case pe.Value != nil:
		return equalScalar(v, (*pe.Value).Unstructured(), false)
	case pe.Index != nil:
		return *pe.Index == i
	}
	return false
}

// resolve returns the child of v that pe names, its index when v is a list,
// and whether it exists.
func resolve(v any, pe fieldpath.PathElement) (any, int, bool) {
	if pe.FieldName != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, -1, false
		}
		child, ok := m[*pe.FieldName]
		return child, -1, ok
	}
	list, _ := v.([]any)
	for i, e := range list {
		if matches(pe, e, i) {
			return e, i, true
		}
	}
	return nil, -1, false
}
