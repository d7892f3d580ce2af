package appview

import (
	"io"
	"strings"
)

// ANSI colours of diff lines.
const (
	colorReset = "\x1b[0m"
	colorBold  = "\x1b[1m"
	colorRed   = "\x1b[31m"
	colorGreen = "\x1b[32m"
	colorCyan  = "\x1b[36m"
)

// Diff writes the unified diff text of one resource under a header that
// names it ("===== apps/Deployment prod/web ======", as Argo CD writes it).
// With color, removed lines are red, added lines green, hunk headers cyan
// and headers bold.
func Diff(w io.Writer, resource, text string, color bool) error {
	var b strings.Builder
	b.WriteString("\n")
	b.WriteString(paint("===== "+resource+" ======", colorBold, color))
	b.WriteString("\n")
	inHunk := false
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		inHunk = inHunk || strings.HasPrefix(line, "@@")
		b.WriteString(paint(strings.TrimSuffix(line, "\n"), lineColor(line, inHunk), color))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// lineColor picks the colour of a diff line; file headers (--- and +++)
// come before the first hunk.
func lineColor(line string, inHunk bool) string {
	switch {
	case !inHunk && (strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---")):
		return colorBold
	case strings.HasPrefix(line, "@@"):
		return colorCyan
	case strings.HasPrefix(line, "+"):
		return colorGreen
	case strings.HasPrefix(line, "-"):
		return colorRed
	}
	return ""
}

// paint wraps s in the colour code when color is on.
func paint(s, code string, color bool) string {
	if !color || code == "" || s == "" {
		return s
	}
	return code + s + colorReset
}
