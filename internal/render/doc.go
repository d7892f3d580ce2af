// Package render turns a directory of a Git checkout, plus the options of an
// Argo CD Application source, into the Kubernetes objects it describes.
//
// It follows Argo CD's repo server: Detect picks the source type (Helm,
// Kustomize or Directory) the way Argo CD does, and each renderer applies
// the source options with Argo CD's semantics and precedence.
//
//   - Helm (helm.go, helmchart.go, helmvalues.go): `helm template
//     --include-crds` through the Helm v4 SDK in process. Hooks are kept as
//     objects with their annotations; dependencies must be vendored under
//     charts/.
//   - Kustomize (kustomize.go, kustedit.go, kustscan.go, kustfs.go): krusty
//     in process with plugins off. Argo CD's options edit an in-memory copy
//     of the kustomization; remote bases are refused.
//   - Directory (directory.go): the YAML and JSON files of the directory.
//
// ParseManifests (manifest.go) decodes multi-document YAML and JSON into
// unstructured objects, flattening Lists.
//
// Everything is read through repo (repo.go), an os.Root over the checkout:
// no path, ".." or symlink can read outside Request.Root, the checkout is
// never written, and every file read is reported in Result.Files so that
// callers can tell whether a commit touches an app. The package runs no
// external program, and contacts no network and no cluster; it imports no
// controller or CLI code.
package render
