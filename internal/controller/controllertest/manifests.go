package controllertest

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// DirApp is an Application of plain manifests in the repository repoURL at
// path, tracking main, deployed to namespace ns of the cluster it runs in,
// with policy appended to its spec (a syncPolicy block, or "").
func DirApp(name, repoURL, path, ns, policy string) string {
	return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ` + name + `
spec:
  project: default
  source:
    repoURL: ` + repoURL + `
    targetRevision: main
    path: ` + path + `
  destination:
    server: https://kubernetes.default.svc
    namespace: ` + ns + `
` + policy
}

// AutoPrune is the sync policy block for automated sync with prune and
// selfHeal, for DirApp.
const AutoPrune = `  syncPolicy:
    automated:
      prune: true
      selfHeal: true
`

// ConfigMap is a ConfigMap manifest named name with data.value = value.
func ConfigMap(name, value string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  value: \"" + value + "\"\n"
}

// GetApp reads the Application name in namespace ns, typed.
func GetApp(ctx context.Context, dyn dynamic.Interface, ns, name string) (*appv1.Application, error) {
	u, err := dyn.Resource(appv1.GroupVersion.WithResource("applications")).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	app := &appv1.Application{}
	return app, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app)
}
