package diff

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// step is one element of the path to a field. Steps are cheap to make;
// they are rendered only when a difference is reported.
type step struct {
	name  string                 // a map key, for field steps
	index int                    // for index steps
	elem  map[string]any         // for key steps: the desired element
	keys  []string               // for key steps: the key fields of elem
	pe    *fieldpath.PathElement // for steps read from managedFields
	kind  stepKind
}

type stepKind uint8

const (
	fieldKind stepKind = iota
	indexKind
	keyKind
	managedKind
)

func fieldStep(name string) step { return step{name: name, kind: fieldKind} }
func indexStep(i int) step       { return step{index: i, kind: indexKind} }

func keyStep(elem map[string]any, keys []string) step {
	return step{elem: elem, keys: keys, kind: keyKind}
}

// managedStep is a step read from managedFields. A field name also fills
// name, which list key detection reads.
func managedStep(pe fieldpath.PathElement) step {
	s := step{pe: &pe, kind: managedKind}
	if pe.FieldName != nil {
		s.name = *pe.FieldName
	}
	return s
}

// render writes a path in the JSON-ish form of Result.Fields:
// spec.template.spec.containers[name=web].image, spec.args[0],
// metadata.labels["app.kubernetes.io/name"].
func render(path []step) string {
	var b strings.Builder
	for _, s := range path {
		switch s.kind {
		case fieldKind:
			writeField(&b, s.name)
		case indexKind:
			fmt.Fprintf(&b, "[%d]", s.index)
		case keyKind:
			writeKey(&b, s.elem, s.keys)
		case managedKind:
			writeManaged(&b, *s.pe)
		}
	}
	return b.String()
}

// writeField writes .name, or ["name"] when name is not a plain word.
func writeField(b *strings.Builder, name string) {
	if !plainWord(name) {
		b.WriteString("[" + strconv.Quote(name) + "]")
		return
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(name)
}

// plainWord reports whether name can be written without quotes.
func plainWord(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// writeKey writes [k1=v1,k2=v2] for a keyed list element.
func writeKey(b *strings.Builder, elem map[string]any, keys []string) {
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v, _ := keyValue(elem, k)
		b.WriteString(k + "=" + v)
	}
	b.WriteByte(']')
}

// writeManaged writes a path element read from managedFields in the same
// form as the steps of the walk.
func writeManaged(b *strings.Builder, pe fieldpath.PathElement) {
	switch {
	case pe.FieldName != nil:
		writeField(b, *pe.FieldName)
	case pe.Key != nil:
		b.WriteByte('[')
		for i, f := range *pe.Key {
			if i > 0 {
				b.WriteByte(',')
			}
			v, _ := scalarText(f.Value.Unstructured())
			b.WriteString(f.Name + "=" + v)
		}
		b.WriteByte(']')
	case pe.Value != nil:
		v, _ := scalarText((*pe.Value).Unstructured())
		b.WriteString("[" + v + "]")
	case pe.Index != nil:
		fmt.Fprintf(b, "[%d]", *pe.Index)
	}
}
