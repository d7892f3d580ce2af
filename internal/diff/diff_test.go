package diff

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// manager is the field manager that the tests give to Tether.
const manager = "tether"

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// loadPair reads testdata/name: the desired object, then after "---" the
// live one. Objects are decoded as from the API server (integers are int64).
func loadPair(t testing.TB, name string) (desired, live *unstructured.Unstructured) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	docs := docSeparator.Split(string(data), -1)
	if len(docs) != 2 {
		t.Fatalf("%s: want 2 documents, got %d", name, len(docs))
	}
	return decode(t, docs[0]), decode(t, docs[1])
}

func decode(t testing.TB, doc string) *unstructured.Unstructured {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	return obj
}

// at returns the map at path below obj; a number in path picks a list
// element by index, a string a map field or the list element of that name.
func at(t testing.TB, obj map[string]any, path ...any) map[string]any {
	t.Helper()
	var cur any = obj
	for _, p := range path {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[p.(string)]
		case []any:
			if i, ok := p.(int); ok {
				cur = x[i]
				continue
			}
			for _, e := range x {
				if m, ok := e.(map[string]any); ok && m["name"] == p {
					cur = m
				}
			}
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("no map at %v", path)
	}
	return m
}

// web returns the web container of a Deployment.
func web(t testing.TB, obj map[string]any) map[string]any {
	return at(t, obj, "spec", "template", "spec", "containers", "web")
}

func TestCompare(t *testing.T) {
	withManager := Options{Manager: manager}
	tests := []struct {
		name    string
		file    string
		edit    func(t testing.TB, desired, live map[string]any)
		opts    Options
		fields  []string // nil: not modified
		wantErr error    // matched with errors.Is; errAny for any error
	}{
		{
			name: "server defaults, status and managedFields are not differences",
			file: "deployment-defaulted.yaml", opts: withManager,
		},
		{
			name: "replicas changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { at(t, l, "spec")["replicas"] = int64(5) },
			fields: []string{"spec.replicas"},
		},
		{
			name: "container image changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { web(t, l)["image"] = "nginx:1.28" },
			fields: []string{"spec.template.spec.containers[name=web].image"},
		},
		{
			name: "label removed from Git but applied by Tether",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { delete(at(t, d, "metadata", "labels"), "app") },
			fields: []string{"metadata.labels.app"},
		},
		{
			name: "all labels removed from Git",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				delete(at(t, d, "metadata"), "labels")
				at(t, l, "metadata", "labels")["team"] = "checkout"
			},
			fields: []string{"metadata.labels.app"},
		},
		{
			name: "label applied by Tether, then removed by someone else and from Git",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				delete(at(t, d, "metadata"), "labels")
				delete(at(t, l, "metadata"), "labels")
			},
		},
		{
			name: "ownership recorded for another apiVersion is not read",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				delete(at(t, d, "metadata", "labels"), "app")
				at(t, l, "metadata", "managedFields", 0)["apiVersion"] = "apps/v1beta2"
			},
		},
		{
			name: "malformed managedFields",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, l, "metadata", "managedFields", 0)["fieldsV1"] = map[string]any{"x:spec": map[string]any{}}
			},
			wantErr: errAny,
		},
		{
			name: "label removed from Git without ownership information",
			file: "deployment-defaulted.yaml",
			edit: func(t testing.TB, d, l map[string]any) { delete(at(t, d, "metadata", "labels"), "app") },
		},
		{
			name: "label added by someone else",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) { at(t, l, "metadata", "labels")["team"] = "checkout" },
		},
		{
			name: "tracking annotation differs",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, l, "metadata", "annotations")["argocd.argoproj.io/tracking-id"] = "other:apps/Deployment:shop/web"
			},
			fields: []string{`metadata.annotations["argocd.argoproj.io/tracking-id"]`},
		},
		{
			name: "quantity changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { at(t, web(t, l), "resources", "requests")["cpu"] = "1" },
			fields: []string{"spec.template.spec.containers[name=web].resources.requests.cpu"},
		},
		{
			name: "quantity written differently",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, web(t, d), "resources", "requests")["memory"] = "268435456"
				at(t, web(t, d), "resources", "requests")["cpu"] = "500m"
				at(t, web(t, l), "resources", "requests")["cpu"] = 0.5
			},
		},
		{
			name: "a string that looks like a quantity elsewhere is a string",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, web(t, d), "env", "MODE")["value"] = "1.0"
				at(t, web(t, l), "env", "MODE")["value"] = "1"
			},
			fields: []string{"spec.template.spec.containers[name=web].env[name=MODE].value"},
		},
		{
			name: "env var removed from Git",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				c := web(t, d)
				c["env"] = c["env"].([]any)[1:]
			},
			fields: []string{"spec.template.spec.containers[name=web].env[name=MODE]"},
		},
		{
			name: "container port changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) { at(t, web(t, d), "ports", 0)["containerPort"] = int64(8080) },
			fields: []string{
				"spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP]",
				"spec.template.spec.containers[name=web].ports[containerPort=8080,protocol=TCP]",
			},
		},
		{
			name: "field missing from live",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { delete(web(t, l), "resources") },
			fields: []string{"spec.template.spec.containers[name=web].resources"},
		},
		{
			name: "list length changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				web(t, d)["args"] = []any{"--port", "80"}
				web(t, l)["args"] = []any{"--port"}
			},
			fields: []string{"spec.template.spec.containers[name=web].args"},
		},
		{
			name: "status and server metadata changed",
			file: "deployment-defaulted.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, l, "status")["readyReplicas"] = int64(1)
				at(t, l, "metadata")["resourceVersion"] = "50000"
				at(t, d, "metadata")["generation"] = int64(9)
				d["status"] = map[string]any{"replicas": int64(9)}
			},
		},
		{
			name: "jsonPointers ignore a difference",
			file: "deployment-defaulted.yaml",
			edit: func(t testing.TB, d, l map[string]any) { at(t, l, "spec")["replicas"] = int64(5) },
			opts: Options{Manager: manager, Ignore: []IgnoreRule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"/spec/replicas"}}}},
		},
		{
			name: "jsonPointers into a list",
			file: "deployment-defaulted.yaml",
			edit: func(t testing.TB, d, l map[string]any) { web(t, l)["image"] = "nginx:1.28" },
			opts: Options{Manager: manager, Ignore: []IgnoreRule{{Group: "*", Kind: "*", JSONPointers: []string{"/spec/template/spec/containers/0/image"}}}},
		},
		{
			name: "ignore rules of other kinds do not apply",
			file: "deployment-defaulted.yaml",
			edit: func(t testing.TB, d, l map[string]any) { at(t, l, "spec")["replicas"] = int64(5) },
			opts: Options{Manager: manager, Ignore: []IgnoreRule{
				{Group: "apps", Kind: "StatefulSet", JSONPointers: []string{"/spec/replicas"}},
				{Group: "apps", Kind: "Deployment", Name: "api", JSONPointers: []string{"/spec/replicas"}},
			}},
			fields: []string{"spec.replicas"},
		},
		{
			name:    "jqPathExpressions are unsupported",
			file:    "deployment-defaulted.yaml",
			opts:    Options{Ignore: []IgnoreRule{{Group: "apps", Kind: "Deployment", JQPathExpressions: []string{".spec.replicas"}}}},
			wantErr: ErrUnsupported,
		},
		{
			name:    "invalid JSON pointer",
			file:    "deployment-defaulted.yaml",
			opts:    Options{Ignore: []IgnoreRule{{Group: "apps", Kind: "Deployment", JSONPointers: []string{"spec/replicas"}}}},
			wantErr: errAny,
		},
		{
			name:   "field taken over by another manager",
			file:   "hpa-owned-replicas.yaml",
			opts:   withManager,
			fields: []string{"spec.replicas"},
		},
		{
			name: "managedFieldsManagers ignore their fields",
			file: "hpa-owned-replicas.yaml",
			opts: Options{Manager: manager, Ignore: []IgnoreRule{{Group: "apps", Kind: "Deployment", ManagedFieldsManagers: []string{"kube-controller-manager"}}}},
		},
		{
			name: "defaulted Service",
			file: "service.yaml", opts: withManager,
		},
		{
			name: "injected sidecar, reordered containers, extra volumes",
			file: "sidecar.yaml", opts: withManager,
		},
		{
			name:   "container removed from Git",
			file:   "container-removed.yaml",
			opts:   withManager,
			fields: []string{"spec.template.spec.containers[name=worker]"},
		},
		{
			name: "quotas in canonical form",
			file: "quota.yaml", opts: withManager,
		},
		{
			name: "quota changed",
			file: "quota.yaml", opts: withManager,
			edit:   func(t testing.TB, d, l map[string]any) { at(t, l, "spec", "hard")["memory"] = "1Gi" },
			fields: []string{"spec.hard.memory"},
		},
		{
			name:   "Secret data changed, stringData equal",
			file:   "secret.yaml",
			opts:   withManager,
			fields: []string{"data.password"},
		},
		{
			name: "Secret stringData changed",
			file: "secret.yaml", opts: withManager,
			edit: func(t testing.TB, d, l map[string]any) {
				at(t, d, "stringData")["host"] = "db.example"
				at(t, d, "data")["password"] = "czNjcjN0LW9sZA=="
			},
			fields: []string{"data.host"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired, live := loadPair(t, tt.file)
			if tt.edit != nil {
				tt.edit(t, desired.Object, live.Object)
			}
			got, err := Compare(desired, live, tt.opts)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAny && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Compare error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Result{Modified: tt.fields != nil, Fields: tt.fields}
			if got.Modified != want.Modified || !slices.Equal(got.Fields, want.Fields) || got.Missing || got.RequiresPruning {
				t.Fatalf("Compare =\n  %+v\nwant\n  %+v", got, want)
			}
		})
	}
}

// errAny stands for any error in test tables.
var errAny = errors.New("any error")

func TestCompareMissingAndExtraneous(t *testing.T) {
	desired, live := loadPair(t, "deployment-defaulted.yaml")
	got, err := Compare(desired, nil, Options{})
	if err != nil || !got.Modified || !got.Missing {
		t.Fatalf("Compare(desired, nil) = %+v, %v; want Modified and Missing", got, err)
	}
	got, err = Compare(nil, live, Options{})
	if err != nil || !got.Modified || !got.RequiresPruning {
		t.Fatalf("Compare(nil, live) = %+v, %v; want Modified and RequiresPruning", got, err)
	}
	if _, err := Compare(nil, nil, Options{}); err == nil {
		t.Fatal("Compare(nil, nil) succeeded")
	}
}

// TestCompareNormalizesValues covers values that Go code, not a decoder,
// puts into objects.
func TestCompareNormalizesValues(t *testing.T) {
	tests := []struct {
		name     string
		desired  map[string]any
		live     map[string]any
		modified bool
	}{
		{"int and float", map[string]any{"a": 3}, map[string]any{"a": 3.0}, false},
		{"int32 and int64", map[string]any{"a": int32(3)}, map[string]any{"a": int64(3)}, false},
		{"different numbers", map[string]any{"a": 3}, map[string]any{"a": 3.5}, true},
		{"number and string", map[string]any{"a": 3}, map[string]any{"a": "3"}, true},
		{"null is unset", map[string]any{"a": nil}, map[string]any{"a": "x"}, false},
		{"empty map is unset", map[string]any{"a": map[string]any{}}, map[string]any{}, false},
		{"empty list is unset", map[string]any{"a": []any{}}, map[string]any{"a": nil}, false},
		{"zero value dropped by omitempty", map[string]any{"a": false, "b": "", "c": 0}, map[string]any{}, false},
		{"zero value is still compared", map[string]any{"a": false}, map[string]any{"a": true}, true},
		{"live null", map[string]any{"a": "x"}, map[string]any{"a": nil}, true},
		{"type changed", map[string]any{"a": map[string]any{"b": 1}}, map[string]any{"a": []any{1}}, true},
		{"limits quantity", map[string]any{"limits": map[string]any{"memory": "1Gi"}}, map[string]any{"limits": map[string]any{"memory": int64(1 << 30)}}, false},
		{"sizeLimit quantity", map[string]any{"sizeLimit": "0.5Gi"}, map[string]any{"sizeLimit": "512Mi"}, false},
		{"scalar list by index", map[string]any{"a": []any{"x", "y"}}, map[string]any{"a": []any{"y", "x"}}, true},
		{"duplicate names compare by index", map[string]any{"a": []any{map[string]any{"name": "x", "v": 1}, map[string]any{"name": "x", "v": 2}}},
			map[string]any{"a": []any{map[string]any{"name": "x", "v": 1}, map[string]any{"name": "x", "v": 2}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.com/v1", "kind": "Thing", "spec": tt.desired}}
			live := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.com/v1", "kind": "Thing", "spec": tt.live}}
			got, err := Compare(desired, live, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Modified != tt.modified {
				t.Fatalf("Compare = %+v, want Modified=%v", got, tt.modified)
			}
		})
	}
}

// TestCompareDoesNotModifyArguments guards the informer cache, whose
// objects Compare receives.
func TestCompareDoesNotModifyArguments(t *testing.T) {
	for _, file := range []string{"deployment-defaulted.yaml", "secret.yaml", "container-removed.yaml"} {
		desired, live := loadPair(t, file)
		d, l := desired.DeepCopy(), live.DeepCopy()
		opts := Options{Manager: manager, Ignore: []IgnoreRule{{Group: "*", Kind: "*", JSONPointers: []string{"/spec/replicas", "/data/username"}}}}
		if _, err := Compare(desired, live, opts); err != nil {
			t.Fatal(err)
		}
		if _, err := Unified(desired, live, opts); err != nil {
			t.Fatal(err)
		}
		if !equalObjects(desired, d) || !equalObjects(live, l) {
			t.Fatalf("%s: Compare or Unified modified its arguments", file)
		}
	}
}

func equalObjects(a, b *unstructured.Unstructured) bool {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	return string(ja) == string(jb)
}

func BenchmarkCompare(b *testing.B) {
	desired, live := loadPair(b, "deployment-defaulted.yaml")
	opts := Options{Manager: manager}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(desired, live, opts); err != nil {
			b.Fatal(err)
		}
	}
}
