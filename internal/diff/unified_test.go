package diff

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestUnified(t *testing.T) {
	withManager := Options{Manager: manager}
	tests := []struct {
		name   string
		file   string
		edit   func(t testing.TB, desired, live map[string]any)
		opts   Options
		golden string // testdata file with the expected diff; "" for none
	}{
		{name: "no difference", file: "deployment-defaulted.yaml", opts: withManager, golden: "no-difference.diff"},
		{
			name: "changed and removed fields",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, l, "spec")["replicas"] = int64(5)
				web(t, l)["image"] = "nginx:1.28"
				delete(at(t, d, "metadata"), "labels")
			},
			golden: "deployment-changed.diff",
		},
		{name: "container removed from Git", file: "container-removed.yaml", opts: withManager, golden: "container-removed.diff"},
		{name: "Secret", file: "secret.yaml", opts: withManager, golden: "secret.diff"},
		{
			name:   "ignored differences do not show",
			file:   "deployment-defaulted.yaml",
			edit:   func(t testing.TB, d, l map[string]any) { at(t, l, "spec")["replicas"] = int64(5) },
			opts:   Options{Ignore: []IgnoreRule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}}},
			golden: "no-difference.diff",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired, live := loadPair(t, tt.file)
			if tt.edit != nil {
				tt.edit(t, desired.Object, live.Object)
			}
			got, err := Unified(desired, live, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, got)
			res, err := Compare(desired, live, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Modified != (got != "") {
				t.Fatalf("Compare says Modified=%v but Unified returned %q", res.Modified, got)
			}
		})
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("Unified =\n%s\nwant (%s)\n%s", got, path, want)
	}
}

func TestUnifiedOneSided(t *testing.T) {
	desired, live := loadPair(t, "deployment-defaulted.yaml")
	created, err := Unified(desired, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(created, "+  replicas: 3\n") || strings.Contains(created, "\n-") {
		t.Fatalf("Unified(desired, nil) should add every line:\n%s", created)
	}
	pruned, err := Unified(nil, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pruned, "-  revisionHistoryLimit: 10\n") || strings.Contains(pruned, "\n+ ") {
		t.Fatalf("Unified(nil, live) should remove every line:\n%s", pruned)
	}
	for _, server := range []string{"managedFields", "resourceVersion", "uid:", "status:", "observedGeneration"} {
		if strings.Contains(pruned, server) {
			t.Errorf("Unified(nil, live) shows %s:\n%s", server, pruned)
		}
	}
	if _, err := Unified(nil, nil, Options{}); err == nil {
		t.Fatal("Unified(nil, nil) succeeded")
	}
}

func TestUnifiedUnsupported(t *testing.T) {
	desired, live := loadPair(t, "deployment-defaulted.yaml")
	opts := Options{Ignore: []IgnoreRule{{Group: "apps", Kind: "*", JQPathExpressions: []string{".spec"}}}}
	if _, err := Unified(desired, live, opts); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Unified error = %v, want ErrUnsupported", err)
	}
}
