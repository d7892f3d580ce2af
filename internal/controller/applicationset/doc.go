// Package applicationset is the ApplicationSet controller: it generates an
// ApplicationSet's Applications with package appset and makes the cluster
// match them, as its applicationsSync policy allows, and is the only place
// that writes an ApplicationSet's status.
//
// A reconcile is a pipeline of named steps: generate (every generator, or
// nothing: a failing generator changes no Application that round), list the
// live Applications from the cache, plan, apply (server-side apply with
// appset.FieldManager, so only the fields templates set are managed;
// deletions of owned Applications that are no longer generated), then write
// the status once, only when it changed. Refreshes come from watches
// (the ApplicationSet, its Applications, cluster Secrets), the
// argocd.argoproj.io/application-set-refresh annotation, and a periodic
// requeue that asks the repositories for new revisions.
package applicationset
