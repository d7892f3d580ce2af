package v1alpha1_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// embeddedCRDs parses the manifests returned by appv1.CRDs, by name.
func embeddedCRDs(t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	docs, err := appv1.CRDs()
	if err != nil {
		t.Fatalf("CRDs: %v", err)
	}
	crds := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, doc := range docs {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(doc, crd); err != nil {
			t.Fatalf("parse embedded crd: %v", err)
		}
		crds[crd.Name] = crd
	}
	return crds
}

func TestCRDs(t *testing.T) {
	tests := []struct {
		name      string
		names     apiextensionsv1.CustomResourceDefinitionNames
		preserved []string // top-level fields that keep unknown fields
		// schemaless are preserved fields the API server does not validate:
		// the Application's status, only the controller's to write.
		schemaless []string
		columns    []string
		storedKeys []string // typed properties that must exist under spec
		// statusSubresource is true where Argo CD's CRD has one: the
		// ApplicationSet's, not the Application's, whose controller writes
		// status through the main resource.
		statusSubresource bool
	}{
		{
			name: "applications.argoproj.io",
			names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural: "applications", Singular: "application", Kind: "Application",
				ListKind: "ApplicationList", ShortNames: []string{"app", "apps"}, Categories: []string{"argocd"},
			},
			preserved:  []string{"spec", "status", "operation"},
			schemaless: []string{"status"},
			columns:    []string{"Sync Status", "Health Status", "Revision", "Project", "Age"},
			storedKeys: []string{"source", "sources", "destination", "project", "syncPolicy", "sourceHydrator"},
		},
		{
			name: "appprojects.argoproj.io",
			names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural: "appprojects", Singular: "appproject", Kind: "AppProject",
				ListKind: "AppProjectList", ShortNames: []string{"appproj", "appprojs"}, Categories: []string{"argocd"},
			},
			preserved:  []string{"spec", "status"},
			storedKeys: []string{"sourceRepos", "destinations", "roles", "syncWindows"},
		},
		{
			name: "applicationsets.argoproj.io",
			names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural: "applicationsets", Singular: "applicationset", Kind: "ApplicationSet",
				ListKind: "ApplicationSetList", ShortNames: []string{"appset", "appsets"}, Categories: []string{"argocd"},
			},
			preserved:         []string{"spec", "status"},
			storedKeys:        []string{"generators", "template", "syncPolicy", "goTemplate", "templatePatch", "preservedFields", "ignoreApplicationDifferences", "strategy"},
			statusSubresource: true,
		},
	}
	crds := embeddedCRDs(t)
	if len(crds) != len(tests) {
		t.Errorf("got %d embedded CRDs, want %d", len(crds), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crd, ok := crds[tt.name]
			if !ok {
				t.Fatalf("no embedded CRD %s", tt.name)
			}
			if crd.Spec.Group != appv1.GroupVersion.Group || crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
				t.Errorf("group %q scope %q, want %q Namespaced", crd.Spec.Group, crd.Spec.Scope, appv1.GroupVersion.Group)
			}
			if !reflect.DeepEqual(crd.Spec.Names, tt.names) {
				t.Errorf("names = %+v, want %+v", crd.Spec.Names, tt.names)
			}
			if len(crd.Spec.Versions) != 1 {
				t.Fatalf("got %d versions, want 1", len(crd.Spec.Versions))
			}
			v := crd.Spec.Versions[0]
			if v.Name != appv1.GroupVersion.Version || !v.Served || !v.Storage {
				t.Errorf("version %s served=%v storage=%v, want %s served and stored", v.Name, v.Served, v.Storage, appv1.GroupVersion.Version)
			}
			if has := v.Subresources != nil && v.Subresources.Status != nil; has != tt.statusSubresource {
				t.Errorf("status subresource %v, want %v as in Argo CD's CRD", has, tt.statusSubresource)
			}
			var columns []string
			for _, c := range v.AdditionalPrinterColumns {
				columns = append(columns, c.Name)
			}
			if !slices.Equal(columns, tt.columns) {
				t.Errorf("printer columns = %q, want %q", columns, tt.columns)
			}
			root := v.Schema.OpenAPIV3Schema
			for _, f := range tt.preserved {
				p := root.Properties[f]
				if p.XPreserveUnknownFields == nil || !*p.XPreserveUnknownFields {
					t.Errorf("%s does not preserve unknown fields", f)
				}
				if typed := len(p.Properties) > 0; typed == slices.Contains(tt.schemaless, f) {
					t.Errorf("%s has a typed schema: %v, want %v", f, typed, !typed)
				}
			}
			for _, k := range tt.storedKeys {
				if _, ok := root.Properties["spec"].Properties[k]; !ok {
					t.Errorf("spec has no typed property %s", k)
				}
			}
			if errs := structuralschema.ValidateStructural(nil, structural(t, crd)); len(errs) > 0 {
				t.Errorf("schema is not structural: %v", errs.ToAggregate())
			}
		})
	}
}

// TestCRDsStoreArgoManifests runs the API server's pruning of custom
// resources, and an OpenAPI validation against the CRD schema, on the test
// manifests: nothing may be pruned, even fields the Go types lack, and
// nothing may be rejected.
func TestCRDsStoreArgoManifests(t *testing.T) {
	tests := []struct {
		file string
		crd  string
	}{
		{file: "application-web.yaml", crd: "applications.argoproj.io"},
		{file: "application-multisource.yaml", crd: "applications.argoproj.io"},
		{file: "application-hydrator.yaml", crd: "applications.argoproj.io"},
		{file: "application-future.yaml", crd: "applications.argoproj.io"},
		{file: "appproject.yaml", crd: "appprojects.argoproj.io"},
	}
	crds := embeddedCRDs(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			crd := crds[tt.crd]
			obj := readObject(t, tt.file)
			pruned := prune(t, crd, obj)
			if len(pruned) > 0 {
				t.Errorf("pruned fields %q", pruned)
			}
			if res := validator(t, crd).Validate(obj); !res.IsValid() {
				t.Errorf("rejected: %v", res.Errors)
			}
		})
	}
}

// TestCRDsCanRejectAndPrune guards the test above: pruning does drop a
// field at the root of the object, where Argo CD drops it too, and
// validation does reject a value of the wrong type.
func TestCRDsCanRejectAndPrune(t *testing.T) {
	crd := embeddedCRDs(t)["applications.argoproj.io"]
	obj := readObject(t, "application-web.yaml")
	obj["bogus"] = "x"
	if pruned := prune(t, crd, obj); !slices.Equal(pruned, []string{"bogus"}) {
		t.Errorf("pruned %q, want [bogus]", pruned)
	}
	obj["spec"].(map[string]any)["revisionHistoryLimit"] = "ten"
	if res := validator(t, crd).Validate(obj); res.IsValid() {
		t.Errorf("a string revisionHistoryLimit was accepted")
	}
}

func readObject(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// prune prunes obj in place as the API server would on create, and returns
// the paths of the fields it dropped.
func prune(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, obj map[string]any) []string {
	t.Helper()
	return pruning.PruneWithOptions(obj, structural(t, crd), true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
}

func internalSchema(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) *apiextensions.JSONSchemaProps {
	t.Helper()
	out := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
		crd.Spec.Versions[0].Schema.OpenAPIV3Schema, out, nil); err != nil {
		t.Fatalf("convert schema: %v", err)
	}
	return out
}

func structural(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) *structuralschema.Structural {
	t.Helper()
	s, err := structuralschema.NewStructural(internalSchema(t, crd))
	if err != nil {
		t.Fatalf("structural schema: %v", err)
	}
	return s
}

// validator validates objects against the OpenAPI schema of the CRD. It
// checks types, formats and required fields, as the API server does, but
// not CEL rules (the CRDs have none).
func validator(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) *validate.SchemaValidator {
	t.Helper()
	b, err := json.Marshal(crd.Spec.Versions[0].Schema.OpenAPIV3Schema)
	if err != nil {
		t.Fatal(err)
	}
	s := &spec.Schema{}
	if err := json.Unmarshal(b, s); err != nil {
		t.Fatalf("openapi schema: %v", err)
	}
	return validate.NewSchemaValidator(s, nil, "", strfmt.Default)
}
