package render

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestDirectory(t *testing.T) {
	top := []string{
		"ConfigMap/hidden", "ConfigMap/a1", "ConfigMap/a2", "Service/b", "ConfigMap/c",
		"ConfigMap/list-1", "ConfigMap/list-2",
	}
	tests := []struct {
		name string
		dir  *Directory
		want []string
	}{
		{name: "no options", want: top},
		{name: "empty options", dir: &Directory{}, want: top},
		{name: "recurse", dir: &Directory{Recurse: true}, want: append(slices.Clone(top), "ConfigMap/sub-d", "ConfigMap/deeper-f", "Secret/sub-e")},
		{name: "include with alternatives", dir: &Directory{Recurse: true, Include: "{a.yaml,sub/*}"}, want: []string{"ConfigMap/a1", "ConfigMap/a2", "ConfigMap/sub-d", "ConfigMap/deeper-f", "Secret/sub-e"}},
		{name: "star crosses directories", dir: &Directory{Recurse: true, Include: "*e.yaml"}, want: []string{"Secret/sub-e"}},
		{name: "exclude", dir: &Directory{Recurse: true, Exclude: "{sub/**,*.json,.hidden.yaml}"}, want: []string{"ConfigMap/a1", "ConfigMap/a2", "Service/b", "ConfigMap/list-1", "ConfigMap/list-2"}},
		{name: "include and exclude", dir: &Directory{Recurse: true, Include: "sub/*", Exclude: "*/deeper/*"}, want: []string{"ConfigMap/sub-d", "Secret/sub-e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRender(t, Request{Path: "dir/plain", Directory: tt.dir})
			if res.Type != TypeDirectory {
				t.Errorf("Type = %q", res.Type)
			}
			if got := ids(res.Objects); !slices.Equal(got, tt.want) {
				t.Fatalf("objects = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestDirectoryRecordsFilesRead(t *testing.T) {
	res := mustRender(t, Request{Path: "dir/plain"})
	want := []string{"dir/plain/.hidden.yaml", "dir/plain/a.yaml", "dir/plain/b.yml", "dir/plain/c.json", "dir/plain/list.yaml", "dir/plain/values.yaml"}
	if !slices.Equal(res.Files, want) {
		t.Fatalf("Files = %v, want %v", res.Files, want)
	}
}

func TestDirectoryErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		dir  *Directory
		want []string
	}{
		{name: "malformed YAML that looks like a manifest", path: "dir/broken-yaml", want: []string{"dir/broken-yaml/bad.yaml", "line 6"}},
		{name: "malformed JSON", path: "dir/broken-json", want: []string{"dir/broken-json/bad.json", "malformed JSON"}},
		{name: "JSON that is not a Kubernetes object", path: "dir/not-k8s-json", want: []string{"dir/not-k8s-json/package.json", "missing apiVersion"}},
		{name: "several JSON objects", path: "dir/multi-json", want: []string{"dir/multi-json/two.json", "only one"}},
		{name: "a broken document after a good one", path: "dir/partial", want: []string{"dir/partial/p.yaml", "line 9"}},
		{name: "jsonnet", path: "dir/jsonnet", want: []string{"dir/jsonnet/app.jsonnet", "jsonnet is not supported"}},
		{name: "bad include pattern", path: "dir/plain", dir: &Directory{Include: "[a"}, want: []string{`include pattern "[a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			renderErr(t, Request{Path: tt.path, Directory: tt.dir}, tt.want...)
		})
	}
}

func TestDirectorySymlinks(t *testing.T) {
	root := tempRepo(t, "dir/plain")
	outside := filepath.Join(filepath.Dir(root), "secret.yaml")
	dir := filepath.Join(root, "dir/plain")
	symlink(t, "a.yaml", filepath.Join(dir, "z-link.yaml"))
	symlink(t, "missing.yaml", filepath.Join(dir, "dangling.yaml"))
	symlink(t, "sub", filepath.Join(dir, "linked-dir.yaml"))
	res := mustRender(t, Request{Root: root, Path: "dir/plain"})
	got := ids(res.Objects)
	if n := len(got); n != 9 || got[7] != "ConfigMap/a1" || got[8] != "ConfigMap/a2" {
		t.Fatalf("objects = %v, want the link to a.yaml read last and dangling links skipped", got)
	}
	symlink(t, outside, filepath.Join(dir, "secret.yaml"))
	err := renderErr(t, Request{Root: root, Path: "dir/plain"}, "dir/plain/secret.yaml", "outside the repository")
	if !errors.Is(err, ErrOutsideRepository) {
		t.Errorf("error %v does not wrap ErrOutsideRepository", err)
	}
}
