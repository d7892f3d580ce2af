package target

import (
	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/diff"
)

// FieldManager is the server-side apply field manager of everything the
// Application controller applies.
const FieldManager = "tether"

// CompareOptions are the options with which app's resources are compared:
// Tether's field manager and the app's ignoreDifferences. jqPathExpressions
// are left out (reported as unsupported on the Application), so that the
// rest of a rule still applies.
func CompareOptions(app *appv1.Application) diff.Options {
	opts := diff.Options{Manager: FieldManager}
	for _, ig := range app.Spec.IgnoreDifferences {
		opts.Ignore = append(opts.Ignore, diff.IgnoreRule{
			Group: ig.Group, Kind: ig.Kind, Name: ig.Name, Namespace: ig.Namespace,
			JSONPointers: ig.JSONPointers, ManagedFieldsManagers: ig.ManagedFieldsManagers,
		})
	}
	return opts
}
