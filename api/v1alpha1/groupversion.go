package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group is the API group of Application and AppProject, shared with Argo CD.
const Group = "argoproj.io"

// Version is the only served and stored version of the group.
const Version = "v1alpha1"

var (
	// GroupVersion is argoproj.io/v1alpha1, the group and version of every
	// kind in this package.
	GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

	// SchemeBuilder registers the kinds of this package (Application,
	// ApplicationList, AppProject, AppProjectList) and the meta types of the
	// group version (such as ListOptions) with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the kinds of this package to a scheme. It does not
	// add the core Kubernetes kinds.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Application{}, &ApplicationList{}, &AppProject{}, &AppProjectList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
