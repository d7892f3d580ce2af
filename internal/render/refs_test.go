package render

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// valuesRepo is a checkout of a values-only source: a values file, a
// symlink inside it and one leading out of it.
func valuesRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "env/prod/values.yaml"), "replicaCount: 7\n")
	write(filepath.Join(outside, "secret.yaml"), "replicaCount: 9\n")
	if err := os.Symlink("prod/values.yaml", filepath.Join(dir, "env/link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "env/escape.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRefValueFiles(t *testing.T) {
	refs := map[string]string{"values": valuesRepo(t)}
	tests := []struct {
		name     string
		files    []string
		refs     map[string]string
		replicas int64
		refFiles []string
		wantErr  []string
		outside  bool
	}{
		{name: "a file of the ref source", files: []string{"$values/env/prod/values.yaml"}, refs: refs, replicas: 7, refFiles: []string{"env/prod/values.yaml"}},
		{name: "a symlink inside the ref source", files: []string{"$values/env/link.yaml"}, refs: refs, replicas: 7, refFiles: []string{"env/link.yaml", "env/prod/values.yaml"}},
		{name: "a glob in the ref source", files: []string{"$values/env/*/values.yaml"}, refs: refs, replicas: 7, refFiles: []string{"env/prod/values.yaml"}},
		{name: "dot-dot leaves the ref source", files: []string{"$values/../x.yaml"}, refs: refs, wantErr: []string{`"$values/../x.yaml"`, `source ref "values"`}, outside: true},
		{name: "a symlink leaves the ref source", files: []string{"$values/env/escape.yaml"}, refs: refs, wantErr: []string{`"$values/env/escape.yaml"`}, outside: true},
		{name: "unknown ref", files: []string{"$other/values.yaml"}, refs: refs, wantErr: []string{`no source has ref "other"`, "$values"}},
		{name: "without refs a dollar is the environment", files: []string{"$values/values.yaml"}, wantErr: []string{`not found (looked for values.yaml)`}},
		{name: "missing file", files: []string{"$values/nope.yaml"}, refs: refs, wantErr: []string{`"$values/nope.yaml" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Root: testRepo, Path: "charts/web", ReleaseName: "shop", Namespace: "prod", KubeVersion: "v1.31.2",
				Refs: tt.refs, Helm: &Helm{ValueFiles: tt.files}}
			res, err := renderer.Render(t.Context(), req)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("rendered, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if tt.outside != errors.Is(err, ErrOutsideRepository) {
					t.Errorf("errors.Is(ErrOutsideRepository) = %v, want %v", !tt.outside, tt.outside)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dep := find(t, res.Objects, "Deployment", "shop-web")
			if got := field(t, dep, "spec", "replicas"); got != tt.replicas {
				t.Errorf("replicas = %v, want %d", got, tt.replicas)
			}
			if got := res.RefFiles["values"]; !slices.Equal(got, tt.refFiles) {
				t.Errorf("RefFiles = %v, want %v", res.RefFiles, tt.refFiles)
			}
			if slices.ContainsFunc(res.Files, func(f string) bool { return strings.HasPrefix(f, "env/") }) {
				t.Errorf("Files has ref files: %v", res.Files)
			}
		})
	}
}
