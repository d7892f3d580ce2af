package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/chartrepo"
	"github.com/tether-gitops/tether/internal/ociregistry"
)

// ociApp is an Application of an OCI source; chart may be empty.
func ociApp(name, repoURL, chart, path, revision, ns string) string {
	src := fmt.Sprintf("    repoURL: %s\n    targetRevision: %q\n", repoURL, revision)
	if chart != "" {
		src += "    chart: " + chart + "\n"
	}
	if path != "" {
		src += "    path: " + path + "\n"
	}
	return fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: %s
spec:
  project: default
  source:
%s  destination:
    server: https://kubernetes.default.svc
    namespace: %s
  syncPolicy:
    automated:
      prune: true
    syncOptions:
      - CreateNamespace=true
`, name, src, ns)
}

// TestOCISources: a Helm chart from an OCI registry (constraint over tags)
// and an artifact of manifests (Argo CD 3.1's OCI source) from a private
// plain-HTTP registry, with an oci repository Secret; a manifests tag
// pushed again is a new revision.
func TestOCISources(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const password = "registry-s3cret"
	reg := ociregistry.New(t, ociregistry.WithBasicAuth("puller", password))
	reg.PushChart(t, "charts/greeter", chartrepo.Chart{Name: "greeter", Version: "1.0.0"})
	reg.PushChart(t, "charts/greeter", chartrepo.Chart{Name: "greeter", Version: "1.1.0+build.1"})
	reg.PushManifests(t, "apps/guestbook", "v1", map[string]string{"cm.yaml": configMap("from-oci", "1")})
	ns := cluster.Namespace(t)
	// A credential template for the whole registry, as Argo CD users
	// write one: it matches both repositories by prefix.
	credsSecret(t, "oci-"+ns, "repo-creds", map[string]string{"type": "oci", "url": "oci://" + reg.Host, "username": "puller", "password": password,
		"insecureOCIForceHttp": "true"})

	chartName := "ocichart-" + ns
	applyApp(t, ociApp(chartName, "oci://"+reg.Host+"/charts", "greeter", "", "^1.0", ns), nil)
	filesName := "ocifiles-" + ns
	applyApp(t, ociApp(filesName, "oci://"+reg.Host+"/apps/guestbook", "", ".", "v1", ns), nil)

	app := waitApp(t, chartName, "the chart Synced at 1.1.0+build.1", syncedHealthy("1.1.0+build.1"))
	if app.Status.SourceType != appv1.ApplicationSourceTypeHelm {
		t.Errorf("chart sourceType = %q", app.Status.SourceType)
	}
	files := waitApp(t, filesName, "the manifests Synced", func(app *appv1.Application) bool {
		return syncedHealthy("")(app) && strings.HasPrefix(app.Status.Sync.Revision, "sha256:")
	})
	if got := configMapValue(t, ns, "from-oci"); got != "1" {
		t.Errorf("ConfigMap from the artifact = %q", got)
	}

	first := files.Status.Sync.Revision
	reg.PushManifests(t, "apps/guestbook", "v1", map[string]string{"cm.yaml": configMap("from-oci", "2")})
	refresh(t, filesName)
	waitApp(t, filesName, "a new digest for the tag pushed again", func(app *appv1.Application) bool {
		return syncedHealthy("")(app) && app.Status.Sync.Revision != first
	})
	if got := configMapValue(t, ns, "from-oci"); got != "2" {
		t.Errorf("ConfigMap after the push = %q, want 2", got)
	}
	for _, a := range []string{chartName, filesName} {
		got, err := getApp(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Status.Conditions {
			if strings.Contains(c.Message, password) {
				t.Errorf("%s: the password leaked into %s", a, c.Type)
			}
		}
	}
}
