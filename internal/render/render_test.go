package render

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const testRepo = "testdata/repo"

// renderer is shared by the tests, as it would be by the controller.
var renderer = NewRenderer()

func mustRender(t *testing.T, req Request) *Result {
	t.Helper()
	if req.Root == "" {
		req.Root = testRepo
	}
	res, err := renderer.Render(context.Background(), req)
	if err != nil {
		t.Fatalf("Render(%s): %v", req.Path, err)
	}
	return res
}

// renderErr renders and requires an error containing every want string.
func renderErr(t *testing.T, req Request, want ...string) error {
	t.Helper()
	if req.Root == "" {
		req.Root = testRepo
	}
	res, err := renderer.Render(context.Background(), req)
	if err == nil {
		t.Fatalf("Render(%s) = %d objects, want an error containing %q", req.Path, len(res.Objects), want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Render(%s) error = %q, want it to contain %q", req.Path, err, w)
		}
	}
	return err
}

// ids lists objects as Kind/name, in order.
func ids(objs []*unstructured.Unstructured) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetKind() + "/" + o.GetName()
	}
	return out
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s/%s among %v", kind, name, ids(objs))
	return nil
}

func field(t *testing.T, o *unstructured.Unstructured, path ...string) any {
	t.Helper()
	v, ok, err := unstructured.NestedFieldNoCopy(o.Object, path...)
	if err != nil || !ok {
		t.Fatalf("%s/%s has no field %v (err %v)", o.GetKind(), o.GetName(), path, err)
	}
	return v
}

// tempRepo copies testdata/repo/<sub> into a fresh directory laid out as
// repo/<sub> and returns the repository root, for tests that add symlinks.
func tempRepo(t *testing.T, subs ...string) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	for _, sub := range subs {
		src := filepath.Join(testRepo, sub)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(testRepo, p)
			dst := filepath.Join(root, rel)
			if d.IsDir() {
				return os.MkdirAll(dst, 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "secret.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
		err  string
	}{
		{name: "chart", req: Request{Path: "charts/web"}, want: TypeHelm},
		{name: "kustomization.yaml", req: Request{Path: "kustomize/base"}, want: TypeKustomize},
		{name: "kustomization.yml", req: Request{Path: "kustomize/yml"}, want: TypeKustomize},
		{name: "Kustomization", req: Request{Path: "kustomize/capital"}, want: TypeKustomize},
		{name: "plain directory", req: Request{Path: "dir/plain"}, want: TypeDirectory},
		{name: "repository root", req: Request{Path: ""}, want: TypeDirectory},
		{name: "kustomization wins over Chart.yaml", req: Request{Path: "both"}, want: TypeKustomize},
		{name: "helm options force Helm", req: Request{Path: "dir/plain", Helm: &Helm{}}, want: TypeHelm},
		{name: "directory options force Directory", req: Request{Path: "charts/web", Directory: &Directory{}}, want: TypeDirectory},
		{name: "kustomize options force Kustomize", req: Request{Path: "dir/plain", Kustomize: &Kustomize{}}, want: TypeKustomize},
		{
			name: "two option blocks", req: Request{Path: "charts/web", Helm: &Helm{}, Directory: &Directory{}},
			err: "multiple application sources defined: Helm,Directory",
		},
		{name: "missing path", req: Request{Path: "nope"}, err: `app path "nope" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Root = testRepo
			got, err := Detect(tt.req)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Detect() = %q, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Detect() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestRenderRejectsHostilePaths(t *testing.T) {
	root := tempRepo(t, "dir/plain")
	symlink(t, "..", filepath.Join(root, "up"))
	symlink(t, "/etc", filepath.Join(root, "etc"))
	symlink(t, "dir/plain", filepath.Join(root, "inside"))
	tests := []struct {
		name    string
		path    string
		want    string
		outside bool
	}{
		{name: "parent", path: "../..", want: "outside the repository", outside: true},
		{name: "parent after a directory", path: "dir/../../x", want: "outside the repository", outside: true},
		{name: "absolute", path: "/etc", want: "is absolute"},
		{name: "symlink to the parent", path: "up", want: "outside the repository", outside: true},
		{name: "symlink chain through the parent", path: "up/repo/dir/plain", want: "outside the repository", outside: true},
		{name: "absolute symlink", path: "etc", want: "outside the repository", outside: true},
		{name: "a file", path: "dir/plain/a.yaml", want: "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := renderErr(t, Request{Root: root, Path: tt.path}, tt.want)
			if got := errors.Is(err, ErrOutsideRepository); got != tt.outside {
				t.Errorf("errors.Is(err, ErrOutsideRepository) = %v, want %v", got, tt.outside)
			}
		})
	}
	t.Run("symlink inside the repository", func(t *testing.T) {
		res := mustRender(t, Request{Root: root, Path: "inside"})
		if len(res.Objects) == 0 {
			t.Fatal("no objects")
		}
	})
}

func TestRenderFilesAreRepositoryRelative(t *testing.T) {
	res := mustRender(t, Request{Path: "kustomize/overlays/prod"})
	want := []string{
		"kustomize/base/deployment.yaml", "kustomize/base/kustomization.yaml",
		"kustomize/base/service.yaml", "kustomize/overlays/prod/kustomization.yaml",
	}
	for _, w := range want {
		if !slices.Contains(res.Files, w) {
			t.Errorf("Files = %v, missing %s", res.Files, w)
		}
	}
	for _, f := range res.Files {
		if filepath.IsAbs(f) || strings.HasPrefix(f, "..") {
			t.Errorf("Files has %q, want repository-relative paths", f)
		}
	}
}

func TestRenderHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := renderer.Render(ctx, Request{Root: testRepo, Path: "charts/web", ReleaseName: "web"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Render() error = %v, want context.Canceled", err)
	}
}

func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func removeAll(t *testing.T, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

// TestRenderConcurrently shares one Renderer between goroutines, as the
// controller does.
func TestRenderConcurrently(t *testing.T) {
	reqs := []Request{
		{Path: "charts/web", ReleaseName: "web", KubeVersion: "1.31.0"},
		{Path: "kustomize/overlays/prod", Kustomize: &Kustomize{NamePrefix: "c-"}},
		{Path: "kustomize/base"},
		{Path: "dir/plain", Directory: &Directory{Recurse: true}},
	}
	want := make([][]string, len(reqs))
	for i, req := range reqs {
		want[i] = ids(mustRender(t, req).Objects)
	}
	errs := make(chan error, 8*len(reqs))
	done := make(chan struct{})
	for n := 0; n < 8; n++ {
		for i, req := range reqs {
			go func() {
				defer func() { done <- struct{}{} }()
				req.Root = testRepo
				res, err := renderer.Render(context.Background(), req)
				if err == nil && !slices.Equal(ids(res.Objects), want[i]) {
					err = errors.New("objects differ: " + strings.Join(ids(res.Objects), ","))
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	for n := 0; n < 8*len(reqs); n++ {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkRender(b *testing.B) {
	for _, req := range []Request{
		{Path: "charts/web", ReleaseName: "web", KubeVersion: "1.31.0", Helm: &Helm{ValueFiles: []string{"values-prod.yaml"}}},
		{Path: "kustomize/overlays/prod", Kustomize: &Kustomize{Images: []string{"ghcr.io/example/api:2"}}},
		{Path: "dir/plain", Directory: &Directory{Recurse: true}},
	} {
		req.Root = testRepo
		b.Run(req.Path, func(b *testing.B) {
			for b.Loop() {
				if _, err := renderer.Render(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
