package diff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Unified returns a unified diff from the live object to the desired one,
// as YAML, or "" when Compare finds no difference. Both sides are
// normalized the same way: status and server-managed metadata are left out,
// the live side shows only the fields that desired sets (plus fields that
// the next apply removes), and values that Compare finds equal are written
// as desired writes them. Secret values are masked (see MaskSecrets); a
// value that differs between the sides gets a longer mask.
//
// A nil live object shows all of desired as added; a nil desired object
// shows the live object, without status and server metadata, as removed.
// Unified fails as Compare does.
func Unified(desired, live *unstructured.Unstructured, opts Options) (string, error) {
	if desired == nil && live == nil {
		return "", errors.New("unified diff: no desired and no live object")
	}
	in, err := prepare(desired, live, opts)
	if err != nil {
		return "", err
	}
	var from, to map[string]any
	switch {
	case live == nil:
		to = display(in.desired)
	case desired == nil:
		from = display(in.live)
	default:
		to = display(in.desired)
		c := newComparer(in.ignored, true)
		from = c.compare(in)
	}
	ref := desired
	if ref == nil {
		ref = live
	}
	if isSecret(ref) {
		maskPair(to, from)
	}
	return unified(from, to, describe(ref))
}

// display copies obj without status and with only the metadata that
// Compare reads, plus name and namespace.
func display(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "status":
		case "metadata":
			meta, ok := v.(map[string]any)
			if !ok {
				continue
			}
			kept := map[string]any{}
			for _, f := range []string{"name", "namespace", "labels", "annotations"} {
				if x, ok := meta[f]; ok {
					kept[f] = deepCopy(x)
				}
			}
			out[k] = kept
		default:
			out[k] = deepCopy(v)
		}
	}
	return out
}

// unified diffs the YAML of two objects; a nil object is empty.
func unified(from, to map[string]any, name string) (string, error) {
	a, err := toYAML(from)
	if err != nil {
		return "", fmt.Errorf("diff %s: live: %w", name, err)
	}
	b, err := toYAML(to)
	if err != nil {
		return "", fmt.Errorf("diff %s: desired: %w", name, err)
	}
	if a == b {
		return "", nil
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        lines(a),
		B:        lines(b),
		FromFile: name + " (live)",
		ToFile:   name + " (desired)",
		Context:  3,
	})
}

// lines splits text into lines for difflib; empty text has none.
func lines(text string) []string {
	if text == "" {
		return nil
	}
	return difflib.SplitLines(strings.TrimSuffix(text, "\n"))
}

// toYAML writes obj with sorted keys, in the style of kubectl; nil is
// empty. It encodes the map directly rather than through JSON, which would
// leave control characters that the YAML reader rejects.
func toYAML(obj map[string]any) (string, error) {
	if obj == nil {
		return "", nil
	}
	out, err := yaml.Marshal(obj)
	return string(out), err
}
