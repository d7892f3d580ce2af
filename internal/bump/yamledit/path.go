package yamledit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Path is a parsed key path such as image.tag, spec.containers[0].image or
// metadata.annotations."example.com/team".
type Path []Step

// Step is one element of a Path: a mapping key, or a list index when
// IsIndex is set. A negative Index counts from the end of the list.
type Step struct {
	// Key is the mapping key, when IsIndex is not set.
	Key string
	// Index is the list index, when IsIndex is set.
	Index int
	// IsIndex tells a list index from a key.
	IsIndex bool
}

// ParsePath parses a dotted key path. Keys are separated by dots; a key
// that holds dots, brackets or quotes is written in double quotes (with \"
// and \\ escapes) or single quotes (” for a quote); [N] selects the Nth
// element of a list, [-1] the last. A leading dot, as yq writes paths, is
// allowed. It does not support wildcards or filters.
func ParsePath(s string) (Path, error) {
	p := &pathParser{s: strings.TrimPrefix(strings.TrimSpace(s), ".")}
	if p.s == "" {
		return nil, errors.New("empty key path")
	}
	path, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("key path %q: %w", s, err)
	}
	return path, nil
}

// String writes the path back in the syntax ParsePath reads, quoting keys
// only when they need it.
func (p Path) String() string {
	var b strings.Builder
	for i, st := range p {
		switch {
		case st.IsIndex:
			b.WriteString("[" + strconv.Itoa(st.Index) + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(quoteKey(st.Key))
		}
	}
	return b.String()
}

func quoteKey(k string) string {
	if k != "" && !strings.ContainsAny(k, ".[]\"' ") {
		return k
	}
	return strconv.Quote(k)
}

type pathParser struct {
	s   string
	pos int
}

func (p *pathParser) parse() (Path, error) {
	var path Path
	for p.pos < len(p.s) {
		if len(path) > 0 && p.s[p.pos] != '[' {
			if p.s[p.pos] != '.' {
				return nil, fmt.Errorf("expected '.' or '[' at offset %d", p.pos)
			}
			p.pos++
		}
		if p.pos < len(p.s) && p.s[p.pos] == '[' {
			st, err := p.index()
			if err != nil {
				return nil, err
			}
			path = append(path, st)
			continue
		}
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		path = append(path, Step{Key: key})
	}
	return path, nil
}

func (p *pathParser) index() (Step, error) {
	end := strings.IndexByte(p.s[p.pos:], ']')
	if end < 0 {
		return Step{}, errors.New("unclosed '['")
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.s[p.pos+1 : p.pos+end]))
	if err != nil {
		return Step{}, fmt.Errorf("list index %q is not a number", p.s[p.pos+1:p.pos+end])
	}
	p.pos += end + 1
	return Step{Index: n, IsIndex: true}, nil
}

func (p *pathParser) key() (string, error) {
	if p.pos >= len(p.s) {
		return "", errors.New("path ends with '.'")
	}
	switch p.s[p.pos] {
	case '"':
		return p.doubleQuoted()
	case '\'':
		return p.singleQuoted()
	}
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(".[]\"'", rune(p.s[p.pos])) {
		p.pos++
	}
	if p.pos == start {
		return "", fmt.Errorf("empty key at offset %d", start)
	}
	return p.s[start:p.pos], nil
}

func (p *pathParser) doubleQuoted() (string, error) {
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '"':
			p.pos = i + 1
			return b.String(), nil
		case c == '\\' && i+1 < len(p.s):
			i++
			b.WriteByte(p.s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unclosed '\"'")
}

func (p *pathParser) singleQuoted() (string, error) {
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		if p.s[i] != '\'' {
			b.WriteByte(p.s[i])
			continue
		}
		if i+1 < len(p.s) && p.s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		p.pos = i + 1
		return b.String(), nil
	}
	return "", errors.New("unclosed \"'\"")
}
