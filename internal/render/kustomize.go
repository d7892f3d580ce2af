package render

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// renderKustomize builds the kustomization at dir with krusty in process,
// plugins off, Kustomize's root-only load restrictions, and a filesystem
// that cannot leave the repository.
func (r *Renderer) renderKustomize(ctx context.Context, rp *repo, dir string, req Request) ([]*unstructured.Unstructured, error) {
	file, err := findKustomization(rp, dir)
	if err != nil {
		return nil, err
	}
	if file == "" {
		return nil, fmt.Errorf("%s: no kustomization.yaml, kustomization.yml or Kustomization", dir)
	}
	overlay := map[string][]byte{}
	if req.Kustomize != nil {
		edited, err := editedKustomization(rp, dir, file, req)
		if err != nil {
			return nil, err
		}
		overlay[file] = edited
	}
	customSchema, err := scanKustomizations(rp, dir, overlay)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := r.build(kustFS{rp: rp, overlay: overlay}, rp.abs(dir), customSchema)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return ParseManifests("kustomize build "+dir, out)
}

func editedKustomization(rp *repo, dir, file string, req Request) ([]byte, error) {
	data, err := rp.readFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	exists := func(component string) bool {
		rel, err := join(dir, component)
		if err != nil {
			return false
		}
		_, err = rp.stat(rel)
		return err == nil
	}
	edited, err := editKustomization(data, req.Kustomize, req.Env, exists)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return edited, nil
}

// build runs krusty. Kustomize keeps its OpenAPI schema in process-wide
// state: a build that sets a custom schema runs alone and resets it after.
func (r *Renderer) build(fsys kustFS, dir string, customSchema bool) (out []byte, err error) {
	if customSchema {
		r.schema.Lock()
		defer r.schema.Unlock()
		defer openapi.ResetOpenAPI()
	} else {
		r.schema.RLock()
		defer r.schema.RUnlock()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kustomize: %v", p)
		}
	}()
	m, err := r.kustomizer.Run(fsys, dir)
	if err != nil {
		return nil, cleanKustomizeError(fsys.rp, err)
	}
	return m.AsYaml()
}

// cleanKustomizeError keeps the checkout's location out of messages:
// Kustomize names files by absolute path, shown here relative to the
// repository. The original error stays wrapped.
func cleanKustomizeError(rp *repo, err error) error {
	return repoError{err: err, prefix: rp.dir + string(filepath.Separator)}
}

type repoError struct {
	err    error
	prefix string
}

func (e repoError) Error() string { return strings.ReplaceAll(e.err.Error(), e.prefix, "") }
func (e repoError) Unwrap() error { return e.err }
