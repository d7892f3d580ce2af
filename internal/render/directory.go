package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/gobwas/glob"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// manifestFile matches the names Argo CD reads in a Directory source.
var manifestFile = regexp.MustCompile(`\.(yaml|yml|json|jsonnet)$`)

// dirRender walks a Directory source.
type dirRender struct {
	ctx     context.Context
	rp      *repo
	app     string
	recurse bool
	include glob.Glob
	exclude glob.Glob
	objs    []*unstructured.Unstructured
}

// renderDirectory reads the YAML and JSON manifests of dir the way Argo CD
// does: files in name order, subdirectories only with recurse, include and
// exclude globs matched against app-relative paths, YAML files that neither
// parse nor look like manifests skipped.
func renderDirectory(ctx context.Context, rp *repo, dir string, req Request) ([]*unstructured.Unstructured, error) {
	d := dirRender{ctx: ctx, rp: rp, app: dir}
	if opts := req.Directory; opts != nil {
		d.recurse = opts.Recurse
		var err error
		if d.include, err = compileGlob("include", opts.Include); err != nil {
			return nil, err
		}
		if d.exclude, err = compileGlob("exclude", opts.Exclude); err != nil {
			return nil, err
		}
	}
	if err := d.walk(dir); err != nil {
		return nil, err
	}
	return d.objs, nil
}

func compileGlob(what, pattern string) (glob.Glob, error) {
	if pattern == "" {
		return nil, nil
	}
	g, err := glob.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("directory %s pattern %q: %w", what, pattern, err)
	}
	return g, nil
}

func (d *dirRender) walk(dir string) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	entries, err := d.rp.readDir(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if e.IsDir() {
			if d.recurse {
				if err := d.walk(p); err != nil {
					return err
				}
			}
			continue
		}
		if err := d.file(p, e); err != nil {
			return err
		}
	}
	return nil
}

func (d *dirRender) file(p string, e fs.DirEntry) error {
	if !manifestFile.MatchString(e.Name()) {
		return nil
	}
	ok, err := d.regular(p, e)
	if err != nil || !ok {
		return err
	}
	rel := strings.TrimPrefix(p, d.app+"/")
	if d.app == "." {
		rel = p
	}
	if d.exclude != nil && d.exclude.Match(rel) {
		return nil
	}
	if d.include != nil && !d.include.Match(rel) {
		return nil
	}
	if strings.HasSuffix(p, ".jsonnet") {
		return fmt.Errorf("%s: jsonnet is not supported", p)
	}
	data, err := d.rp.readFile(p)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	objs, err := decodeFile(p, data)
	if err != nil {
		return err
	}
	d.objs = append(d.objs, objs...)
	return nil
}

// regular reports whether p is, or links to, a regular file. Dangling links
// and links to directories are skipped, as in Argo CD; links leaving the
// repository are errors.
func (d *dirRender) regular(p string, e fs.DirEntry) (bool, error) {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.Type().IsRegular(), nil
	}
	fi, err := d.rp.stat(p)
	switch {
	case errors.Is(err, ErrOutsideRepository):
		return false, fmt.Errorf("%s: symlink leads %w", p, ErrOutsideRepository)
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w", p, err)
	}
	return fi.Mode().IsRegular(), nil
}

// decodeFile decodes one manifest file. A JSON file holds exactly one object
// (or List). A YAML file that fails to parse is an error when it decoded some
// documents or looks like a manifest, and is otherwise skipped as unrelated.
func decodeFile(p string, data []byte) ([]*unstructured.Unstructured, error) {
	if strings.HasSuffix(p, ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: malformed JSON: %w", p, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s: found multiple objects; a JSON file may hold only one", p)
		}
		return ParseManifests(p, raw)
	}
	objs, decoded, err := parseManifests(p, data)
	if err == nil {
		return objs, nil
	}
	if decoded > 0 || looksLikeManifest(data) {
		return nil, err
	}
	return nil, nil
}

func looksLikeManifest(data []byte) bool {
	return bytes.Contains(data, []byte("apiVersion:")) &&
		bytes.Contains(data, []byte("kind:")) &&
		bytes.Contains(data, []byte("metadata:"))
}
