package appset

import (
	"fmt"
	"path"
	"strings"
)

// matchGlob reports whether name, a slash-separated path, matches pattern:
// path.Match syntax in each segment, and "**" as a whole segment matching
// any number of segments, none included (so "a/**/b.json" matches
// "a/b.json" and "a/x/y/b.json").
func matchGlob(pattern, name string) (bool, error) {
	pat := strings.Split(path.Clean(strings.TrimPrefix(pattern, "/")), "/")
	for _, seg := range pat {
		if _, err := path.Match(seg, ""); err != nil {
			return false, fmt.Errorf("bad pattern %q: %w", pattern, err)
		}
	}
	return matchSegments(pat, strings.Split(name, "/")), nil
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
