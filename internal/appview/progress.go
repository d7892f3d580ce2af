package appview

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress prints the resources of an Application as they change while a
// command waits on it: one line for each resource that is new or whose
// status, health or message changed since the last Update. Empty fields
// never overwrite known ones.
type Progress struct {
	w    io.Writer
	seen map[string]*ResourceRow
	// printed is whether the header was written.
	printed bool
}

// NewProgress returns a Progress that writes to w.
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, seen: map[string]*ResourceRow{}}
}

// progressFormat aligns progress lines: time, kind, namespace/name, status,
// health, message.
const progressFormat = "%-8s  %-22s  %-40s  %-10s  %-11s  %s\n"

// Update prints the rows that changed, stamped with now.
func (p *Progress) Update(rows []ResourceRow, now time.Time) error {
	for _, r := range rows {
		prev, ok := p.seen[r.Key()]
		if ok && !merge(prev, r) {
			continue
		}
		if !ok {
			row := r
			p.seen[r.Key()] = &row
			prev = &row
		}
		if err := p.line(*prev, now); err != nil {
			return err
		}
	}
	return nil
}

func (p *Progress) line(r ResourceRow, now time.Time) error {
	if !p.printed {
		p.printed = true
		if _, err := io.WriteString(p.w, progressLine("TIME", "KIND", "NAMESPACE/NAME", "STATUS", "HEALTH", "MESSAGE")); err != nil {
			return err
		}
	}
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + r.Name
	}
	kind := r.Kind
	if r.Group != "" {
		kind = r.Group + "/" + r.Kind
	}
	_, err := io.WriteString(p.w, progressLine(now.Format("15:04:05"), kind, name, orDash(r.Status), orDash(r.Health), r.Message))
	return err
}

func progressLine(cells ...any) string {
	return strings.TrimRight(fmt.Sprintf(progressFormat, cells...), " \n") + "\n"
}

// merge copies the non-empty fields of next into prev and reports whether
// any changed.
func merge(prev *ResourceRow, next ResourceRow) bool {
	changed := false
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&prev.Status, next.Status}, {&prev.Health, next.Health}, {&prev.Message, next.Message},
	} {
		if f.src != "" && *f.dst != f.src {
			*f.dst = f.src
			changed = true
		}
	}
	return changed
}
