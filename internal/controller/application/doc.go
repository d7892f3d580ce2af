// Package application is the Application controller: the only place that
// joins the engine packages (source, render, live, diff, apply, health) and
// writes an Application's status.
//
// A reconcile is a pipeline of named steps: check the spec, resolve the
// revision and render (cached by commit and source spec), compare with the
// live objects from watches, sync when an operation or the sync policy asks
// for it, assess health, then write the status once, only when it changed.
// It returns a Result or an error, never both: a wait it computed (a sync
// retry's backoff) is kept exactly; a transient error is left to the
// queue's rate limiter.
//
// Requests from outside the Application watch (changes of live objects,
// push webhooks) come through Triggers, which never block the informer or
// request that sends them.
package application
