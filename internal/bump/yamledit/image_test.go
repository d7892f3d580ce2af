package yamledit

import (
	"strings"
	"testing"
)

func TestParseImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg     string
		want    Image
		wantErr bool
	}{
		{arg: "web=registry.example/web:v2", want: Image{Name: "web", NewName: "registry.example/web", NewTag: "v2"}},
		{arg: "web=registry.example:5000/web:v2", want: Image{Name: "web", NewName: "registry.example:5000/web", NewTag: "v2"}},
		{arg: "web=registry.example:5000/web", want: Image{Name: "web", NewName: "registry.example:5000/web"}},
		{arg: "web=registry.example/web@sha256:abc", want: Image{Name: "web", NewName: "registry.example/web", Digest: "sha256:abc"}},
		{arg: "web=registry.example/web:v2@sha256:abc", want: Image{Name: "web", NewName: "registry.example/web", NewTag: "v2", Digest: "sha256:abc"}},
		{arg: "web:v2", want: Image{Name: "web", NewTag: "v2"}},
		{arg: "web@sha256:abc", want: Image{Name: "web", Digest: "sha256:abc"}},
		{arg: "web=*:v3", want: Image{Name: "web", NewName: "*", NewTag: "v3"}},
		{arg: "web", wantErr: true},
		{arg: "=web:v1", wantErr: true},
		{arg: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseImage(tt.arg)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseImage(%q) = %+v, %v; want %+v, error %v", tt.arg, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != tt.arg {
			t.Errorf("ParseImage(%q).String() = %q", tt.arg, got.String())
		}
	}
}

func TestSetImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		img        Image
		want       string
		wantErr    string
	}{
		{name: "new tag", file: "kustomization.yaml", img: Image{Name: "web", NewName: "registry.example/web", NewTag: "1.1"},
			want: "-  newTag: \"1.0\"\n+  newTag: \"1.1\"\n"},
		{name: "same tag", file: "kustomization.yaml", img: Image{Name: "web", NewName: "registry.example/web", NewTag: "1.0"}},
		{name: "keep the name with *", file: "kustomization.yaml", img: Image{Name: "web", NewName: "*", NewTag: "1.1"},
			want: "-  newTag: \"1.0\"\n+  newTag: \"1.1\"\n"},
		{name: "fields not given are removed, as kustomize does", file: "kustomization.yaml", img: Image{Name: "web", NewTag: "1.1"},
			want: "-  newName: registry.example/web\n-  newTag: \"1.0\"\n+  newTag: \"1.1\"\n"},
		{name: "digest replaced by a tag", file: "kustomization.yaml", img: Image{Name: "cache", NewTag: "7.2"},
			want: "-  digest: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n+  newTag: \"7.2\"\n"},
		{name: "new image", file: "kustomization.yaml", img: Image{Name: "db", NewName: "registry.example/postgres", NewTag: "16"},
			want: "+- name: db\n+  newName: registry.example/postgres\n+  newTag: \"16\"\n"},
		{name: "no images yet", file: "multidoc.yaml", img: Image{Name: "web", NewTag: "v2"},
			want: "+images:\n+- name: web\n+  newTag: v2\n"},
		{name: "flow list", file: "kustomization-flow.yaml", img: Image{Name: "web", NewTag: "v2"},
			want: "-images: [{name: web, newTag: v1}]\n+images: [{name: web, newTag: v2}]\n"},
		{name: "flow list, new image", file: "kustomization-flow.yaml", img: Image{Name: "db", NewTag: "16"},
			want: "-images: [{name: web, newTag: v1}]\n+images: [{name: web, newTag: v1}, {name: db, newTag: \"16\"}]\n"},
		{name: "images is not a list", file: "kustomization-bad.yaml", img: Image{Name: "web", NewTag: "v2"}, wantErr: "not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := readTestdata(t, tt.file)
			doc, err := Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			changes, err := doc.SetImage(tt.img)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := changedLines(src, string(doc.Bytes())); got != tt.want {
				t.Errorf("changed lines:\n%s\nwant:\n%s", got, tt.want)
			}
			if (len(changes) > 0) != (tt.want != "") {
				t.Errorf("changes = %+v", changes)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, path string
		want, wantErr    string
	}{
		{name: "block key", file: "values.yaml", path: "image.pullPolicy", want: "-  pullPolicy: 'IfNotPresent'\n"},
		{name: "key with a nested mapping", file: "values.yaml", path: "defaults.retries", want: "-  retries: 3\n"},
		{name: "flow key", file: "values.yaml", path: "labels.app", want: "-labels: {app: web, tier: \"frontend\"}\n+labels: {tier: \"frontend\"}\n"},
		{name: "last flow key", file: "values.yaml", path: "labels.tier", want: "-labels: {app: web, tier: \"frontend\"}\n+labels: {app: web}\n"},
		{name: "missing key", file: "values.yaml", path: "image.nothing"},
		{name: "first key of a list item", file: "values.yaml", path: "env[0].name", wantErr: "first key of a list item"},
		{name: "list element", file: "values.yaml", path: "ingress.hosts[0]", wantErr: "list elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := readTestdata(t, tt.file)
			doc, err := Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = doc.Delete(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := changedLines(src, string(doc.Bytes())); got != tt.want {
				t.Errorf("changed lines:\n%s\nwant:\n%s", got, tt.want)
			}
			if _, ok, _ := doc.Get(tt.path); ok {
				t.Errorf("%s is still there", tt.path)
			}
		})
	}
}
