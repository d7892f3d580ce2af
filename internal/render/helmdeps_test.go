package render

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/yaml"
)

// fakeDeps serves charts from folders, keyed "repository name", and records
// what was asked.
type fakeDeps struct {
	mu     sync.Mutex
	charts map[string]string // "repository name" -> chart folder
	err    error
	asked  []string // "repository name version"
}

func (f *fakeDeps) FetchDependency(_ context.Context, repository, name, version string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, repository+" "+name+" "+version)
	if f.err != nil {
		return "", f.err
	}
	dir, ok := f.charts[repository+" "+name]
	if !ok {
		return "", fmt.Errorf("chart %s not found in %s", name, repository)
	}
	return dir, nil
}

// writeChart writes a chart whose one template is a ConfigMap named after
// the release and the chart.
func writeChart(t *testing.T, dir, name, version string, deps ...*chartv2.Dependency) {
	t.Helper()
	meta := map[string]any{"apiVersion": "v2", "name": name, "version": version}
	if len(deps) > 0 {
		meta["dependencies"] = deps
	}
	b, err := yaml.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "Chart.yaml"), string(b))
	writeFile(t, filepath.Join(dir, "templates/cm.yaml"),
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-"+name+"\ndata:\n  version: {{ .Chart.Version | quote }}\n")
}

// writeLock writes the Chart.lock `helm dependency update` would write for
// the dependencies of the chart at dir, or one out of sync when stale.
func writeLock(t *testing.T, dir string, req []*chartv2.Dependency, locked []*chartv2.Dependency, stale bool) {
	t.Helper()
	sum, err := requirementsDigest(req, locked)
	if err != nil {
		t.Fatal(err)
	}
	if stale {
		sum = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	}
	b, err := yaml.Marshal(map[string]any{"dependencies": locked, "digest": sum, "generated": "2026-01-02T03:04:05Z"})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "Chart.lock"), string(b))
}

const depRepo = "https://charts.example.com/stable"

func dep(name, version, repository string) *chartv2.Dependency {
	return &chartv2.Dependency{Name: name, Version: version, Repository: repository}
}

func TestHelmDownloadsDependencies(t *testing.T) {
	// Charts "in the repository": redis 1.2.0 and 1.3.0, and a chart
	// that itself depends on redis without vendoring it.
	remote := t.TempDir()
	writeChart(t, filepath.Join(remote, "redis-1.2.0"), "redis", "1.2.0")
	writeChart(t, filepath.Join(remote, "redis-1.3.0"), "redis", "1.3.0")
	writeChart(t, filepath.Join(remote, "cache"), "cache", "2.0.0", dep("redis", ">=1.0.0 <2.0.0", depRepo))
	writeChart(t, filepath.Join(remote, "misnamed"), "other", "1.0.0")
	serve := func() *fakeDeps {
		return &fakeDeps{charts: map[string]string{
			depRepo + " redis":                    filepath.Join(remote, "redis-1.3.0"),
			"oci://registry.example/charts redis": filepath.Join(remote, "redis-1.2.0"),
			depRepo + " cache":                    filepath.Join(remote, "cache"),
			depRepo + " misnamed":                 filepath.Join(remote, "misnamed"),
		}}
	}

	tests := []struct {
		name string
		// setup writes the app's chart at root/app.
		setup      func(t *testing.T, root string)
		nilFetcher bool
		fetchErr   error
		// want are the objects rendered; wantErr the error's parts.
		want    []string
		wantErr []string
		asked   []string
		outside bool
	}{
		{
			name: "http dependency downloaded at the constraint",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "^1.0", depRepo))
			},
			want:  []string{"ConfigMap/rel-app", "ConfigMap/rel-redis"},
			asked: []string{depRepo + " redis ^1.0"},
		},
		{
			name: "oci dependency",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "1.2.0", "oci://registry.example/charts"))
			},
			want:  []string{"ConfigMap/rel-app", "ConfigMap/rel-redis"},
			asked: []string{"oci://registry.example/charts redis 1.2.0"},
		},
		{
			name: "Chart.lock pins the version asked for",
			setup: func(t *testing.T, root string) {
				req := []*chartv2.Dependency{dep("redis", "^1.0", depRepo)}
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", req...)
				writeLock(t, filepath.Join(root, "app"), req, []*chartv2.Dependency{dep("redis", "1.3.0", depRepo)}, false)
			},
			want:  []string{"ConfigMap/rel-app", "ConfigMap/rel-redis"},
			asked: []string{depRepo + " redis 1.3.0"},
		},
		{
			name: "Chart.lock out of sync with Chart.yaml",
			setup: func(t *testing.T, root string) {
				req := []*chartv2.Dependency{dep("redis", "^1.0", depRepo)}
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", req...)
				writeLock(t, filepath.Join(root, "app"), req, []*chartv2.Dependency{dep("redis", "1.3.0", depRepo)}, true)
			},
			wantErr: []string{"chart app", "Chart.lock is out of sync"},
		},
		{
			name: "vendored dependency is kept and nothing downloaded",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "^1.0", depRepo))
				writeChart(t, filepath.Join(root, "app/charts/redis"), "redis", "1.0.5")
			},
			want: []string{"ConfigMap/rel-app", "ConfigMap/rel-redis"},
		},
		{
			name: "dependencies of a downloaded dependency are downloaded too",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("cache", "2.x", depRepo))
			},
			want:  []string{"ConfigMap/rel-app", "ConfigMap/rel-cache", "ConfigMap/rel-redis"},
			asked: []string{depRepo + " cache 2.x", depRepo + " redis >=1.0.0 <2.0.0"},
		},
		{
			name: "file dependency inside the checkout",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("lib", "~0.3", "file://../lib"))
				writeChart(t, filepath.Join(root, "lib"), "lib", "0.3.1", dep("redis", "^1", depRepo))
			},
			want:  []string{"ConfigMap/rel-app", "ConfigMap/rel-lib", "ConfigMap/rel-redis"},
			asked: []string{depRepo + " redis ^1"},
		},
		{
			name: "file dependency with a nil fetcher",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("lib", "", "file://../lib"))
				writeChart(t, filepath.Join(root, "lib"), "lib", "0.3.1")
			},
			nilFetcher: true,
			want:       []string{"ConfigMap/rel-app", "ConfigMap/rel-lib"},
		},
		{
			name: "file dependency leaving the checkout",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("lib", "", "file://../../lib"))
			},
			wantErr: []string{"dependency lib", "file://../../lib", "outside the repository"},
			outside: true,
		},
		{
			name: "absolute file dependency",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("lib", "", "file:///etc"))
			},
			wantErr: []string{"dependency lib", "outside the repository"},
			outside: true,
		},
		{
			name: "file dependency whose version does not match",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("lib", "^1.0", "file://../lib"))
				writeChart(t, filepath.Join(root, "lib"), "lib", "0.3.1")
			},
			wantErr: []string{"dependency lib", `chart version 0.3.1 does not match "^1.0"`},
		},
		{
			name: "no fetcher: dependencies must be vendored",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "^1.0", depRepo))
			},
			nilFetcher: true,
			wantErr:    []string{"missing in charts/ directory: redis", "helm dependency build"},
		},
		{
			name: "download fails",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "^1.0", depRepo))
			},
			fetchErr: errUnreachable,
			wantErr:  []string{"chart app", "dependency redis", "unreachable"},
			asked:    []string{depRepo + " redis ^1.0"},
		},
		{
			name: "repository holds another chart",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("misnamed", "", depRepo))
			},
			wantErr: []string{"dependency misnamed", `holds chart "other"`},
			asked:   []string{depRepo + " misnamed "},
		},
		{
			name: "downloaded version outside the constraint",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "~1.2", depRepo))
			},
			wantErr: []string{"dependency redis", `chart version 1.3.0 does not match "~1.2"`},
			asked:   []string{depRepo + " redis ~1.2"},
		},
		{
			name: "repository named as a local helm repo",
			setup: func(t *testing.T, root string) {
				writeChart(t, filepath.Join(root, "app"), "app", "0.1.0", dep("redis", "1.2.0", "@stable"))
			},
			wantErr: []string{"dependency redis", `"@stable" names a local Helm repository`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.setup(t, root)
			fetch := serve()
			fetch.err = tt.fetchErr
			req := Request{Root: root, Path: "app", ReleaseName: "rel", Dependencies: fetch}
			if tt.nilFetcher {
				req.Dependencies = nil
			}
			res, err := renderer.Render(context.Background(), req)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Render = %v, want an error", ids(res.Objects))
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error = %q, want it to contain %q", err, w)
					}
				}
				if got := errors.Is(err, ErrOutsideRepository); got != tt.outside {
					t.Errorf("errors.Is(err, ErrOutsideRepository) = %v, want %v", got, tt.outside)
				}
				if tt.fetchErr != nil && !errors.Is(err, tt.fetchErr) {
					t.Errorf("error %q does not wrap the fetcher's", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				got := ids(res.Objects)
				slices.Sort(got)
				if !slices.Equal(got, tt.want) {
					t.Errorf("objects = %v, want %v", got, tt.want)
				}
			}
			if !slices.Equal(fetch.asked, tt.asked) {
				t.Errorf("asked for %q, want %q", fetch.asked, tt.asked)
			}
		})
	}
}

var errUnreachable = errors.New("repository unreachable")
