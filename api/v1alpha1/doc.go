// Package v1alpha1 holds the Go types of the argoproj.io/v1alpha1 API that
// Tether serves: Application and AppProject, with Argo CD's field names, JSON
// tags and string values, so that manifests written for Argo CD apply
// unchanged. Other packages import it as appv1.
//
// The package is data only: types, their scheme registration, the well-known
// annotation, label and finalizer keys, small accessors that read fields, and
// the CustomResourceDefinitions generated from the types (see CRDs). It holds
// no reconcile, render or validation logic and imports nothing of Tether's.
//
// Files:
//   - groupversion.go: GroupVersion, SchemeBuilder and AddToScheme.
//   - application_types.go, source_types.go, hydrator_types.go,
//     status_types.go, operation_types.go: the Application kind.
//   - appproject_types.go: the AppProject kind.
//   - codes.go: typed status values (sync, health, phases, results, conditions).
//   - keys.go: annotation, label and finalizer keys.
//   - crds.go: the embedded CRD manifests in crds/.
//
// Compatibility rules that shape the CRDs: every field is optional, no
// validation is stricter than Argo CD's, and every object in the schema keeps
// fields it does not know (x-kubernetes-preserve-unknown-fields), so that a
// field that only a newer Argo CD has is stored rather than pruned. The Go
// types still drop such fields when decoding: writers that must keep them
// should patch rather than update whole objects.
//
// Regenerate zz_generated.deepcopy.go and crds/ with hack/generate.sh.
//
// +kubebuilder:object:generate=true
// +kubebuilder:validation:Optional
// +groupName=argoproj.io
package v1alpha1
