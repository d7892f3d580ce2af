// Package diff decides whether a live object has drifted from the object
// rendered from Git, and shows how. Compare is the one rule behind an
// Application's OutOfSync status; Unified renders the same comparison as a
// unified YAML diff for `tether app diff`.
//
// Only what Git says counts. A field set in the desired object must have an
// equal value in the live object; fields that only the live object has,
// defaulted by the API server or added by controllers and webhooks, never
// count, so Applications do not flap. Values are normalized before they are
// compared: integers and floats, resource quantities ("500m" and 0.5), a
// Secret's stringData against its data, and missing live fields against
// desired ones that are null, empty ({} or []) or a zero value that typed
// objects omit ("", false, 0).
// Lists whose elements Kubernetes merges by key (containers by name, ports by
// port and protocol, ...) are matched by key; other lists by index. status
// and server-managed metadata are never compared.
//
// With Options.Manager set to Tether's server-side apply field manager, a
// field that the manager applied earlier but that Git no longer sets is also
// a difference: the next apply removes it. Ownership is read from the live
// object's managedFields with structured-merge-diff's fieldpath package.
//
// Options.Ignore takes Argo CD's ignoreDifferences rules (jsonPointers and
// managedFieldsManagers; jqPathExpressions are reported as unsupported).
//
// Secret values never appear in the output of this package: Result.Fields
// holds paths only, and Unified and MaskSecrets replace values by masks of
// plus signs.
//
// The package does not talk to the API server, does not dry-run applies and
// has no OpenAPI schema: list keys and quantity fields come from the shapes
// of Kubernetes' built-in types, which custom resources mostly share.
package diff
