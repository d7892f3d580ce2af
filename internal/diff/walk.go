package diff

import (
	"slices"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// comparer walks a desired object and the live object beside it, and
// records the paths where they differ. With build set it also returns the
// projection of the live object onto the desired one: the live values of the
// fields that desired sets, in desired's representation where the two are
// equal, which is what Unified prints.
type comparer struct {
	ignored *fieldpath.Set // fields of ignored managers; nil if none
	build   bool           // return projections
	path    []step         // where the walk is
	mute    int            // > 0: do not record differences
	fields  []string       // differences found
}

// newComparer returns a comparer that ignores the fields of ignored, and
// builds projections if build is set.
func newComparer(ignored *fieldpath.Set, build bool) *comparer {
	return &comparer{ignored: ignored, build: build, path: make([]step, 0, 24)}
}

// compare walks a prepared pair: the desired object's fields, then the
// fields that only the Tether manager's ownership brings in. It returns the
// projection of the live object when c.build is set.
func (c *comparer) compare(in input) map[string]any {
	proj := c.top(in.desired, in.live)
	if in.owned != nil {
		c.removedTop(in.owned, in.desired, in.live, proj)
	}
	return proj
}

// result sorts and deduplicates the differences.
func (c *comparer) result() Result {
	slices.Sort(c.fields)
	fields := slices.Compact(c.fields)
	return Result{Modified: len(fields) > 0, Fields: fields}
}

// report records a difference at the current path.
func (c *comparer) report() {
	if c.mute == 0 {
		c.fields = append(c.fields, render(c.path))
	}
}

func (c *comparer) push(s step) { c.path = append(c.path, s) }
func (c *comparer) pop()        { c.path = c.path[:len(c.path)-1] }

// keep returns a private copy of v for the projection.
func (c *comparer) keep(v any) any {
	if !c.build {
		return nil
	}
	return deepCopy(v)
}

// top compares whole objects. Of metadata only labels and annotations
// count, and status never does; apiVersion and kind identify the object and
// are not compared.
func (c *comparer) top(desired, live map[string]any) map[string]any {
	proj := c.newMap(len(desired))
	for k, d := range desired {
		switch k {
		case "status":
		case "apiVersion", "kind":
			if c.build {
				proj[k] = c.keep(d)
			}
		case "metadata":
			if m := c.metadata(d, live["metadata"]); m != nil {
				proj[k] = m
			}
		default:
			c.field(proj, k, d, live, c.ignored, plain)
		}
	}
	return proj
}

// metadata compares the labels and annotations that desired sets. The
// projection keeps desired's name and namespace to identify the object.
func (c *comparer) metadata(d, l any) map[string]any {
	dm, ok := d.(map[string]any)
	if !ok {
		return nil
	}
	lm, _ := l.(map[string]any)
	proj := c.newMap(4)
	c.push(fieldStep("metadata"))
	defer c.pop()
	ign, _ := childSet(c.ignored, fieldpath.FieldNameElement("metadata"))
	for k, v := range dm {
		switch k {
		case "name", "namespace":
			if c.build {
				proj[k] = c.keep(v)
			}
		case "labels", "annotations":
			c.field(proj, k, v, lm, ign, plain)
		}
	}
	return proj
}

// newMap returns a map for a projection, or nil when not building one.
func (c *comparer) newMap(size int) map[string]any {
	if !c.build {
		return nil
	}
	return make(map[string]any, size)
}

// object compares the fields that desired sets in a map.
func (c *comparer) object(d, l map[string]any, ign *fieldpath.Set, h hint) map[string]any {
	proj := c.newMap(len(d))
	for k, v := range d {
		c.field(proj, k, v, l, ign, h.child(k))
	}
	return proj
}

// field compares the field k of a map, whose desired value is d, and adds
// its projection to proj.
func (c *comparer) field(proj map[string]any, k string, d any, live map[string]any, ign *fieldpath.Set, h hint) {
	c.push(fieldStep(k))
	defer c.pop()
	var sub *fieldpath.Set
	if ign != nil {
		var skip bool
		if sub, skip = childSet(ign, fieldpath.FieldNameElement(k)); skip {
			if c.build {
				proj[k] = c.keep(d)
			}
			return
		}
	}
	l, ok := live[k]
	if p, present := c.value(d, l, ok, sub, h); present && c.build {
		proj[k] = p
	}
}

// value compares one desired value with the live one (lok: whether live has
// it at all). It returns the projection and whether it is present.
func (c *comparer) value(d, l any, lok bool, ign *fieldpath.Set, h hint) (any, bool) {
	if isEmpty(d) {
		return c.keep(d), true // Git sets nothing here.
	}
	if !lok || l == nil {
		if isZero(d) {
			return c.keep(d), true // Dropped by omitempty.
		}
		c.report()
		return nil, false
	}
	switch dv := d.(type) {
	case map[string]any:
		if lm, ok := l.(map[string]any); ok {
			return c.object(dv, lm, ign, h), true
		}
	case []any:
		if ll, ok := l.([]any); ok {
			return c.list(dv, ll, ign), true
		}
	default:
		if equalScalar(d, l, h == quantity) {
			return c.keep(d), true
		}
	}
	c.report()
	return c.keep(l), true
}

// list compares a list: by key when Kubernetes merges its elements by key,
// else by index.
func (c *comparer) list(d, l []any, ign *fieldpath.Set) []any {
	if keys, ids := listKeys(c.path[len(c.path)-1].name, d); keys != nil {
		return c.keyedList(d, l, keys, ids, ign)
	}
	return c.indexedList(d, l, ign)
}

// keyedList matches each desired element with the live element of the same
// key. Live elements that desired does not have do not count.
func (c *comparer) keyedList(d, l []any, keys, ids []string, ign *fieldpath.Set) []any {
	byID := make(map[string]int, len(l))
	for i, e := range l {
		if m, ok := e.(map[string]any); ok {
			if id, ok := keyOf(m, keys); ok {
				if _, dup := byID[id]; !dup {
					byID[id] = i
				}
			}
		}
	}
	var proj []any
	for i, e := range d {
		dm := e.(map[string]any) // listKeys checked.
		c.push(keyStep(dm, keys))
		if li, ok := byID[ids[i]]; !ok {
			c.report()
		} else if p, ok := c.element(e, l[li], li, ign); ok && c.build {
			proj = append(proj, p)
		}
		c.pop()
	}
	return proj
}

// indexedList compares lists element by element; lists of different
// lengths differ as a whole.
func (c *comparer) indexedList(d, l []any, ign *fieldpath.Set) []any {
	if len(d) != len(l) {
		c.report()
		if !c.build {
			return nil
		}
		c.mute++
		defer func() { c.mute-- }()
	}
	var proj []any
	n := min(len(d), len(l))
	for i := range n {
		c.push(indexStep(i))
		if p, ok := c.element(d[i], l[i], i, ign); ok && c.build {
			proj = append(proj, p)
		}
		c.pop()
	}
	if c.build {
		for _, e := range l[n:] {
			proj = append(proj, c.keep(e))
		}
	}
	return proj
}

// element compares a desired list element with the live element at index i.
func (c *comparer) element(d, l any, i int, ign *fieldpath.Set) (any, bool) {
	var sub *fieldpath.Set
	if ign != nil {
		var skip bool
		if sub, skip = elementSet(ign, l, i); skip {
			return c.keep(d), true
		}
	}
	return c.value(d, l, true, sub, plain)
}
