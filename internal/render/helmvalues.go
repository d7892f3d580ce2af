package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"

	chartloader "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
)

// helmValues merges the user-supplied values in Helm's order: value files,
// then values (or valuesObject, as the last value file, which is how Argo CD
// passes it), then --set, --set-string and --set-file.
func helmValues(rp *repo, dir string, opts *Helm, env map[string]string) (map[string]any, error) {
	files, err := valueFiles(rp, dir, opts, env)
	if err != nil {
		return nil, err
	}
	base := map[string]any{}
	for _, f := range files {
		data, err := f.rp.readFile(f.rel)
		if err != nil {
			return nil, fmt.Errorf("value file %s: %w", f, err)
		}
		if base, err = mergeValues(base, data); err != nil {
			return nil, fmt.Errorf("value file %s: %w", f, err)
		}
	}
	if base, err = mergeInline(base, opts); err != nil {
		return nil, err
	}
	if err := setParameters(base, opts.Parameters, env); err != nil {
		return nil, err
	}
	return base, setFileParameters(rp, dir, base, opts.FileParameters, env)
}

func mergeValues(base map[string]any, data []byte) (map[string]any, error) {
	m, err := chartloader.LoadValues(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return chartloader.MergeMaps(base, m), nil
}

func mergeInline(base map[string]any, opts *Helm) (map[string]any, error) {
	switch {
	case opts.ValuesObject != nil:
		data, err := json.Marshal(opts.ValuesObject)
		if err != nil {
			return nil, fmt.Errorf("valuesObject: %w", err)
		}
		base, err = mergeValues(base, data)
		if err != nil {
			return nil, fmt.Errorf("valuesObject: %w", err)
		}
		return base, nil
	case opts.Values != "":
		base, err := mergeValues(base, []byte(opts.Values))
		if err != nil {
			return nil, fmt.Errorf("values: %w", err)
		}
		return base, nil
	}
	return base, nil
}

// setParameters applies parameters as Argo CD passes them: the last value
// of a name wins, --set before --set-string, and commas in a value are
// escaped unless the value is a {list}.
func setParameters(base map[string]any, params []HelmParameter, env map[string]string) error {
	for _, forceString := range []bool{false, true} {
		for _, p := range lastByName(params, forceString) {
			arg := p.Name + "=" + escapeCommas(envsubst(p.Value, env))
			var err error
			if forceString {
				err = strvals.ParseIntoString(arg, base)
			} else {
				err = strvals.ParseInto(arg, base)
			}
			if err != nil {
				return fmt.Errorf("parameter %s: %w", p.Name, err)
			}
		}
	}
	return nil
}

// lastByName keeps, for each name, the last parameter with the given
// ForceString, in order of first appearance.
func lastByName(params []HelmParameter, forceString bool) []HelmParameter {
	idx := map[string]int{}
	var out []HelmParameter
	for _, p := range params {
		if p.ForceString != forceString {
			continue
		}
		if i, ok := idx[p.Name]; ok {
			out[i] = p
			continue
		}
		idx[p.Name] = len(out)
		out = append(out, p)
	}
	return out
}

func setFileParameters(rp *repo, dir string, base map[string]any, params []HelmFileParameter, env map[string]string) error {
	for _, p := range params {
		rel, err := resolveValuePath(dir, envsubst(p.Path, env))
		if err != nil {
			return fmt.Errorf("file parameter %s: %w", p.Name, err)
		}
		read := func(rs []rune) (any, error) {
			data, err := rp.readFile(string(rs))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", string(rs), err)
			}
			return string(data), nil
		}
		if err := strvals.ParseIntoFile(p.Name+"="+escapeCommas(rel), base, read); err != nil {
			return fmt.Errorf("file parameter %s: %w", p.Name, err)
		}
	}
	return nil
}

// escapeCommas escapes the commas that --set would split on, leaving
// {a,b} lists and already escaped commas alone.
func escapeCommas(v string) string {
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		return v
	}
	var b strings.Builder
	var prev rune
	for _, r := range v {
		if r == ',' && prev != '\\' {
			b.WriteString(`\,`)
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// valueFile is a value file to merge: a path in the app's checkout, or in
// the checkout of the source named ref.
type valueFile struct {
	rp  *repo
	ref string
	rel string
}

func (f valueFile) String() string {
	if f.ref != "" {
		return "$" + f.ref + "/" + f.rel
	}
	return f.rel
}

// valueFiles resolves the value files to checkout-relative paths, in merge
// order. A path "$name/..." is read from the checkout of the source with
// ref name, confined to it.
func valueFiles(rp *repo, dir string, opts *Helm, env map[string]string) ([]valueFile, error) {
	raws := make([]string, len(opts.ValueFiles))
	explicit := map[string]bool{}
	for i, raw := range opts.ValueFiles {
		raws[i] = expandValuePath(rp, raw, env)
		if f, err := locateValueFile(rp, dir, raws[i]); err == nil && !isGlob(f.rel) {
			explicit[f.String()] = true
		}
	}
	var out []valueFile
	seen := map[string]bool{}
	add := func(f valueFile) {
		if !seen[f.String()] {
			seen[f.String()] = true
			out = append(out, f)
		}
	}
	for i, raw := range raws {
		f, err := locateValueFile(rp, dir, raw)
		if err != nil {
			return nil, fmt.Errorf("value file %q: %w", opts.ValueFiles[i], err)
		}
		if isGlob(f.rel) {
			matches, err := globValueFiles(f.rp, f.rel, opts.ValueFiles[i], opts.IgnoreMissingValueFiles)
			if err != nil {
				return nil, err
			}
			for _, m := range matches {
				mf := valueFile{rp: f.rp, ref: f.ref, rel: m}
				if !explicit[mf.String()] {
					add(mf)
				}
			}
			continue
		}
		ok, err := valueFileExists(f.rp, f.rel, opts.ValueFiles[i], opts.IgnoreMissingValueFiles)
		if err != nil {
			return nil, err
		}
		if ok {
			add(f)
		}
	}
	return out, nil
}

// expandValuePath expands the build environment in a value file path, but
// not in a leading "$name" that names a ref: those are read from the ref's
// checkout. Without refs, "$" means the environment only.
func expandValuePath(rp *repo, raw string, env map[string]string) string {
	if rp.refs == nil || len(rp.refs.roots) == 0 || !strings.HasPrefix(raw, "$") {
		return envsubst(raw, env)
	}
	name, rest, _ := strings.Cut(raw[1:], "/")
	if _, isEnv := env[name]; isEnv {
		return envsubst(raw, env)
	}
	return "$" + name + "/" + envsubst(rest, env)
}

// locateValueFile finds the checkout and path a value file names: "$ref/p"
// in the checkout of the source with that ref, anything else as
// resolveValuePath says.
func locateValueFile(rp *repo, dir, p string) (valueFile, error) {
	name, rest, isRef, err := splitRef(p)
	if rp.refs == nil || len(rp.refs.roots) == 0 {
		isRef = false
	}
	if !isRef {
		rel, err := resolveValuePath(dir, p)
		return valueFile{rp: rp, rel: rel}, err
	}
	if err != nil {
		return valueFile{}, err
	}
	ref, err := rp.refs.open(name)
	if err != nil {
		return valueFile{}, err
	}
	return valueFile{rp: ref, ref: name, rel: rest}, nil
}

// valueFileExists reports whether rel should be merged: a missing file is an
// error unless ignoreMissing.
func valueFileExists(rp *repo, rel, raw string, ignoreMissing bool) (bool, error) {
	fi, err := rp.stat(rel)
	switch {
	case errors.Is(err, ErrOutsideRepository):
		return false, fmt.Errorf("value file %q: symlink leads %w", raw, ErrOutsideRepository)
	case errors.Is(err, fs.ErrNotExist):
		if ignoreMissing {
			return false, nil
		}
		return false, fmt.Errorf("value file %q not found (looked for %s)", raw, rel)
	case err != nil:
		return false, fmt.Errorf("value file %q: %w", raw, err)
	case fi.IsDir():
		return false, fmt.Errorf("value file %q is a directory", raw)
	}
	return true, nil
}

func globValueFiles(rp *repo, pattern, raw string, ignoreMissing bool) ([]string, error) {
	matches, err := rp.glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("value file glob %q: %w", raw, err)
	}
	if len(matches) == 0 && !ignoreMissing {
		return nil, fmt.Errorf("value file glob %q matched no files", raw)
	}
	return matches, nil
}

// resolveValuePath resolves a value file or file parameter path as Argo CD
// does: relative to the chart directory, or to the repository root when it
// starts with "/". The result must stay inside the repository. URLs are
// refused: only repository files can be read.
func resolveValuePath(dir, p string) (string, error) {
	if u, err := url.Parse(p); err == nil && u.Scheme != "" {
		return "", fmt.Errorf("remote files (%s) are not supported; use a file in the repository", u.Scheme)
	}
	if p == "" {
		return "", errors.New("empty path")
	}
	var rel string
	if strings.HasPrefix(p, "/") {
		rel = path.Clean(strings.TrimLeft(p, "/"))
	} else {
		rel = path.Clean(path.Join(dir, p))
	}
	if escapes(rel) {
		return "", fmt.Errorf("resolves %w", ErrOutsideRepository)
	}
	if rel == "." {
		return "", errors.New("resolves to the repository root")
	}
	return rel, nil
}
