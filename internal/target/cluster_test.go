package target

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestDiscover(t *testing.T) {
	dc := &fakediscovery.FakeDiscovery{
		Fake:               &k8stesting.Fake{},
		FakedServerVersion: &version.Info{GitVersion: "v1.36.3"},
	}
	dc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1"},
		{GroupVersion: "apps/v1"},
		{GroupVersion: "argoproj.io/v1alpha1"},
	}
	got, err := Discover(dc)
	if err != nil {
		t.Fatal(err)
	}
	if got.KubeVersion != "v1.36.3" {
		t.Errorf("version %q", got.KubeVersion)
	}
	if s := strings.Join(got.APIVersions, ","); s != "apps/v1,argoproj.io/v1alpha1,v1" {
		t.Errorf("api versions %s", s)
	}
}
