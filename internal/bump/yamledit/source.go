package yamledit

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// text is the source of a YAML file with the byte offset of each line, to
// turn the parser's positions into offsets and to measure blocks by their
// indentation.
type text struct {
	src   []byte
	lines []int // offset of the first byte of each line
	nl    string
}

func newText(src []byte) *text {
	t := &text{src: src, lines: []int{0}, nl: "\n"}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			t.lines = append(t.lines, i+1)
		}
	}
	if bytes.Contains(src, []byte("\r\n")) {
		t.nl = "\r\n"
	}
	return t
}

// offset turns the parser's 1-based line and column (counted in
// characters) into a byte offset.
func (t *text) offset(line, col int) (int, error) {
	if line < 1 || line > len(t.lines) {
		return 0, fmt.Errorf("line %d is outside the file", line)
	}
	off := t.lines[line-1]
	for range col - 1 {
		if off >= len(t.src) || t.src[off] == '\n' {
			return 0, fmt.Errorf("column %d is outside line %d", col, line)
		}
		_, size := utf8.DecodeRune(t.src[off:])
		off += size
	}
	return off, nil
}

// nodeOffset is the offset where the parser placed n: its anchor or tag
// when it has one, else its first character.
func (t *text) nodeOffset(n *yaml.Node) (int, error) { return t.offset(n.Line, n.Column) }

// lineOf returns the 0-based line that holds offset off.
func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// lineText returns the 0-based line i without its line break.
func (t *text) lineText(i int) string {
	end := t.nextLine(i)
	return strings.TrimRight(string(t.src[t.lines[i]:end]), "\r\n")
}

// nextLine returns the offset just after line i's line break, or the end
// of the file.
func (t *text) nextLine(i int) int {
	if i+1 < len(t.lines) {
		return t.lines[i+1]
	}
	return len(t.src)
}

// endsWithBreak reports whether offset off, the end of a line, is preceded
// by a line break, so that text inserted there starts on a line of its own.
func (t *text) endsWithBreak(off int) bool {
	return off == 0 || t.src[off-1] == '\n'
}

// indentOf returns the indentation of line i in spaces, and whether the
// line is blank.
func (t *text) indentOf(i int) (int, bool) {
	s := t.lineText(i)
	trimmed := strings.TrimLeft(s, " ")
	return len(s) - len(trimmed), strings.TrimSpace(trimmed) == ""
}

// blockEnd returns the offset just after the last line of a block that
// starts on line from (0-based) and whose entries sit at column col:
// following lines belong to it while they are blank, indented deeper, or,
// at col, list items ("- ") and comments. Comment lines and blank lines
// after the last content line are left outside. A document marker or a
// line indented less ends the block. For a list (seq), only "- " lines at
// col continue it; for a mapping, its last key is on line from, so only
// an indentless list continues it at col.
func (t *text) blockEnd(from, col int) int {
	last := from
	for i := from + 1; i < len(t.lines); i++ {
		ind, blank := t.indentOf(i)
		if blank {
			continue
		}
		rest := strings.TrimLeft(t.lineText(i), " ")
		if ind < col || (ind == 0 && isDocMarker(rest)) {
			break
		}
		if ind > col {
			last = i
			continue
		}
		switch {
		case strings.HasPrefix(rest, "#"):
			continue
		case rest == "-" || strings.HasPrefix(rest, "- "):
			last = i
			continue
		}
		break
	}
	return t.nextLine(last)
}

func isDocMarker(s string) bool {
	for _, m := range []string{"---", "..."} {
		if s == m || strings.HasPrefix(s, m+" ") || strings.HasPrefix(s, m+"\t") {
			return true
		}
	}
	return false
}

// span is a byte range of the source.
type span struct{ start, end int }

// scalarSpan returns the range of n's value token, after its anchor and
// tag. n is a plain or quoted scalar, or an alias; flow tells whether it
// sits in a flow collection, where ",]}" end a plain scalar. The token
// must decode to n's value, so that a multi-line scalar is refused rather
// than half replaced.
func (t *text) scalarSpan(n *yaml.Node, flow bool) (span, error) {
	off, err := t.nodeOffset(n)
	if err != nil {
		return span{}, err
	}
	if n.Kind == yaml.AliasNode {
		return span{off, off + 1 + len(n.Value)}, nil
	}
	start := t.skipProperties(off)
	var end int
	switch n.Style &^ yaml.TaggedStyle {
	case yaml.DoubleQuotedStyle:
		end = t.quotedEnd(start, '"')
	case yaml.SingleQuotedStyle:
		end = t.quotedEnd(start, '\'')
	case 0:
		end = t.plainEnd(start, flow)
	default:
		return span{}, fmt.Errorf("line %d holds a block scalar (| or >), which cannot be edited in place", n.Line)
	}
	if end < 0 || !tokenDecodesTo(t.src[start:end], n) {
		return span{}, fmt.Errorf("line %d: cannot edit a value that spans several lines", n.Line)
	}
	return span{start, end}, nil
}

// skipProperties moves past an anchor (&a) and a tag (!t) and the blanks
// after them.
func (t *text) skipProperties(off int) int {
	for off < len(t.src) && (t.src[off] == '&' || t.src[off] == '!') {
		for off < len(t.src) && !isBlank(t.src[off]) {
			off++
		}
		for off < len(t.src) && isBlank(t.src[off]) {
			off++
		}
	}
	return off
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// quotedEnd returns the offset after the closing quote of the scalar that
// opens at start, or -1.
func (t *text) quotedEnd(start int, quote byte) int {
	for i := start + 1; i < len(t.src); i++ {
		switch c := t.src[i]; {
		case quote == '"' && c == '\\':
			i++
		case c == quote && quote == '\'' && i+1 < len(t.src) && t.src[i+1] == '\'':
			i++
		case c == quote:
			return i + 1
		}
	}
	return -1
}

// plainEnd returns the end of the plain scalar that starts at start: the
// end of the line, a comment, a ": " indicator or, in flow, ",]}".
func (t *text) plainEnd(start int, flow bool) int {
	i := start
	for ; i < len(t.src); i++ {
		c := t.src[i]
		next := byte(' ')
		if i+1 < len(t.src) {
			next = t.src[i+1]
		}
		if c == '\n' || c == '\r' || (c == '#' && i > start && (t.src[i-1] == ' ' || t.src[i-1] == '\t')) ||
			(c == ':' && (isBlank(next) || (flow && strings.IndexByte(",]}", next) >= 0))) ||
			(flow && strings.IndexByte(",]}", c) >= 0) {
			break
		}
	}
	for i > start && (t.src[i-1] == ' ' || t.src[i-1] == '\t') {
		i--
	}
	return i
}

// tokenDecodesTo reports whether the scalar token tok, read on its own,
// has n's value.
func tokenDecodesTo(tok []byte, n *yaml.Node) bool {
	if n.Style&^yaml.TaggedStyle == 0 {
		return string(tok) == n.Value
	}
	var s string
	return yaml.Unmarshal(tok, &s) == nil && s == n.Value
}

// afterColon returns the offset just after the ':' that follows key.
func (t *text) afterColon(key *yaml.Node, flow bool) (int, error) {
	sp, err := t.scalarSpan(key, flow)
	if err != nil {
		return 0, err
	}
	i := sp.end
	for i < len(t.src) && (t.src[i] == ' ' || t.src[i] == '\t') {
		i++
	}
	if i >= len(t.src) || t.src[i] != ':' {
		return 0, fmt.Errorf("line %d: no ':' after key %q", key.Line, key.Value)
	}
	return i + 1, nil
}

// flowEnd returns the offset of the bracket that closes the flow
// collection opening at open.
func (t *text) flowEnd(open int) (int, error) {
	depth := 0
	for i := open; i < len(t.src); i++ {
		switch t.src[i] {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i, nil
			}
		case '"', '\'':
			end := t.quotedEnd(i, t.src[i])
			if end < 0 {
				return 0, fmt.Errorf("unclosed quote at offset %d", i)
			}
			i = end - 1
		case '#':
			if i > 0 && isBlank(t.src[i-1]) {
				for i < len(t.src) && t.src[i] != '\n' {
					i++
				}
			}
		}
	}
	return 0, fmt.Errorf("unclosed flow collection at offset %d", open)
}
