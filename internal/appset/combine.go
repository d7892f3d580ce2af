package appset

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// children returns the generators of a matrix or merge generator.
func children(kind string, body map[string]any) ([]map[string]any, error) {
	list, _ := body["generators"].([]any)
	if len(list) < 2 {
		return nil, fmt.Errorf("%s: needs at least two generators, has %d", kind, len(list))
	}
	out := make([]map[string]any, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: generators[%d] is not an object", kind, i)
		}
		out[i] = m
	}
	return out, nil
}

// matrix returns every combination of the sets of its generators. Each
// generator after the first is rendered with each set of the ones before
// it, so that it can use their parameters. Without goTemplate, a parameter
// that two generators give different values is an error; with goTemplate
// the earlier generator's value wins.
func (run *generation) matrix(ctx context.Context, body map[string]any, depth int) ([]Params, error) {
	gens, err := children("matrix", body)
	if err != nil {
		return nil, err
	}
	res, err := run.params(ctx, gens[0], nil, depth+1)
	if err != nil {
		return nil, fmt.Errorf("matrix: generators[0]%s: %w", describe(gens[0]), err)
	}
	for i := 1; i < len(gens); i++ {
		var next []Params
		for _, prev := range res {
			sets, err := run.params(ctx, gens[i], prev, depth+1)
			if err != nil {
				return nil, fmt.Errorf("matrix: generators[%d]%s: %w", i, describe(gens[i]), err)
			}
			for _, cur := range sets {
				p, err := run.combine(prev, cur)
				if err != nil {
					return nil, fmt.Errorf("matrix: generators[%d]: %w", i, err)
				}
				next = append(next, p)
			}
		}
		res = next
	}
	return res, nil
}

func (run *generation) combine(prev, cur Params) (Params, error) {
	if run.r.goTemplate {
		return deepMerge(cur, prev, true), nil
	}
	return combineFlat(prev, cur)
}

// merge returns the sets of its first generator, each overridden by the
// sets of later generators that have the same values for every merge key.
// A later generator with two sets for one key is an error.
func (run *generation) merge(ctx context.Context, body map[string]any, depth int) ([]Params, error) {
	gens, err := children("merge", body)
	if err != nil {
		return nil, err
	}
	keys, err := stringList(body["mergeKeys"])
	if err != nil || len(keys) == 0 {
		return nil, fmt.Errorf("merge: mergeKeys must list at least one parameter")
	}
	all := make([][]Params, len(gens))
	for i, gen := range gens {
		if all[i], err = run.params(ctx, gen, nil, depth+1); err != nil {
			return nil, fmt.Errorf("merge: generators[%d]%s: %w", i, describe(gen), err)
		}
	}
	base := make([]Params, len(all[0]))
	copy(base, all[0])
	for i, sets := range all[1:] {
		byKey := map[string]Params{}
		for _, p := range sets {
			k := run.mergeKey(p, keys)
			if _, dup := byKey[k]; dup {
				return nil, fmt.Errorf("merge: generators[%d] has two parameter sets with merge key %s", i+1, k)
			}
			byKey[k] = p
		}
		for j, b := range base {
			if o, ok := byKey[run.mergeKey(b, keys)]; ok {
				base[j] = run.override(b, o)
			}
		}
	}
	return base, nil
}

// mergeKey identifies a set by the values of keys, as JSON.
func (run *generation) mergeKey(p Params, keys []string) string {
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		m[k] = run.lookup(p, k)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// lookup returns p[key] or, with goTemplate, the value at the dotted path
// key ("path.basename").
func (run *generation) lookup(p Params, key string) any {
	if v, ok := p[key]; ok || !run.r.goTemplate {
		return v
	}
	var cur any = map[string]any(p)
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func (run *generation) override(base, over Params) Params {
	if run.r.goTemplate {
		return deepMerge(base, over, true)
	}
	out := maps.Clone(base)
	maps.Copy(out, over)
	return out
}
