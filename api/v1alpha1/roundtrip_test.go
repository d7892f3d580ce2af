package v1alpha1_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// strictDecoder decodes YAML into the registered types and fails on any
// field the types do not know, so a passing round trip also proves the
// types cover every field of the test manifest.
func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := appv1.AddToScheme(scheme); err != nil {
		t.Fatalf("add to scheme: %v", err)
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		kind string
	}{
		{file: "application-web.yaml", kind: "Application"},
		{file: "application-multisource.yaml", kind: "Application"},
		{file: "application-hydrator.yaml", kind: "Application"},
		{file: "appproject.yaml", kind: "AppProject"},
	}
	dec := strictDecoder(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			obj, gvk, err := dec.Decode(in, nil, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: tt.kind}
			if *gvk != want {
				t.Fatalf("decoded kind %v, want %v", *gvk, want)
			}
			if cp := obj.DeepCopyObject(); !reflect.DeepEqual(cp, obj) {
				t.Errorf("DeepCopyObject differs from the original")
			}
			out, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := yamlDiff(t, in, out); diff != "" {
				t.Errorf("round trip changed the manifest (-in +out):\n%s", diff)
			}
		})
	}
}

// TestRoundTripKeepsEmptyPluginValues checks that a plugin parameter given
// as an empty map or array stays present: plugins tell "empty" from "unset".
func TestRoundTripKeepsEmptyPluginValues(t *testing.T) {
	in := []byte(`{"name":"p","map":{},"array":[],"string":""}`)
	var p appv1.ApplicationSourcePluginParameter
	if err := yaml.UnmarshalStrict(in, &p); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := yamlDiff(t, in, out); diff != "" {
		t.Errorf("round trip changed the parameter (-in +out):\n%s", diff)
	}
}

// yamlDiff compares two YAML documents as data, ignoring key order, comments
// and layout, and returns a unified diff of their canonical forms, or "" when
// they hold the same data.
func yamlDiff(t *testing.T, a, b []byte) string {
	t.Helper()
	ca, cb := canonicalYAML(t, a), canonicalYAML(t, b)
	if bytes.Equal(ca, cb) {
		return ""
	}
	diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(ca)), B: difflib.SplitLines(string(cb)), Context: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return diff
}

func canonicalYAML(t *testing.T, in []byte) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(in, &v); err != nil {
		t.Fatalf("parse yaml: %v", err)
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAddToScheme(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := appv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		obj  runtime.Object
		kind string
	}{
		{&appv1.Application{}, "Application"},
		{&appv1.ApplicationList{}, "ApplicationList"},
		{&appv1.AppProject{}, "AppProject"},
		{&appv1.AppProjectList{}, "AppProjectList"},
	}
	for _, tt := range tests {
		gvks, _, err := scheme.ObjectKinds(tt.obj)
		want := appv1.GroupVersion.WithKind(tt.kind)
		if err != nil || len(gvks) != 1 || gvks[0] != want {
			t.Errorf("ObjectKinds(%T) = %v, %v; want [%v]", tt.obj, gvks, err, want)
		}
	}
}
