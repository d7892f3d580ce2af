package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// kustScan walks the graph of kustomizations an app builds from, before
// Kustomize runs, so that references Kustomize would fetch from the network
// (remote bases, git URLs, HTTP files) or read from outside the repository
// fail with a clear error instead of a clone or a download.
type kustScan struct {
	rp      *repo
	overlay map[string][]byte
	seen    map[string]bool
	openAPI bool // some kustomization sets a custom OpenAPI schema
}

// scanKustomizations checks the kustomization in dir and everything it
// references. It reports whether any of them sets the openapi field.
func scanKustomizations(rp *repo, dir string, overlay map[string][]byte) (bool, error) {
	s := kustScan{rp: rp, overlay: overlay, seen: map[string]bool{}}
	err := s.dir(dir)
	return s.openAPI, err
}

func (s *kustScan) dir(dir string) error {
	if s.seen[dir] {
		return nil
	}
	s.seen[dir] = true
	file, err := findKustomization(s.rp, dir)
	if err != nil || file == "" {
		return err // a plain directory of manifests: Kustomize reports it
	}
	data, ok := s.overlay[file]
	if !ok {
		if data, err = s.rp.readFile(file); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	var k types.Kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(k.OpenAPI) > 0 {
		s.openAPI = true
	}
	return s.refs(file, dir, &k)
}

func (s *kustScan) refs(file, dir string, k *types.Kustomization) error {
	fields := []struct {
		name string
		refs []string
	}{
		{"resources", k.Resources}, {"bases", k.Bases}, {"components", k.Components},
		{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators},
	}
	for _, f := range fields {
		for _, ref := range f.refs {
			if err := s.ref(dir, ref); err != nil {
				return fmt.Errorf("%s: %s entry %q: %w", file, f.name, ref, err)
			}
		}
	}
	for _, f := range fileRefs(k) {
		if err := checkFileRef(f); err != nil {
			return fmt.Errorf("%s: %q: %w", file, f, err)
		}
		if _, err := join(dir, f); err != nil {
			return fmt.Errorf("%s: %q: %w", file, f, err)
		}
	}
	return nil
}

// ref checks an entry that may name a file, a kustomization directory or a
// remote base; directories are scanned in turn.
func (s *kustScan) ref(dir, ref string) error {
	if strings.Contains(ref, "\n") {
		return nil // an inline generator or transformer configuration
	}
	if err := checkFileRef(ref); err != nil {
		return err
	}
	rel, err := join(dir, ref)
	if err != nil {
		return err
	}
	fi, err := s.rp.stat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist) && looksRemote(ref):
		return errRemote
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("not found in the repository")
	case err != nil:
		return err
	case fi.IsDir():
		return s.dir(rel)
	}
	return nil
}

var errRemote = errors.New("remote references are not supported: only files inside the repository can be read")

// scpLike matches git's user@host:path form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:`)

// looksRemote reports whether ref is a URL or a git reference Kustomize
// would clone or download.
func looksRemote(ref string) bool {
	if strings.Contains(ref, "://") || scpLike.MatchString(ref) {
		return true
	}
	host, _, ok := strings.Cut(ref, "/")
	return ok && strings.Contains(host, ".") && !strings.HasPrefix(host, ".")
}

func checkFileRef(ref string) error {
	if strings.Contains(ref, "://") || scpLike.MatchString(ref) {
		return errRemote
	}
	if path.IsAbs(ref) {
		return errors.New("absolute paths are not allowed")
	}
	return nil
}

// fileRefs lists the fields that name single files.
func fileRefs(k *types.Kustomization) []string {
	out := append([]string{}, k.Crds...)
	out = append(out, k.Configurations...)
	for _, p := range k.Patches {
		out = appendNonEmpty(out, p.Path)
	}
	for _, p := range k.PatchesJson6902 {
		out = appendNonEmpty(out, p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") {
			out = append(out, string(p))
		}
	}
	for _, r := range k.Replacements {
		out = appendNonEmpty(out, r.Path)
	}
	for _, g := range k.ConfigMapGenerator {
		out = appendSources(out, g.KvPairSources)
	}
	for _, g := range k.SecretGenerator {
		out = appendSources(out, g.KvPairSources)
	}
	return appendNonEmpty(out, k.OpenAPI["path"])
}

func appendSources(out []string, src types.KvPairSources) []string {
	for _, f := range src.FileSources {
		if _, p, ok := strings.Cut(f, "="); ok {
			f = p
		}
		out = append(out, f)
	}
	out = append(out, src.EnvSources...)
	return appendNonEmpty(out, src.EnvSource)
}

func appendNonEmpty(out []string, s string) []string {
	if s == "" {
		return out
	}
	return append(out, s)
}

// findKustomization returns the kustomization file in dir, or "" when there
// is none. More than one is an error, as in Kustomize.
func findKustomization(rp *repo, dir string) (string, error) {
	found := ""
	for _, name := range kustomizationNames() {
		p := path.Join(dir, name)
		fi, err := rp.stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		if fi.IsDir() {
			continue
		}
		if found != "" {
			return "", fmt.Errorf("%s: found multiple kustomization files", dir)
		}
		found = p
	}
	return found, nil
}
