package target

import (
	"path"
	"strings"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// WatchedPaths are the repository folders whose changes affect app: its
// source path, or the paths of Argo CD's manifest-generate-paths annotation
// (";"-separated, relative to the source path, or to the repository root
// when they start with "/"). Files a render reads outside them (a value
// file elsewhere, say) are the caller's to add.
func WatchedPaths(app *appv1.Application) []string {
	srcPath := app.Spec.GetSource().Path
	ann, ok := app.Annotations[appv1.AnnotationKeyManifestGeneratePaths]
	if !ok {
		return []string{cleanRepoPath(srcPath)}
	}
	var out []string
	for _, p := range strings.Split(ann, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, "/") {
			out = append(out, cleanRepoPath(p))
		} else {
			out = append(out, cleanRepoPath(path.Join(srcPath, p)))
		}
	}
	return out
}

func cleanRepoPath(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	return p
}

// UnderAny reports whether file is one of dirs or inside one; "" is the
// repository root.
func UnderAny(file string, dirs []string) bool {
	for _, d := range dirs {
		if d == "" || file == d || strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}
