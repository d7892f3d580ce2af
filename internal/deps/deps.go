// Package deps pins the engine's dependencies while their packages are being
// written; it is removed once real code imports them.
package deps

import (
	_ "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/go-git/go-git/v5/plumbing/transport/http"
	_ "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	_ "github.com/pmezard/go-difflib/difflib"
	_ "helm.sh/helm/v4/pkg/action"
	_ "helm.sh/helm/v4/pkg/chart/loader"
	_ "helm.sh/helm/v4/pkg/engine"
	_ "sigs.k8s.io/controller-runtime"
	_ "sigs.k8s.io/kustomize/api/krusty"
	_ "sigs.k8s.io/kustomize/kyaml/filesys"
	_ "sigs.k8s.io/yaml"
)
