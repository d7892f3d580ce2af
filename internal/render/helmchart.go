package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	chartloader "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"
	"sigs.k8s.io/yaml"
)

// maxChartBytes bounds the bytes one chart may load, as Helm bounds archives.
const maxChartBytes = 100 << 20

// loadChart loads the chart at dir from the repository, honouring
// .helmignore and following symlinks that stay inside the repository, as
// Helm's directory loader does; a symlink leading out is an error.
func loadChart(rp *repo, dir string) (*chartv2.Chart, error) {
	meta, err := rp.readFile(path.Join(dir, "Chart.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("chart %s: no Chart.yaml", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := yaml.Unmarshal(meta, &head); err != nil {
		return nil, fmt.Errorf("chart %s: Chart.yaml: %w", dir, err)
	}
	switch head.APIVersion {
	case chartv2.APIVersionV1, chartv2.APIVersionV2, "":
	default:
		return nil, fmt.Errorf("chart %s: chart apiVersion %q is not supported", dir, head.APIVersion)
	}
	rules, err := helmIgnore(rp, dir)
	if err != nil {
		return nil, err
	}
	w := chartWalker{rp: rp, rules: rules, seen: map[string]bool{}}
	if err := w.walk(dir, ""); err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	c, err := chartloader.LoadFiles(w.files)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	return c, nil
}

func helmIgnore(rp *repo, dir string) (*ignore.Rules, error) {
	data, err := rp.readFile(path.Join(dir, ignore.HelmIgnore))
	rules := ignore.Empty()
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	default:
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", dir, ignore.HelmIgnore, err)
		}
	}
	rules.AddDefaults()
	return rules, nil
}

// chartWalker collects a chart directory's files.
type chartWalker struct {
	rp    *repo
	rules *ignore.Rules
	files []*archive.BufferedFile
	size  int64
	seen  map[string]bool // canonical directories on the current path
}

// walk adds the files below dir, named chart-relative with prefix.
func (w *chartWalker) walk(dir, prefix string) error {
	canon, err := w.rp.resolve(dir)
	if err != nil {
		return err
	}
	if w.seen[canon] {
		return fmt.Errorf("%s: symlink loop", dir)
	}
	w.seen[canon] = true
	defer delete(w.seen, canon)
	entries, err := w.rp.readDir(canon)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := w.entry(path.Join(dir, e.Name()), prefix+e.Name()); err != nil {
			return err
		}
	}
	return nil
}

func (w *chartWalker) entry(full, name string) error {
	fi, err := w.rp.stat(full)
	if errors.Is(err, ErrOutsideRepository) {
		return fmt.Errorf("%s: symlink leads %w", full, ErrOutsideRepository)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", full, err)
	}
	if w.rules.Ignore(name, fi) {
		return nil
	}
	if fi.IsDir() {
		return w.walk(full, name+"/")
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: cannot load irregular file", full)
	}
	w.size += fi.Size()
	if w.size > maxChartBytes {
		return fmt.Errorf("chart is larger than %d bytes", maxChartBytes)
	}
	data, err := w.rp.readFile(full)
	if err != nil {
		return fmt.Errorf("%s: %w", full, err)
	}
	w.files = append(w.files, &archive.BufferedFile{Name: name, ModTime: fi.ModTime(), Data: data})
	return nil
}
