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
// the status once, only when it changed: generating again when nothing
// changed makes no API write.
//
// Refreshes come from watches (the ApplicationSet, its Applications,
// cluster Secrets), the argocd.argoproj.io/application-set-refresh
// annotation, and news of the repositories the git generators read: a
// revision that moved, found by whoever resolved it through the shared
// revision cache (an Application's poll or refresh, the reconcile after a
// push), and pushes the webhook receives in this process (Pushed). News is
// coalesced in an inbox that never blocks its senders and routed to the
// queue through a channel source. The periodic requeue (requeueAfterSeconds,
// appset.DefaultRequeueAfter) remains as a safety net.
//
// A failed generation and an invalid Application are recorded in the
// status and retried after Options.RetryAfter; an API error is returned,
// for the queue's backoff (see Reconciler.Reconcile).
package applicationset
