package application

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// loadApp reads an Application manifest from testdata, typed and as stored.
func loadApp(t *testing.T, file string) (*appv1.Application, *unstructured.Unstructured) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	app := &appv1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return app, u
}

func TestCheckSpec(t *testing.T) {
	tests := []struct {
		file string
		// wantOK: the reconcile goes on.
		wantOK bool
		// want lists substrings of each condition's message; a type not
		// listed must not be set.
		want map[appv1.ApplicationConditionType][]string
	}{
		{file: "spec-valid.yaml", wantOK: true},
		{file: "spec-unknown-fields.yaml", wantOK: true, want: map[appv1.ApplicationConditionType][]string{
			appv1.ApplicationConditionUnsupportedField: {"spec.futureField", "spec.source.pathh", "spec.ignoreDifferences[0].newMatcher"},
		}},
		{file: "spec-unsupported.yaml", wantOK: true, want: map[appv1.ApplicationConditionType][]string{
			appv1.ApplicationConditionUnsupportedField: {"spec.source.helm.version", "spec.source.helm.passCredentials", "spec.ignoreDifferences[0].jqPathExpressions"},
		}},
		{file: "spec-jsonnet-empty.yaml", wantOK: true},
		{file: "spec-multiple-sources.yaml", wantOK: true},
		{file: "spec-remote-cluster.yaml", want: map[appv1.ApplicationConditionType][]string{
			appv1.ApplicationConditionInvalidSpecError: {`"https://prod.example:6443"`, "only the in-cluster destination"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			app, raw := loadApp(t, tt.file)
			run := newRun(&Reconciler{}, app, raw)
			if got := run.checkSpec(context.Background()); got != tt.wantOK {
				t.Errorf("checkSpec = %v, want %v (conditions %v)", got, tt.wantOK, run.conditions)
			}
			for typ, msg := range run.conditions {
				subs, ok := tt.want[typ]
				if !ok {
					t.Errorf("unexpected condition %s: %s", typ, msg)
				}
				for _, s := range subs {
					if !strings.Contains(msg, s) {
						t.Errorf("%s %q does not mention %q", typ, msg, s)
					}
				}
			}
			for typ := range tt.want {
				if _, ok := run.conditions[typ]; !ok {
					t.Errorf("condition %s not set", typ)
				}
			}
			if tt.wantOK {
				if run.source.RepoURL == "" {
					t.Error("the source compared is not set")
				}
			} else if run.app.Status.Sync.Status != appv1.SyncStatusCodeUnknown {
				t.Errorf("sync status = %q, want Unknown for an invalid spec", run.app.Status.Sync.Status)
			}
			if strings.Contains(run.conditions[appv1.ApplicationConditionUnsupportedField], "emptyFuture") {
				t.Error("an empty unknown field is reported")
			}
		})
	}
}

func TestInvalidSpec(t *testing.T) {
	src := func(mod func(*appv1.ApplicationSource)) *appv1.ApplicationSource {
		s := &appv1.ApplicationSource{RepoURL: "https://git.example/r.git", Path: "p"}
		if mod != nil {
			mod(s)
		}
		return s
	}
	inCluster := appv1.ApplicationDestination{Server: inClusterServer, Namespace: "ns"}
	tests := []struct {
		name string
		spec appv1.ApplicationSpec
		want string // substring; "" means valid
	}{
		{name: "in-cluster by server", spec: appv1.ApplicationSpec{Source: src(nil), Destination: inCluster}},
		{name: "in-cluster by server with a slash", spec: appv1.ApplicationSpec{Source: src(nil), Destination: appv1.ApplicationDestination{Server: inClusterServer + "/"}}},
		{name: "in-cluster by name", spec: appv1.ApplicationSpec{Source: src(nil), Destination: appv1.ApplicationDestination{Name: "in-cluster"}}},
		{name: "no source", spec: appv1.ApplicationSpec{Destination: inCluster}, want: "spec.source is required"},
		{name: "no repoURL", spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{Path: "p"}, Destination: inCluster}, want: "repoURL is required"},
		{name: "source hydrator", spec: appv1.ApplicationSpec{SourceHydrator: &appv1.SourceHydrator{}, Destination: inCluster}, want: "sourceHydrator"},
		{name: "helm repository", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) { s.Chart = "redis" }), Destination: inCluster}},
		{name: "two sources", spec: appv1.ApplicationSpec{Sources: appv1.ApplicationSources{*src(nil), *src(func(s *appv1.ApplicationSource) { s.Ref = "values" })}, Destination: inCluster}},
		{name: "a source without repoURL", spec: appv1.ApplicationSpec{Sources: appv1.ApplicationSources{*src(nil), {Ref: "values"}}, Destination: inCluster}, want: "spec.sources[1].repoURL is required"},
		{name: "a ref used twice", spec: appv1.ApplicationSpec{Sources: appv1.ApplicationSources{*src(func(s *appv1.ApplicationSource) { s.Ref = "v" }), *src(func(s *appv1.ApplicationSource) { s.Ref = "v" })}, Destination: inCluster}, want: `ref "v" is used by two sources`},
		{name: "a ref of a single source", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) { s.Ref = "v" }), Destination: inCluster}, want: "only meaningful among spec.sources"},
		{name: "plugin", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) { s.Plugin = &appv1.ApplicationSourcePlugin{} }), Destination: inCluster}, want: "plugin"},
		{name: "jsonnet tlas", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) {
			s.Directory = &appv1.ApplicationSourceDirectory{Jsonnet: appv1.ApplicationSourceJsonnet{TLAs: []appv1.JsonnetVar{{Name: "a"}}}}
		}), Destination: inCluster}, want: "jsonnet"},
		{name: "jsonnet extVars", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) {
			s.Directory = &appv1.ApplicationSourceDirectory{Jsonnet: appv1.ApplicationSourceJsonnet{ExtVars: []appv1.JsonnetVar{{Name: "a"}}}}
		}), Destination: inCluster}, want: "jsonnet"},
		{name: "a plain directory", spec: appv1.ApplicationSpec{Source: src(func(s *appv1.ApplicationSource) {
			s.Directory = &appv1.ApplicationSourceDirectory{Recurse: true}
		}), Destination: inCluster}},
		{name: "server and name", spec: appv1.ApplicationSpec{Source: src(nil), Destination: appv1.ApplicationDestination{Server: inClusterServer, Name: "in-cluster"}}, want: "not both"},
		{name: "no destination", spec: appv1.ApplicationSpec{Source: src(nil)}, want: "server or name is required"},
		{name: "another cluster by name", spec: appv1.ApplicationSpec{Source: src(nil), Destination: appv1.ApplicationDestination{Name: "prod"}}, want: `"prod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := invalidSpec(&tt.spec)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("invalidSpec = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnsupportedFields(t *testing.T) {
	spec := &appv1.ApplicationSpec{Source: &appv1.ApplicationSource{
		Kustomize: &appv1.ApplicationSourceKustomize{Version: "v5"},
	}}
	if got := unsupportedFields(spec); strings.Join(got, ",") != "spec.source.kustomize.version" {
		t.Errorf("unsupportedFields = %v", got)
	}
	if got := unsupportedFields(&appv1.ApplicationSpec{}); len(got) != 0 {
		t.Errorf("unsupportedFields of an empty spec = %v", got)
	}
}

// TestUnservedSource: without Charts, chart and OCI sources are refused by
// name; Git sources pass.
func TestUnservedSource(t *testing.T) {
	tests := []struct {
		name string
		spec appv1.ApplicationSpec
		want string
	}{
		{name: "git", spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{RepoURL: "https://git.example/r.git"}}},
		{name: "chart", spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{RepoURL: "https://charts.example", Chart: "redis"}}, want: "spec.source: chart and OCI sources are not configured"},
		{name: "oci in sources", spec: appv1.ApplicationSpec{Sources: appv1.ApplicationSources{{RepoURL: "https://git.example/r.git"}, {RepoURL: "oci://registry.example/app"}}}, want: "spec.sources[1]:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Reconciler{}).unservedSource(&tt.spec)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("unservedSource = %q, want %q", got, tt.want)
			}
		})
	}
}
