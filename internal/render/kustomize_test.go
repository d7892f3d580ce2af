package render

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestKustomize(t *testing.T) {
	type check struct {
		kind, name string
		path       []string
		want       any
	}
	tests := []struct {
		name   string
		req    Request
		want   []string
		checks []check
	}{
		{
			name: "base",
			req:  Request{Path: "kustomize/base"},
			want: []string{"Service/api", "Deployment/api"},
		},
		{
			name:   "overlay with a base and a patch",
			req:    Request{Path: "kustomize/overlays/prod"},
			want:   []string{"Service/prod-api", "Deployment/prod-api"},
			checks: []check{{"Deployment", "prod-api", []string{"spec", "replicas"}, int64(2)}},
		},
		{
			name: "kustomization.yml",
			req:  Request{Path: "kustomize/yml"},
			want: []string{"Service/api-yml", "Deployment/api-yml"},
		},
		{
			name: "Kustomization",
			req:  Request{Path: "kustomize/capital"},
			want: []string{"Service/api-capital", "Deployment/api-capital"},
		},
		{
			name: "Argo CD options",
			req: Request{Path: "kustomize/overlays/prod", Env: map[string]string{"ARGOCD_APP_REVISION": "abc123"}, Kustomize: &Kustomize{
				NamePrefix: "x-", NameSuffix: "-y", Namespace: "team",
				Images:            []string{"ghcr.io/example/api:$ARGOCD_APP_REVISION"},
				Replicas:          []KustomizeReplica{{Name: "api", Count: 4}},
				CommonLabels:      map[string]string{"env": "prod"},
				CommonAnnotations: map[string]string{"rev": "$ARGOCD_APP_REVISION"},
				Components:        []string{"../../components/extra"},
			}},
			want: []string{"ConfigMap/x-extra-y", "Service/x-api-y", "Deployment/x-api-y"},
			checks: []check{
				{"Deployment", "x-api-y", []string{"metadata", "namespace"}, "team"},
				{"Deployment", "x-api-y", []string{"metadata", "labels", "env"}, "prod"},
				{"Deployment", "x-api-y", []string{"spec", "selector", "matchLabels", "env"}, "prod"},
				{"Deployment", "x-api-y", []string{"metadata", "annotations", "rev"}, "$ARGOCD_APP_REVISION"},
				// Kustomize applies replicas after the overlay's patches.
				{"Deployment", "x-api-y", []string{"spec", "replicas"}, int64(4)},
				{"Deployment", "x-api-y", []string{"spec", "template", "spec", "containers"}, []any{map[string]any{"name": "api", "image": "ghcr.io/example/api:abc123"}}},
				{"ConfigMap", "x-extra-y", []string{"data", "from"}, "component"},
			},
		},
		{
			name: "replicas without a conflicting patch, annotations expanded when asked",
			req: Request{Path: "kustomize/base", Env: map[string]string{"ARGOCD_APP_NAME": "api"}, Kustomize: &Kustomize{
				Replicas:                  []KustomizeReplica{{Name: "api", Count: 4}},
				CommonAnnotations:         map[string]string{"app": "${ARGOCD_APP_NAME}"},
				CommonAnnotationsEnvsubst: true,
				Images:                    []string{"ghcr.io/example/api=registry.example.com/api@sha256:0123"},
			}},
			want: []string{"Service/api", "Deployment/api"},
			checks: []check{
				{"Deployment", "api", []string{"spec", "replicas"}, int64(4)},
				{"Deployment", "api", []string{"metadata", "annotations", "app"}, "api"},
				{"Deployment", "api", []string{"spec", "template", "spec", "containers"}, []any{map[string]any{"name": "api", "image": "registry.example.com/api@sha256:0123"}}},
			},
		},
		{
			name: "labels without selector",
			req: Request{Path: "kustomize/base", Kustomize: &Kustomize{
				CommonLabels: map[string]string{"env": "prod"}, LabelWithoutSelector: true,
			}},
			want: []string{"Service/api", "Deployment/api"},
			checks: []check{
				{"Deployment", "api", []string{"metadata", "labels", "env"}, "prod"},
				{"Deployment", "api", []string{"spec", "selector", "matchLabels"}, map[string]any{"app": "api"}},
			},
		},
		{
			name: "forced labels, existing image entries and missing components ignored",
			req: Request{Path: "kustomize/labelled", Kustomize: &Kustomize{
				CommonLabels: map[string]string{"team": "web"}, ForceCommonLabels: true,
				CommonAnnotations: map[string]string{"owner": "web"}, ForceCommonAnnotations: true,
				Images:     []string{"ghcr.io/example/api:*"},
				Components: []string{"nope"}, IgnoreMissingComponents: true,
			}},
			want: []string{"Service/api", "Deployment/api"},
			checks: []check{
				{"Deployment", "api", []string{"metadata", "labels", "team"}, "web"},
				{"Deployment", "api", []string{"metadata", "annotations", "owner"}, "web"},
				{"Deployment", "api", []string{"spec", "template", "spec", "containers"}, []any{map[string]any{"name": "api", "image": "ghcr.io/example/api:0.9.0"}}},
			},
		},
		{
			name: "patches",
			req: Request{Path: "kustomize/base", Kustomize: &Kustomize{Patches: []KustomizePatch{{
				Target: &KustomizeSelector{Kind: "Service", Name: "api"},
				Patch:  "- op: add\n  path: /metadata/labels\n  value: {patched: \"yes\"}\n",
			}}}},
			want:   []string{"Service/api", "Deployment/api"},
			checks: []check{{"Service", "api", []string{"metadata", "labels", "patched"}, "yes"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRender(t, tt.req)
			if res.Type != TypeKustomize {
				t.Errorf("Type = %q", res.Type)
			}
			if got := ids(res.Objects); !slices.Equal(got, tt.want) {
				t.Fatalf("objects = %v, want %v", got, tt.want)
			}
			for _, c := range tt.checks {
				got := field(t, find(t, res.Objects, c.kind, c.name), c.path...)
				if !equalJSON(got, c.want) {
					t.Errorf("%s/%s %v = %#v, want %#v", c.kind, c.name, c.path, got, c.want)
				}
			}
		})
	}
}

func TestKustomizeLeavesCheckoutUntouched(t *testing.T) {
	root := tempRepo(t, "kustomize/base")
	file := filepath.Join(root, "kustomize/base/kustomization.yaml")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o444); err != nil {
		t.Fatal(err)
	}
	mustRender(t, Request{Root: root, Path: "kustomize/base", Kustomize: &Kustomize{NamePrefix: "p-", Images: []string{"a:b"}}})
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatalf("kustomization.yaml changed:\n%s", after)
	}
}

func TestKustomizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		req     Request
		want    []string
		outside bool
	}{
		{
			name: "resource outside the repository", req: Request{Path: "kustomize/escape"},
			want: []string{"kustomize/escape/kustomization.yaml", "../../../outside", "outside the repository"}, outside: true,
		},
		{
			name: "remote base", req: Request{Path: "kustomize/remote"},
			want: []string{"github.com/example/manifests//base?ref=v1.0.0", "remote references are not supported"},
		},
		{
			name: "remote resource URL", req: Request{Path: "kustomize/remote-url"},
			want: []string{"https://raw.githubusercontent.com", "remote references are not supported"},
		},
		{
			name: "patch file outside the repository", req: Request{Path: "kustomize/outside-file"},
			want: []string{"kustomize/outside-file"}, outside: true,
		},
		{
			name: "several kustomization files", req: Request{Path: "kustomize/multiple"},
			want: []string{"kustomize/multiple: found multiple kustomization files"},
		},
		{
			name: "helmCharts need helm", req: Request{Path: "kustomize/helmcharts"},
			want: []string{"kustomize build kustomize/helmcharts", "enable-helm"},
		},
		{
			name: "malformed kustomization", req: Request{Path: "kustomize/broken"},
			want: []string{"kustomize/broken/kustomization.yaml", "line"},
		},
		{
			name: "kustomize options without a kustomization", req: Request{Path: "dir/plain", Kustomize: &Kustomize{}},
			want: []string{"dir/plain: no kustomization.yaml"},
		},
		{
			name: "existing label without force", req: Request{Path: "kustomize/labelled", Kustomize: &Kustomize{CommonLabels: map[string]string{"team": "web"}}},
			want: []string{"label team already in kustomization file"},
		},
		{
			name: "invalid label", req: Request{Path: "kustomize/base", Kustomize: &Kustomize{CommonLabels: map[string]string{"bad key!": "x"}}},
			want: []string{`label "bad key!"`},
		},
		{
			name: "missing component", req: Request{Path: "kustomize/base", Kustomize: &Kustomize{Components: []string{"../nope"}}},
			want: []string{`component "../nope" not found`},
		},
		{
			name: "invalid image", req: Request{Path: "kustomize/base", Kustomize: &Kustomize{Images: []string{"justaname"}}},
			want: []string{`image "justaname"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := renderErr(t, tt.req, tt.want...)
			if got := errors.Is(err, ErrOutsideRepository); got != tt.outside {
				t.Errorf("errors.Is(err, ErrOutsideRepository) = %v, want %v (%v)", got, tt.outside, err)
			}
		})
	}
}

func TestKustomizeSymlinks(t *testing.T) {
	root := tempRepo(t, "kustomize/base")
	outside := filepath.Join(filepath.Dir(root), "secret.yaml")
	t.Run("resource symlink out of the repository", func(t *testing.T) {
		dir := filepath.Join(root, "kustomize/evil")
		symlink(t, outside, filepath.Join(dir, "secret.yaml"))
		writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n  - secret.yaml\n")
		renderErr(t, Request{Root: root, Path: "kustomize/evil"}, "secret.yaml", "outside the repository")
	})
	t.Run("base directory symlink out of the repository", func(t *testing.T) {
		dir := filepath.Join(root, "kustomize/evil-dir")
		symlink(t, filepath.Dir(root), filepath.Join(dir, "up"))
		writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n  - up\n")
		renderErr(t, Request{Root: root, Path: "kustomize/evil-dir"}, "outside the repository")
	})
	t.Run("symlinked base inside the repository", func(t *testing.T) {
		dir := filepath.Join(root, "kustomize/linked")
		symlink(t, "../base", filepath.Join(dir, "base"))
		writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n  - base\n")
		res := mustRender(t, Request{Root: root, Path: "kustomize/linked"})
		if got := ids(res.Objects); !slices.Equal(got, []string{"Service/api", "Deployment/api"}) {
			t.Fatalf("objects = %v", got)
		}
	})
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
