package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// kustEdit applies Argo CD's kustomize options to a kustomization, as the
// `kustomize edit` commands Argo CD runs would, in Argo CD's order. It works
// on a generic map so that fields it does not know survive unchanged.
type kustEdit struct {
	k      map[string]any
	opts   *Kustomize
	env    map[string]string
	exists func(component string) bool
}

// editKustomization returns the edited kustomization file content.
func editKustomization(data []byte, opts *Kustomize, env map[string]string, exists func(string) bool) ([]byte, error) {
	var k map[string]any
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, err
	}
	if k == nil {
		k = map[string]any{}
	}
	e := kustEdit{k: k, opts: opts, env: env, exists: exists}
	steps := []func() error{
		e.namePrefix, e.nameSuffix, e.images, e.replicas, e.labels,
		e.annotations, e.namespace, e.patches, e.components,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return yaml.Marshal(e.k)
}

func (e kustEdit) namePrefix() error {
	if e.opts.NamePrefix != "" {
		e.k["namePrefix"] = e.opts.NamePrefix
	}
	return nil
}

func (e kustEdit) nameSuffix() error {
	if e.opts.NameSuffix != "" {
		e.k["nameSuffix"] = e.opts.NameSuffix
	}
	return nil
}

func (e kustEdit) namespace() error {
	ns := e.opts.Namespace
	if ns == "" {
		return nil
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("kustomize namespace %q: %s", ns, strings.Join(errs, "; "))
	}
	e.k["namespace"] = ns
	return nil
}

// image is a kustomization images entry.
type image struct {
	Name    string `json:"name,omitempty"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// images merges the overrides like `kustomize edit set image`: an override
// replaces the entry of the same name ("*" keeps the existing field), and
// the list ends up sorted by name.
func (e kustEdit) images() error {
	if len(e.opts.Images) == 0 {
		return nil
	}
	var existing []image
	if err := convert(e.k["images"], &existing); err != nil {
		return fmt.Errorf("kustomization images: %w", err)
	}
	byName := map[string]image{}
	for _, arg := range e.opts.Images {
		img, err := parseImage(envsubst(arg, e.env))
		if err != nil {
			return fmt.Errorf("kustomize image %q: %w", arg, err)
		}
		byName[img.Name] = img
	}
	for _, old := range existing {
		img, ok := byName[old.Name]
		if !ok {
			byName[old.Name] = old
			continue
		}
		byName[old.Name] = keepStars(img, old)
	}
	out := slices.Collect(maps.Values(byName))
	for i := range out {
		out[i] = keepStars(out[i], image{})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	e.k["images"] = out
	return nil
}

func keepStars(img, old image) image {
	if img.NewName == "*" {
		img.NewName = old.NewName
	}
	if img.NewTag == "*" {
		img.NewTag = old.NewTag
	}
	if img.Digest == "*" {
		img.Digest = old.Digest
	}
	return img
}

var imageTag = regexp.MustCompile(`^(.*):([a-zA-Z0-9._-]*|\*)$`)

// parseImage parses [old=]new[:tag][@digest].
func parseImage(arg string) (image, error) {
	if name, spec, ok := strings.Cut(arg, "="); ok && !strings.Contains(spec, "=") {
		n, tag, digest, err := splitImage(spec, true)
		return image{Name: name, NewName: n, NewTag: tag, Digest: digest}, err
	}
	n, tag, digest, err := splitImage(arg, false)
	return image{Name: n, NewTag: tag, Digest: digest}, err
}

func splitImage(s string, bare bool) (name, tag, digest string, err error) {
	if n, d, ok := strings.Cut(s, "@"); ok {
		return n, "", d, nil
	}
	if m := imageTag.FindStringSubmatch(s); m != nil {
		return m[1], m[2], "", nil
	}
	if bare && s != "" {
		return s, "", "", nil
	}
	return "", "", "", errors.New("expected [image=]newimage[:tag][@digest]")
}

// replicas merges the overrides by workload name.
func (e kustEdit) replicas() error {
	if len(e.opts.Replicas) == 0 {
		return nil
	}
	var list []map[string]any
	if err := convert(e.k["replicas"], &list); err != nil {
		return fmt.Errorf("kustomization replicas: %w", err)
	}
	for _, r := range e.opts.Replicas {
		entry := map[string]any{"name": r.Name, "count": r.Count}
		i := slices.IndexFunc(list, func(m map[string]any) bool { return m["name"] == r.Name })
		if i >= 0 {
			list[i] = entry
		} else {
			list = append(list, entry)
		}
	}
	e.k["replicas"] = list
	return nil
}

func (e kustEdit) labels() error {
	if len(e.opts.CommonLabels) == 0 {
		return nil
	}
	labels := map[string]string{}
	for k, v := range e.opts.CommonLabels {
		labels[k] = envsubst(v, e.env)
		if err := validLabel(k, labels[k]); err != nil {
			return err
		}
	}
	if e.opts.LabelWithoutSelector {
		return e.labelsWithoutSelector(labels)
	}
	return e.addToMap("commonLabels", "label", labels, e.opts.ForceCommonLabels)
}

// labelsWithoutSelector adds to the labels entry that leaves selectors
// alone, creating it when needed.
func (e kustEdit) labelsWithoutSelector(labels map[string]string) error {
	var list []map[string]any
	if err := convert(e.k["labels"], &list); err != nil {
		return fmt.Errorf("kustomization labels: %w", err)
	}
	tmpl := e.opts.LabelIncludeTemplates
	i := slices.IndexFunc(list, func(m map[string]any) bool {
		sel, _ := m["includeSelectors"].(bool)
		t, _ := m["includeTemplates"].(bool)
		return !sel && t == tmpl
	})
	if i < 0 {
		entry := map[string]any{"pairs": map[string]any{}}
		if tmpl {
			entry["includeTemplates"] = true
		}
		list = append(list, entry)
		i = len(list) - 1
	}
	pairs, _ := list[i]["pairs"].(map[string]any)
	if pairs == nil {
		pairs = map[string]any{}
	}
	if err := putAll(pairs, "label", labels, e.opts.ForceCommonLabels); err != nil {
		return err
	}
	list[i]["pairs"] = pairs
	e.k["labels"] = list
	return nil
}

func (e kustEdit) annotations() error {
	if len(e.opts.CommonAnnotations) == 0 {
		return nil
	}
	ann := map[string]string{}
	for k, v := range e.opts.CommonAnnotations {
		if e.opts.CommonAnnotationsEnvsubst {
			v = envsubst(v, e.env)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("annotation %q: %s", k, strings.Join(errs, "; "))
		}
		ann[k] = v
	}
	return e.addToMap("commonAnnotations", "annotation", ann, e.opts.ForceCommonAnnotations)
}

func (e kustEdit) addToMap(field, what string, add map[string]string, force bool) error {
	m, ok := e.k[field].(map[string]any)
	if !ok {
		if e.k[field] != nil {
			return fmt.Errorf("kustomization %s is not a map", field)
		}
		m = map[string]any{}
	}
	if err := putAll(m, what, add, force); err != nil {
		return err
	}
	e.k[field] = m
	return nil
}

// putAll adds pairs in key order; a key already present is an error unless
// force, like `kustomize edit add` without --force.
func putAll(m map[string]any, what string, add map[string]string, force bool) error {
	for _, k := range slices.Sorted(maps.Keys(add)) {
		if _, ok := m[k]; ok && !force {
			return fmt.Errorf("%s %s already in kustomization file (set force to overwrite)", what, k)
		}
		m[k] = add[k]
	}
	return nil
}

func validLabel(k, v string) error {
	if errs := validation.IsQualifiedName(k); len(errs) > 0 {
		return fmt.Errorf("label %q: %s", k, strings.Join(errs, "; "))
	}
	if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
		return fmt.Errorf("label %q value %q: %s", k, v, strings.Join(errs, "; "))
	}
	return nil
}

// patches appends the patches, as Argo CD does.
func (e kustEdit) patches() error {
	if len(e.opts.Patches) == 0 {
		return nil
	}
	var list []any
	if err := convert(e.k["patches"], &list); err != nil {
		return fmt.Errorf("kustomization patches: %w", err)
	}
	for _, p := range e.opts.Patches {
		var m map[string]any
		if err := convert(p, &m); err != nil {
			return err
		}
		list = append(list, m)
	}
	e.k["patches"] = list
	return nil
}

// components adds components not yet listed. A missing component is an
// error, like `kustomize edit add component` finding no match, unless
// IgnoreMissingComponents.
func (e kustEdit) components() error {
	if len(e.opts.Components) == 0 {
		return nil
	}
	var list []string
	if err := convert(e.k["components"], &list); err != nil {
		return fmt.Errorf("kustomization components: %w", err)
	}
	for _, c := range e.opts.Components {
		if !e.exists(c) {
			if e.opts.IgnoreMissingComponents {
				continue
			}
			return fmt.Errorf("kustomize component %q not found", c)
		}
		if !slices.Contains(list, c) {
			list = append(list, c)
		}
	}
	e.k["components"] = list
	return nil
}

// convert copies a JSON-compatible value into out through JSON.
func convert(in, out any) error {
	if in == nil {
		return nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}
