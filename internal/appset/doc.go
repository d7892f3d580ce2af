// Package appset turns an ApplicationSet into the Applications it
// generates, with Argo CD's semantics, and plans what applying them to a
// cluster changes. It has no Kubernetes client: the controller and the CLI
// give it the repositories (Repos), the registered clusters (Clusters) and
// the live Applications, so that `tether appset generate` and `tether appset
// diff` show exactly what the controller does.
//
// Generation is a pipeline: each generator (list, clusters, git
// directories and files, matrix and merge of two generators) produces
// parameter sets, which its selector filters; every set renders the
// template (the ApplicationSet's, overridden by the generator's own) with
// "{{param}}" substitution or, with goTemplate, Go templates and the
// Sprig-like functions Argo CD documents; templatePatch is merged into the
// result. Any error fails the whole generation, so that a broken generator
// never makes Applications disappear; two Applications with one name are an
// error too.
//
// Files:
//   - generate.go: Generator, Generate and the Error that names the failing
//     generator; spec.go reads an ApplicationSet's spec and policy.
//   - dispatch.go: one generator entry, its kind and its selector.
//   - list.go, clusters.go, git.go, combine.go: the generators; glob.go the
//     file patterns; selector.go the generators' selectors.
//   - params.go: parameter sets (flattening, values, combining).
//   - render.go, funcs.go: the two template languages.
//   - application.go: from a rendered template to an Application.
//   - plan.go, adjust.go: what applying the Applications changes, by policy.
package appset
