package diff

import "sigs.k8s.io/structured-merge-diff/v6/fieldpath"

// removedTop finds the fields that the Tether manager applied but that
// desired no longer sets: of metadata only labels and annotations count,
// and status never does.
func (c *comparer) removedTop(owned *fieldpath.Set, desired, live, proj map[string]any) {
	for _, pe := range elements(owned) {
		if pe.FieldName == nil {
			continue
		}
		switch *pe.FieldName {
		case "apiVersion", "kind", "status":
		case "metadata":
			if sub, ok := owned.Children.Get(pe); ok {
				c.removedMetadata(sub, desired["metadata"], live["metadata"], proj)
			}
		default:
			c.removedField(owned, pe, desired, live, proj, c.ignored)
		}
	}
}

// removedMetadata looks for removed labels and annotations.
func (c *comparer) removedMetadata(owned *fieldpath.Set, d, l any, proj map[string]any) {
	c.push(fieldStep("metadata"))
	defer c.pop()
	ign, _ := childSet(c.ignored, fieldpath.FieldNameElement("metadata"))
	var projMeta any
	if m, ok := proj["metadata"].(map[string]any); ok {
		projMeta = m
	}
	for _, pe := range elements(owned) {
		if name := pe.FieldName; name != nil && (*name == "labels" || *name == "annotations") {
			projMeta = c.removedField(owned, pe, d, l, projMeta, ign)
		}
	}
	if c.build && projMeta != nil {
		proj["metadata"] = projMeta
	}
}

// removed walks the owned set below the current path, where desired is d,
// live is l and the projection is proj. It returns proj, which may have
// grown.
func (c *comparer) removed(owned *fieldpath.Set, d, l, proj any, ign *fieldpath.Set) any {
	for _, pe := range elements(owned) {
		proj = c.removedField(owned, pe, d, l, proj, ign)
	}
	return proj
}

// removedField checks the owned field pe below the current path. A field
// that live has, desired does not, and no ignored manager owns, is a
// difference, and the projection gets its live value. Below a map that
// desired lacks, each owned field is reported; a list element counts as a
// whole when the manager owns anything in it.
func (c *comparer) removedField(owned *fieldpath.Set, pe fieldpath.PathElement, d, l, proj any, ign *fieldpath.Set) any {
	sub, skip := childSet(ign, pe)
	if skip {
		return proj
	}
	c.push(managedStep(pe))
	defer c.pop()
	lv, _, lok := resolve(l, pe)
	if !lok || isEmpty(lv) {
		return proj
	}
	dv, _, dok := resolve(d, pe)
	next, hasChildren := owned.Children.Get(pe)
	if hasChildren && (dok || pe.FieldName != nil) {
		// A field that desired sets, or a map that it lacks: look inside.
		return c.descend(proj, pe, func(p any) any { return c.removed(next, dv, lv, p, sub) })
	}
	if dok {
		return proj // A value that desired sets: the main walk compares it.
	}
	owns := owned.Members.Has(pe)
	if hasChildren {
		owns = ownsAny(next, lv)
	}
	if !owns {
		return proj
	}
	c.report()
	return c.add(proj, pe, c.keep(lv))
}

// ownsAny reports whether the live value v has a field of the owned set.
func ownsAny(owned *fieldpath.Set, v any) bool {
	for _, pe := range elements(owned) {
		child, _, ok := resolve(v, pe)
		if !ok || isEmpty(child) {
			continue
		}
		next, hasChildren := owned.Children.Get(pe)
		if !hasChildren || ownsAny(next, child) {
			return true
		}
	}
	return false
}

// add puts the private value v at pe into the projection proj, and returns
// proj, which is created when nil.
func (c *comparer) add(proj any, pe fieldpath.PathElement, v any) any {
	if !c.build {
		return proj
	}
	switch p := proj.(type) {
	case map[string]any:
		if pe.FieldName != nil {
			p[*pe.FieldName] = v
		}
	case []any:
		return append(p, v)
	case nil:
		if pe.FieldName != nil {
			return map[string]any{*pe.FieldName: v}
		}
		return []any{v}
	}
	return proj
}

// descend applies f to the child of proj at pe, stores what f returns in
// its place, and returns proj.
func (c *comparer) descend(proj any, pe fieldpath.PathElement, f func(any) any) any {
	if !c.build {
		f(nil)
		return proj
	}
	child, i, ok := resolve(proj, pe)
	updated := f(child)
	switch p := proj.(type) {
	case map[string]any:
		if ok {
			p[*pe.FieldName] = updated
			return proj
		}
	case []any:
		if ok {
			p[i] = updated
			return proj
		}
	}
	if updated == nil {
		return proj
	}
	return c.add(proj, pe, updated)
}
