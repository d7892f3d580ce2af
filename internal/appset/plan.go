package appset

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/diff"
)

// FieldManager is the server-side apply field manager of the ApplicationSet
// controller: it owns exactly the fields that templates set, so changes
// that users and other controllers make to other fields stay.
const FieldManager = "tether-applicationset"

// Action is what applying an ApplicationSet does to one Application.
type Action string

// The actions.
const (
	// ActionCreate creates a generated Application that does not exist.
	ActionCreate Action = "create"
	// ActionUpdate applies a generated Application that differs from the
	// live one in a field the template sets or set before.
	ActionUpdate Action = "update"
	// ActionDelete deletes an owned Application that is no longer
	// generated.
	ActionDelete Action = "delete"
	// ActionNone leaves an Application that is as generated.
	ActionNone Action = "unchanged"
	// ActionKeep leaves an Application that differs, because the policy
	// forbids the change or the Application is being deleted; Reason says
	// which.
	ActionKeep Action = "kept"
	// ActionConflict leaves a generated Application whose name is taken by
	// an Application that another ApplicationSet controls.
	ActionConflict Action = "conflict"
)

// Change is the plan for one Application.
type Change struct {
	Action Action
	// Name is the Application's name.
	Name string
	// Desired is the generated Application, adjusted for preservedFields
	// and ignoreApplicationDifferences; nil for deletions.
	Desired *unstructured.Unstructured
	// Live is the Application in the cluster; nil for creations.
	Live *unstructured.Unstructured
	// Reason explains ActionKeep and ActionConflict.
	Reason string
}

// Plan compares the Applications that set generated (desired, from
// Generate) with the Applications in set's namespace (live; any others are
// ignored) and says what applying set does to each, by its applicationsSync
// policy. Changes are sorted by name. Plan reads only set's spec and UID.
func Plan(set *unstructured.Unstructured, desired, live []*unstructured.Unstructured) ([]Change, error) {
	policy, err := Policy(set)
	if err != nil {
		return nil, err
	}
	s, err := readSpec(set)
	if err != nil {
		return nil, err
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, app := range live {
		byName[app.GetName()] = app
	}
	var changes []Change
	generated := map[string]bool{}
	for _, d := range desired {
		generated[d.GetName()] = true
		c, err := planOne(set, d, byName[d.GetName()], policy, &s.ApplicationSetSpec)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c)
	}
	for _, l := range live {
		if !generated[l.GetName()] && ControlledBy(l, set.GetUID()) {
			changes = append(changes, planDelete(l, policy))
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	return changes, nil
}

func planOne(set, desired, live *unstructured.Unstructured, policy appv1.ApplicationsSyncPolicy, s *appv1.ApplicationSetSpec) (Change, error) {
	c := Change{Name: desired.GetName(), Desired: desired, Live: live}
	if live == nil {
		c.Action = ActionCreate
		return c, nil
	}
	if owner := controller(live); owner != nil && (owner.Kind != "ApplicationSet" || owner.UID != set.GetUID()) {
		c.Action, c.Reason = ActionConflict, fmt.Sprintf("the Application is controlled by %s %s", owner.Kind, owner.Name)
		return c, nil
	}
	adjusted, err := adjust(desired, live, s)
	if err != nil {
		return c, fmt.Errorf("application %s: %w", c.Name, err)
	}
	c.Desired = adjusted
	modified, err := Differs(adjusted, live)
	if err != nil {
		return c, fmt.Errorf("application %s: %w", c.Name, err)
	}
	switch {
	case !modified:
		c.Action = ActionNone
	case live.GetDeletionTimestamp() != nil:
		c.Action, c.Reason = ActionKeep, "the Application is being deleted"
	case !policy.AllowUpdate():
		c.Action, c.Reason = ActionKeep, fmt.Sprintf("not updated: applicationsSync is %s", policy)
	default:
		c.Action = ActionUpdate
	}
	return c, nil
}

func planDelete(live *unstructured.Unstructured, policy appv1.ApplicationsSyncPolicy) Change {
	c := Change{Name: live.GetName(), Live: live, Action: ActionDelete}
	switch {
	case live.GetDeletionTimestamp() != nil:
		c.Action = ActionNone
	case !policy.AllowDelete():
		c.Action, c.Reason = ActionKeep, fmt.Sprintf("not deleted: applicationsSync is %s", policy)
	}
	return c
}

// Differs reports whether applying desired with FieldManager would change
// live: a field the template sets differs, a field FieldManager applied is
// no longer set, a finalizer or the owner reference is missing or no longer
// wanted, or FieldManager never applied the Application.
func Differs(desired, live *unstructured.Unstructured) (bool, error) {
	res, err := diff.Compare(desired, live, diff.Options{Manager: FieldManager})
	if err != nil {
		return false, err
	}
	if res.Modified || !applied(live) {
		return true, nil
	}
	for _, f := range desired.GetFinalizers() {
		if !slices.Contains(live.GetFinalizers(), f) {
			return true, nil
		}
	}
	for _, f := range ownedFinalizers(live) {
		if !slices.Contains(desired.GetFinalizers(), f) {
			return true, nil
		}
	}
	for _, ref := range desired.GetOwnerReferences() {
		if !slices.ContainsFunc(live.GetOwnerReferences(), func(r metav1.OwnerReference) bool { return r.UID == ref.UID }) {
			return true, nil
		}
	}
	return false, nil
}

// applied reports whether FieldManager has applied obj.
func applied(obj *unstructured.Unstructured) bool {
	return slices.ContainsFunc(obj.GetManagedFields(), func(e metav1.ManagedFieldsEntry) bool {
		return e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == ""
	})
}

// ownedFinalizers returns the finalizers that FieldManager applied.
func ownedFinalizers(obj *unstructured.Unstructured) []string {
	var out []string
	for _, e := range obj.GetManagedFields() {
		if e.Manager != FieldManager || e.Operation != metav1.ManagedFieldsOperationApply || e.FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		if err := fromJSON(e.FieldsV1.Raw, &fields); err != nil {
			continue
		}
		meta, _ := fields["f:metadata"].(map[string]any)
		fins, _ := meta["f:finalizers"].(map[string]any)
		for k := range fins {
			var v string
			if strings.HasPrefix(k, "v:") && fromJSON([]byte(k[2:]), &v) == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// ControlledBy reports whether app's controller is the ApplicationSet with
// the given UID. An empty UID controls nothing.
func ControlledBy(app *unstructured.Unstructured, uid types.UID) bool {
	owner := controller(app)
	return uid != "" && owner != nil && owner.Kind == "ApplicationSet" && owner.UID == uid
}

func controller(obj *unstructured.Unstructured) *metav1.OwnerReference {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return &ref
		}
	}
	return nil
}
