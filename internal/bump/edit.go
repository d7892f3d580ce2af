package bump

import (
	"fmt"
	"strings"

	"github.com/tether-gitops/tether/internal/bump/yamledit"
)

// Set is one --set KEY=VALUE: a key path (see yamledit.ParsePath) and its
// new value.
type Set struct {
	// Path is the key path, such as image.tag.
	Path string
	// Value is the new value, as text.
	Value string
	// Type says whether the value is typed like a plain YAML scalar
	// (yamledit.Auto) or always a string (yamledit.String).
	Type yamledit.Type
}

// ParseSet reads KEY=VALUE. The key ends at the first '=' outside quotes,
// so that quoted keys may hold one (annotations."a=b"=c).
func ParseSet(arg string, typ yamledit.Type) (Set, error) {
	var quote byte
	for i := 0; i < len(arg); i++ {
		switch c := arg[i]; {
		case quote != 0 && c == '\\' && quote == '"':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '=':
			key := strings.TrimSpace(arg[:i])
			if _, err := yamledit.ParsePath(key); err != nil {
				return Set{}, err
			}
			return Set{Path: key, Value: arg[i+1:], Type: typ}, nil
		}
	}
	return Set{}, fmt.Errorf("invalid --set %q: want KEY=VALUE", arg)
}

// Change is one value the bump changed.
type Change struct {
	// Path is the key path, or images[NAME] for an appended image.
	Path string `json:"path"`
	// Old is the value before, empty for a created key.
	Old string `json:"old,omitempty"`
	// New is the value after, empty for a deleted key.
	New string `json:"new,omitempty"`
	// Created is set for a key that did not exist.
	Created bool `json:"created,omitempty"`
	// Deleted is set for a key removed (an image's digest replaced by a
	// tag).
	Deleted bool `json:"deleted,omitempty"`
}

// editFile applies the sets and images to src and returns the new
// content and what changed; no changes means the file already said so.
func editFile(src []byte, sets []Set, images []yamledit.Image) ([]byte, []Change, error) {
	doc, err := yamledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	var all []yamledit.Change
	for _, s := range sets {
		ch, err := doc.Set(s.Path, s.Value, s.Type)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, ch)
	}
	for _, img := range images {
		chs, err := doc.SetImage(img)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, chs...)
	}
	var changes []Change
	for _, c := range all {
		if c.Changed {
			changes = append(changes, Change{Path: c.Path, Old: c.Old, New: c.New, Created: c.Created, Deleted: c.Deleted})
		}
	}
	return doc.Bytes(), changes, nil
}

// defaultMessage is the commit message when none is given: the file and
// its new values, on one line when they fit.
func defaultMessage(file string, changes []Change) string {
	var parts []string
	for _, c := range changes {
		switch {
		case c.Deleted:
			parts = append(parts, "-"+c.Path)
		default:
			parts = append(parts, c.Path+"="+c.New)
		}
	}
	subject := "Bump " + file + ": " + strings.Join(parts, ", ")
	if len(subject) <= 72 {
		return subject + "\n"
	}
	return "Bump " + file + "\n\n" + strings.Join(parts, "\n") + "\n"
}
