package diff

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// ErrUnsupported is wrapped by the errors of Compare and Unified when an
// ignore rule uses a feature that Tether does not implement
// (jqPathExpressions).
var ErrUnsupported = errors.New("unsupported")

// Options configures Compare and Unified. The zero value compares without
// ownership information and without ignore rules.
type Options struct {
	// Manager is Tether's server-side apply field manager. When set, a field
	// that the live object's managedFields record as applied (operation
	// Apply) by Manager, but that the desired object no longer sets, is a
	// difference: it was removed from Git and the next apply removes it.
	// Only entries recorded for the desired object's apiVersion are read,
	// since field paths may differ between versions.
	Manager string
	// Ignore holds Argo CD ignoreDifferences rules; those that match the
	// desired object take effect.
	Ignore []IgnoreRule
}

// IgnoreRule is one of Argo CD's ignoreDifferences entries (from an
// Application's spec or from argocd-cm), with Argo CD's meaning.
type IgnoreRule struct {
	// Group and Kind select objects by glob ("*" matches any); an empty
	// Group is the core group.
	Group string
	Kind  string
	// Name and Namespace, when set, select one object.
	Name      string
	Namespace string
	// JSONPointers are RFC 6901 pointers, such as /spec/replicas, to fields
	// removed from both sides before comparing.
	JSONPointers []string
	// JQPathExpressions are not supported: a matching rule that has any makes
	// Compare and Unified fail with ErrUnsupported.
	JQPathExpressions []string
	// ManagedFieldsManagers names field managers whose fields in the live
	// object are not compared.
	ManagedFieldsManagers []string
}

// Result is the outcome of Compare.
type Result struct {
	// Modified reports whether the live object differs from the desired one:
	// the Application is OutOfSync.
	Modified bool
	// Fields lists the paths that differ, sorted, such as spec.replicas,
	// spec.template.spec.containers[name=web].image or
	// metadata.labels["app.kubernetes.io/name"]. A path names the highest
	// field that differs, not each field below it. Paths show the keys of
	// list elements (names, ports) but never field values.
	Fields []string
	// Missing reports that there is no live object: it must be created.
	Missing bool
	// RequiresPruning reports that there is no desired object: the live one
	// is no longer in Git (Argo CD's requiresPruning).
	RequiresPruning bool
}

// Compare reports whether live differs from desired in any field that Git
// sets (see the package documentation). A nil live object is Missing and a
// nil desired object RequiresPruning; both are Modified. Compare does not
// modify its arguments and is safe for concurrent use. It fails when both
// objects are nil, when an ignore rule is invalid or unsupported, and when
// the live object's managedFields cannot be read.
func Compare(desired, live *unstructured.Unstructured, opts Options) (Result, error) {
	switch {
	case desired == nil && live == nil:
		return Result{}, errors.New("compare: no desired and no live object")
	case live == nil:
		return Result{Modified: true, Missing: true}, nil
	case desired == nil:
		return Result{Modified: true, RequiresPruning: true}, nil
	}
	in, err := prepare(desired, live, opts)
	if err != nil {
		return Result{}, err
	}
	c := newComparer(in.ignored, false)
	c.compare(in)
	return c.result(), nil
}

// input is a pair of objects ready to compare: ignored paths removed,
// Secrets normalized, ownership read.
type input struct {
	desired, live map[string]any // either may be nil
	owned         *fieldpath.Set // fields applied by Options.Manager; nil if none
	ignored       *fieldpath.Set // fields of ignored managers; nil if none
}

// prepare normalizes desired and live (either may be nil) without modifying
// them: the result shares unchanged subtrees with the arguments.
func prepare(desired, live *unstructured.Unstructured, opts Options) (input, error) {
	ref := desired
	if ref == nil {
		ref = live
	}
	var in input
	if desired != nil {
		in.desired = desired.Object
	}
	if live != nil {
		in.live = live.Object
	}
	rules := matching(opts.Ignore, ref)
	for _, r := range rules {
		if len(r.JQPathExpressions) > 0 {
			return input{}, fmt.Errorf("ignore differences of %s: jqPathExpressions: %w", describe(ref), ErrUnsupported)
		}
		var err error
		if in.desired, in.live, err = withoutPointers(in.desired, in.live, r.JSONPointers); err != nil {
			return input{}, fmt.Errorf("ignore differences of %s: %w", describe(ref), err)
		}
	}
	if isSecret(ref) {
		in.desired, in.live = foldStringData(in.desired), foldStringData(in.live)
	}
	if err := in.readOwnership(ref.GetAPIVersion(), opts.Manager, ignoredManagers(rules)); err != nil {
		return input{}, fmt.Errorf("compare %s: %w", describe(ref), err)
	}
	return in, nil
}

// readOwnership reads the field sets of the Tether manager and of the
// ignored managers from the live object's managedFields.
func (in *input) readOwnership(apiVersion, manager string, ignoredManagers []string) error {
	if in.live == nil {
		return nil
	}
	var err error
	if manager != "" {
		in.owned, err = managedFields(in.live, func(e entry) bool {
			return e.manager == manager && e.operation == "Apply" && e.subresource == "" && e.apiVersion == apiVersion
		})
		if err != nil {
			return err
		}
	}
	if len(ignoredManagers) > 0 {
		in.ignored, err = managedFields(in.live, func(e entry) bool {
			return slices.Contains(ignoredManagers, e.manager)
		})
	}
	return err
}

// describe names an object in messages: group/kind namespace/name.
func describe(obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	kind := gvk.Kind
	if gvk.Group != "" {
		kind = gvk.Group + "/" + kind
	}
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return kind + " " + name
}
