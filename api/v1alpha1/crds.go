package v1alpha1

import (
	"embed"
	"fmt"
	"io/fs"
)

// crdFS holds the CustomResourceDefinitions generated from this package by
// hack/generate.sh. It is read-only.
//
//go:embed crds/*.yaml
var crdFS embed.FS

// CRDs returns the YAML manifests of the CustomResourceDefinitions of this
// package (applications.argoproj.io and appprojects.argoproj.io), one per
// element, ordered by file name. Each call returns fresh copies. It does not
// parse or install them.
func CRDs() ([][]byte, error) {
	names, err := fs.Glob(crdFS, "crds/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list embedded crds: %w", err)
	}
	out := make([][]byte, 0, len(names))
	for _, name := range names {
		b, err := crdFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read embedded crd %s: %w", name, err)
		}
		out = append(out, b)
	}
	return out, nil
}
