package appset

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// funcMap returns the functions of goTemplate, as Argo CD documents them:
// Sprig's, without those that read the controller's environment (env,
// expandenv, getHostByName), plus normalize, slugify, toYaml, fromYaml and
// fromYamlArray. Each call returns a new map.
func funcMap() template.FuncMap {
	m := sprig.TxtFuncMap()
	for _, name := range []string{"env", "expandenv", "getHostByName"} {
		delete(m, name)
	}
	m["normalize"] = Normalize
	m["slugify"] = slugify
	m["toYaml"] = toYAML
	m["fromYaml"] = fromYAML
	m["fromYamlArray"] = fromYAMLArray
	return m
}

var (
	invalidNameChars = regexp.MustCompile(`[^-a-z0-9.]`)
	nonSlugChars     = regexp.MustCompile(`[^a-z0-9]+`)
)

// Normalize makes name a valid Kubernetes object name, as Argo CD's
// "basenameNormalized" parameters and normalize function do: lower case,
// characters other than a-z, 0-9, '-' and '.' replaced by '-', at most 253
// characters, no leading or trailing '-' or '.'.
func Normalize(name string) string {
	name = invalidNameChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

// slugify is Argo CD's slugify: slugify [maxLength [smartTruncate]] name.
// The name is normalized, then every run of characters other than a-z and
// 0-9 becomes one '-'; the result is cut to maxLength (50 by default), at a
// '-' when smartTruncate (the default) allows.
func slugify(args ...any) (string, error) {
	if len(args) == 0 || len(args) > 3 {
		return "", fmt.Errorf("slugify: want 1 to 3 arguments, got %d", len(args))
	}
	name, ok := args[len(args)-1].(string)
	if !ok {
		return "", fmt.Errorf("slugify: the name must be a string, got %T", args[len(args)-1])
	}
	maxLen, smart := 50, true
	if len(args) > 1 {
		if maxLen, ok = args[0].(int); !ok {
			return "", fmt.Errorf("slugify: the length must be an int, got %T", args[0])
		}
	}
	if len(args) > 2 {
		if smart, ok = args[1].(bool); !ok {
			return "", fmt.Errorf("slugify: smart truncation must be a bool, got %T", args[1])
		}
	}
	slug := strings.Trim(nonSlugChars.ReplaceAllString(Normalize(name), "-"), "-")
	return truncateSlug(slug, maxLen, smart), nil
}

func truncateSlug(slug string, maxLen int, smart bool) string {
	if maxLen <= 0 || len(slug) <= maxLen {
		return slug
	}
	cut := slug[:maxLen]
	if smart && slug[maxLen] != '-' {
		if i := strings.LastIndex(cut, "-"); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.Trim(cut, "-")
}

// toYAML encodes v as YAML without a trailing newline; it fails when v
// cannot be encoded.
func toYAML(v any) (string, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toYaml: %w", err)
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// fromYAML decodes a YAML object.
func fromYAML(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("fromYaml: %w", err)
	}
	return m, nil
}

// fromYAMLArray decodes a YAML list.
func fromYAMLArray(s string) ([]any, error) {
	var l []any
	if err := yaml.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("fromYamlArray: %w", err)
	}
	return l, nil
}
