package yamledit

import (
	"fmt"
	"strings"
	"unicode"

	yaml2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

// Type says how a new value is typed.
type Type int

const (
	// Auto types the value as a plain YAML scalar would be (3 is a number,
	// true a boolean), except that a value that replaces a string stays a
	// string, quoted when it must be: setting a tag "v1" to 1.20 writes
	// "1.20", never the number 1.2.
	Auto Type = iota
	// String always makes the value a string, quoting it when needed.
	String
)

// scalar is a rendered value: its source text and the tag it resolves to.
type scalar struct {
	text, tag string
}

// renderScalar writes value as a scalar token. old is the scalar it
// replaces (nil for a new key): its quoting style is kept when the value
// allows it, and its type decides Auto. An explicit tag (!!str 1.0) stays
// in the source in front of the token and keeps deciding the type. flow
// tells whether the token sits in a flow collection.
func renderScalar(value string, typ Type, old *yaml.Node, flow bool) scalar {
	var style yaml.Style
	explicit := false
	wantString := typ == String
	if old != nil {
		style = old.Style &^ yaml.TaggedStyle
		explicit = old.Style&yaml.TaggedStyle != 0
		wantString = wantString || (old.Kind == yaml.ScalarNode && old.ShortTag() == "!!str")
	}
	plainTag := resolvePlain(value, flow)
	tagOf := func(quoted bool) string {
		switch {
		case explicit:
			return old.ShortTag()
		case quoted:
			return "!!str"
		}
		return plainTag
	}
	switch {
	case style == yaml.DoubleQuotedStyle:
		return scalar{doubleQuote(value), tagOf(true)}
	case style == yaml.SingleQuotedStyle && canSingleQuote(value):
		return scalar{"'" + strings.ReplaceAll(value, "'", "''") + "'", tagOf(true)}
	case style == yaml.SingleQuotedStyle:
		return scalar{doubleQuote(value), tagOf(true)}
	case plainTag != "" && (explicit || plainTag != "!!str" && !wantString || plainTag == "!!str" && isYAML11String(value)):
		return scalar{value, tagOf(false)}
	}
	return scalar{doubleQuote(value), tagOf(true)}
}

// resolvePlain returns the tag value would resolve to written as a plain
// scalar, or "" when it cannot be written plain (it would read back as
// something else, or it holds characters that end a plain scalar).
func resolvePlain(value string, flow bool) string {
	if value == "" || strings.TrimSpace(value) != value || hasControl(value) {
		return ""
	}
	if flow && strings.ContainsAny(value, ",[]{}") {
		return ""
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil || len(doc.Content) != 1 {
		return ""
	}
	n := doc.Content[0]
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.Value != value {
		return ""
	}
	return n.ShortTag()
}

// isYAML11String reports whether a YAML 1.1 parser, as Helm and most
// Kubernetes tools use, also reads the plain scalar value as a string:
// yes, on and 0x1F are strings in YAML 1.2 but not in 1.1.
func isYAML11String(value string) bool {
	var v any
	if err := yaml2.Unmarshal([]byte(value), &v); err != nil {
		return false
	}
	s, ok := v.(string)
	return ok && s == value
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ' }) >= 0
}

func canSingleQuote(s string) bool { return !hasControl(s) }

// doubleQuote writes s as a double-quoted scalar, escaping what YAML
// requires and nothing else.
func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			case !unicode.IsPrint(r) && r != ' ':
				if r > 0xffff {
					fmt.Fprintf(&b, `\U%08x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// renderKey writes a mapping key: plain when it reads back as the same
// string, else double-quoted.
func renderKey(k string, flow bool) string {
	if resolvePlain(k, flow) == "!!str" && isYAML11String(k) && !strings.Contains(k, ":") {
		return k
	}
	return doubleQuote(k)
}
