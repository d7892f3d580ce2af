package appset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// git returns the parameter sets of a git generator: one per directory
// that matches directories, or one per object in the files that match
// files (directories win when both are set).
func (run *generation) git(ctx context.Context, body map[string]any) ([]Params, error) {
	var g appv1.GitGenerator
	if err := fromMap(body, &g); err != nil {
		return nil, fmt.Errorf("git: %w", err)
	}
	switch {
	case strings.TrimSpace(g.RepoURL) == "":
		return nil, errors.New("git: repoURL is empty")
	case len(g.Directories) == 0 && len(g.Files) == 0:
		return nil, errors.New("git: neither directories nor files is set")
	case run.Repos == nil:
		return nil, errors.New("git: no repository access is available")
	}
	root, err := run.checkout(ctx, g.RepoURL, g.Revision)
	if err != nil {
		return nil, err
	}
	if len(g.Directories) > 0 {
		return run.gitDirectories(root, &g)
	}
	return run.gitFiles(root, &g)
}

// checkout resolves revision and returns the checkout of its commit.
func (run *generation) checkout(ctx context.Context, repoURL, revision string) (string, error) {
	commit, err := run.Repos.Resolve(ctx, repoURL, revision)
	if err != nil {
		return "", fmt.Errorf("resolve revision %q of %s: %w", revision, redactURL(repoURL), err)
	}
	root, err := run.Repos.Checkout(ctx, repoURL, commit)
	if err != nil {
		return "", fmt.Errorf("check out %s at %s: %w", redactURL(repoURL), commit, err)
	}
	run.revisions[repoURL] = commit
	return root, nil
}

func (run *generation) gitDirectories(root string, g *appv1.GitGenerator) ([]Params, error) {
	dirs, err := walk(root, true)
	if err != nil {
		return nil, fmt.Errorf("git: list directories: %w", err)
	}
	var out []Params
	for _, dir := range dirs {
		include, exclude := false, false
		for _, item := range g.Directories {
			ok, err := path.Match(item.Path, dir)
			if err != nil {
				return nil, fmt.Errorf("git: directories: bad pattern %q: %w", item.Path, err)
			}
			include = include || (ok && !item.Exclude)
			exclude = exclude || (ok && item.Exclude)
		}
		if !include || exclude {
			continue
		}
		p := run.pathParams(g.PathParamPrefix, dir, "")
		if err := addValues(p, g.Values, run.r); err != nil {
			return nil, fmt.Errorf("git: directory %s: %w", dir, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (run *generation) gitFiles(root string, g *appv1.GitGenerator) ([]Params, error) {
	files, err := walk(root, false)
	if err != nil {
		return nil, fmt.Errorf("git: list files: %w", err)
	}
	var out []Params
	for _, file := range files {
		ok, err := matchFile(g.Files, file)
		if err != nil {
			return nil, fmt.Errorf("git: files: %w", err)
		}
		if !ok {
			continue
		}
		sets, err := run.fileParams(root, file, g)
		if err != nil {
			return nil, fmt.Errorf("git: file %s: %w", file, err)
		}
		out = append(out, sets...)
	}
	return out, nil
}

// matchFile reports whether file matches an include pattern and no exclude
// pattern.
func matchFile(items []appv1.GitFileGeneratorItem, file string) (bool, error) {
	include, exclude := false, false
	for _, item := range items {
		ok, err := matchGlob(item.Path, file)
		if err != nil {
			return false, err
		}
		include = include || (ok && !item.Exclude)
		exclude = exclude || (ok && item.Exclude)
	}
	return include && !exclude, nil
}

// fileParams parses a JSON or YAML file, one object or a list of objects,
// into one parameter set per object, with the file's path parameters.
func (run *generation) fileParams(root, file string, g *appv1.GitGenerator) ([]Params, error) {
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return nil, err
	}
	objects, err := parseObjects(b)
	if err != nil {
		return nil, err
	}
	out := make([]Params, 0, len(objects))
	for _, obj := range objects {
		p := Params{}
		if run.r.goTemplate {
			for k, v := range obj {
				p[k] = v
			}
		} else {
			flatten("", obj, p)
		}
		for k, v := range run.pathParams(g.PathParamPrefix, path.Dir(file), path.Base(file)) {
			p[k] = v
		}
		if err := addValues(p, g.Values, run.r); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parseObjects reads one object, or a list of objects; an empty file is
// one empty object.
func parseObjects(b []byte) ([]map[string]any, error) {
	one := map[string]any{}
	if err := yaml.Unmarshal(b, &one); err == nil {
		return []map[string]any{one}, nil
	}
	var many []map[string]any
	if err := yaml.Unmarshal(b, &many); err != nil {
		return nil, fmt.Errorf("not a JSON or YAML object or list of objects: %w", err)
	}
	return many, nil
}

// pathParams are the path parameters of dir (and, for files, the file
// name): path, path.basename, path.basenameNormalized, path[N] and, for
// files, path.filename and path.filenameNormalized; with goTemplate they
// nest under "path" (with path.segments). A prefix moves them under
// "<prefix>.path".
func (run *generation) pathParams(prefix, dir, filename string) Params {
	base := path.Base(dir)
	segments := strings.Split(dir, "/")
	if run.r.goTemplate {
		fields := map[string]any{"path": dir, "basename": base, "basenameNormalized": Normalize(base),
			"segments": toAnySlice(segments)}
		if filename != "" {
			fields["filename"], fields["filenameNormalized"] = filename, Normalize(filename)
		}
		if prefix != "" {
			return Params{prefix: map[string]any{"path": fields}}
		}
		return Params{"path": fields}
	}
	name := join(prefix, "path")
	p := Params{name: dir, name + ".basename": base, name + ".basenameNormalized": Normalize(base)}
	if filename != "" {
		p[name+".filename"], p[name+".filenameNormalized"] = filename, Normalize(filename)
	}
	for i, s := range segments {
		if s != "" {
			p[name+"["+strconv.Itoa(i)+"]"] = s
		}
	}
	return p
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// walk lists the directories (dirs) or the files under root as sorted
// slash-separated relative paths. Directories whose names start with "."
// are skipped, as Argo CD does; symbolic links are followed only to files
// inside root.
func walk(root string, dirs bool) ([]string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(realRoot, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case d.IsDir():
			if dirs {
				out = append(out, rel)
			}
		case !dirs && (d.Type().IsRegular() || (d.Type()&fs.ModeSymlink != 0 && fileInside(realRoot, p))):
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// fileInside reports whether the link p resolves to a regular file under
// root.
func fileInside(root, p string) bool {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	info, err := os.Stat(target)
	return err == nil && info.Mode().IsRegular() && strings.HasPrefix(target, root+string(filepath.Separator))
}
