package diff

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// hint tells how to compare a value from where it sits in the object.
type hint uint8

const (
	plain      hint = iota
	quantity        // a resource quantity: "500m" equals 0.5
	quantities      // a map of resource quantities, such as requests
)

// child returns the hint of the field k of a map with hint h.
func (h hint) child(k string) hint {
	if h == quantities {
		return quantity
	}
	switch k {
	case "limits", "requests", "hard", "capacity", "allocatable", "overhead",
		"default", "defaultRequest", "max", "min", "maxLimitRequestRatio":
		return quantities
	case "sizeLimit":
		return quantity
	}
	return plain
}

// equalScalar compares two values that are not maps or lists (or, for
// types that unstructured objects do not hold, anything): numbers by value
// whatever their Go type, and resource quantities by amount.
func equalScalar(d, l any, isQuantity bool) bool {
	switch dv := d.(type) {
	case string:
		if lv, ok := l.(string); ok && lv == dv {
			return true
		}
	case bool:
		lv, ok := l.(bool)
		return ok && lv == dv
	default:
		dn, ok := number(d)
		if !ok {
			return reflect.DeepEqual(d, l)
		}
		if ln, ok := number(l); ok {
			return dn.equal(ln)
		}
	}
	return isQuantity && equalQuantity(d, l)
}

// num is a number from an unstructured object: an int64 when it is one.
type num struct {
	i     int64
	f     float64
	isInt bool
}

// number reads the numeric types that decoders produce.
func number(v any) (num, bool) {
	switch x := v.(type) {
	case int64:
		return num{i: x, isInt: true}, true
	case int:
		return num{i: int64(x), isInt: true}, true
	case int32:
		return num{i: int64(x), isInt: true}, true
	case float64:
		return floatNum(x), true
	case float32:
		return floatNum(float64(x)), true
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return num{i: i, isInt: true}, true
		}
		if f, err := x.Float64(); err == nil {
			return floatNum(f), true
		}
	}
	return num{}, false
}

// floatNum keeps whole floats as integers so that 3.0 equals 3.
func floatNum(f float64) num {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return num{i: int64(f), isInt: true}
	}
	return num{f: f}
}

func (n num) equal(o num) bool {
	if n.isInt && o.isInt {
		return n.i == o.i
	}
	return n.float() == o.float()
}

func (n num) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// String writes the number as JSON would.
func (n num) String() string {
	if n.isInt {
		return strconv.FormatInt(n.i, 10)
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

// equalQuantity reports whether both values are resource quantities of the
// same amount ("1Gi" and 1073741824, "500m" and 0.5).
func equalQuantity(a, b any) bool {
	qa, ok := toQuantity(a)
	if !ok {
		return false
	}
	qb, ok := toQuantity(b)
	return ok && qa.Cmp(qb) == 0
}

func toQuantity(v any) (resource.Quantity, bool) {
	s, ok := v.(string)
	if !ok {
		n, isNum := number(v)
		if !isNum || math.IsInf(n.float(), 0) || math.IsNaN(n.float()) {
			return resource.Quantity{}, false
		}
		s = n.String()
		if !n.isInt {
			s = strconv.FormatFloat(n.f, 'f', -1, 64)
		}
	}
	q, err := resource.ParseQuantity(s)
	return q, err == nil
}

// isEmpty reports whether v is null, an empty map or an empty list, which
// all mean the same as a missing field.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// isZero reports whether v is "", false or 0, which typed API objects omit
// (omitempty), so that a live object never has them.
func isZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case bool:
		return !x
	}
	n, ok := number(v)
	return ok && n.float() == 0
}

// deepCopy copies maps and lists; other values are immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
