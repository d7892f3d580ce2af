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
	return watched(app, app.Spec.GetSource().Path)
}

// SourceWatchedPaths are the folders of source i's repository whose changes
// affect app, as WatchedPaths says for that source's path; none for a
// source that only lends files (RefOnly): the files read from it are the
// caller's to add.
func SourceWatchedPaths(app *appv1.Application, i int) []string {
	src := app.Spec.GetSources()[i]
	if RefOnly(src) {
		return nil
	}
	return watched(app, src.Path)
}

func watched(app *appv1.Application, srcPath string) []string {
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
