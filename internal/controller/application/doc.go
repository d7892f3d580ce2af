// Package application is the Application controller: the only place that
// joins the engine packages (source, render, live, diff, apply, health) and
// writes an Application's status.
//
// A reconcile is a pipeline of named steps: check the spec, resolve the
// revision and render (cached by commit and source spec), compare with the
// live objects from watches, sync when an operation or the sync policy asks
// for it, assess health, then write the status once, only when it changed.
package application
