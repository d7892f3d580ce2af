package application

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// conflictAfter is how many heals in a row make drift a conflict worth a
// condition.
const conflictAfter = 3

// fightSummary names, for each drifted object, the fields that differ and
// the field manager that changed the object last (not Tether), the likely
// other party when drift keeps coming back, e.g. an autoscaler.
func (run *run) fightSummary() string {
	var parts []string
	for k, fields := range run.drift {
		liveObj := run.live[k]
		if liveObj == nil || len(fields) == 0 {
			continue
		}
		part := fmt.Sprintf("%s %s/%s field(s) %s", k.kind, k.namespace, k.name, strings.Join(fields, ", "))
		if m := lastOtherManager(liveObj, fields); m != "" {
			part += fmt.Sprintf(" last changed by field manager %q", m)
		}
		parts = append(parts, part)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// lastOtherManager returns the manager, other than Tether, that most
// recently changed one of fields of obj according to its managedFields.
func lastOtherManager(obj *unstructured.Unstructured, fields []string) string {
	var (
		best string
		when time.Time
	)
	for _, e := range obj.GetManagedFields() {
		if e.Manager == FieldManager || e.Subresource == "status" || e.FieldsV1 == nil {
			continue
		}
		var set map[string]any
		if err := json.Unmarshal(e.FieldsV1.Raw, &set); err != nil || !ownsAny(set, fields) {
			continue
		}
		// Updates through the scale subresource carry no time: take them
		// as the latest, since they are what changes replicas behind Git.
		t := farFuture
		if e.Time != nil {
			t = e.Time.Time
		}
		if best == "" || t.After(when) {
			best, when = e.Manager, t
		}
	}
	return best
}

// ownsAny reports whether a FieldsV1 set holds one of the paths (as diff
// reports them, e.g. spec.template.spec.containers[name=web].image),
// following map keys down to the first list.
func ownsAny(set map[string]any, paths []string) bool {
	for _, path := range paths {
		node, ok := set, true
		for _, seg := range strings.Split(path, ".") {
			name, _, isList := strings.Cut(seg, "[")
			next, found := node["f:"+name].(map[string]any)
			if !found {
				ok = false
				break
			}
			node = next
			if isList {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
