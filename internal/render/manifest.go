package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// ParseManifests decodes a stream of YAML documents separated by "---" lines
// (JSON is accepted, being YAML) into Kubernetes objects, in order. Empty and
// comment-only documents are skipped, and a document whose kind ends in
// "List" and that carries an items array is replaced by its items. Every
// object must have a non-empty apiVersion and kind.
//
// Errors name the input (name, for instance a file path) and, where the YAML
// parser reports one, the line counted from the start of data; documents
// rendered by Helm are also named by their "# Source:" template. ParseManifests
// never panics, whatever data holds. It does not validate objects against any
// schema.
func ParseManifests(name string, data []byte) ([]*unstructured.Unstructured, error) {
	objs, _, err := parseManifests(name, data)
	return objs, err
}

// document is one YAML document of a stream with where it starts.
type document struct {
	data   []byte
	line   int    // 1-based line of the document's first line in the stream
	source string // Helm's "# Source: <template>" comment, when present
}

// parseManifests is ParseManifests that also reports how many documents
// decoded before an error, which the directory renderer needs to tell broken
// manifests from unrelated YAML files.
func parseManifests(name string, data []byte) ([]*unstructured.Unstructured, int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var objs []*unstructured.Unstructured
	decoded := 0
	for _, doc := range splitDocuments(data) {
		obj, err := decodeDocument(doc)
		if err != nil {
			return objs, decoded, fmt.Errorf("%s: %w", docName(name, doc), err)
		}
		if obj == nil {
			continue
		}
		decoded++
		items, err := flattenList(obj)
		if err != nil {
			return objs, decoded, fmt.Errorf("%s: line %d: %w", docName(name, doc), doc.line, err)
		}
		objs = append(objs, items...)
	}
	return objs, decoded, nil
}

func docName(name string, doc document) string {
	if doc.source != "" {
		return name + " (template " + doc.source + ")"
	}
	return name
}

// splitDocuments cuts a stream at "---" separator lines.
func splitDocuments(data []byte) []document {
	var docs []document
	cur := document{line: 1}
	var buf bytes.Buffer
	line := 0
	for len(data) > 0 {
		var l []byte
		l, data, _ = bytes.Cut(data, []byte("\n"))
		line++
		if isSeparator(l) {
			cur.data = bytes.Clone(buf.Bytes())
			docs = append(docs, cur)
			buf.Reset()
			cur = document{line: line + 1}
			continue
		}
		if cur.source == "" {
			if s, ok := bytes.CutPrefix(bytes.TrimSpace(l), []byte("# Source: ")); ok {
				cur.source = string(bytes.TrimSpace(s))
			}
		}
		buf.Write(l)
		buf.WriteByte('\n')
	}
	cur.data = buf.Bytes()
	return append(docs, cur)
}

func isSeparator(l []byte) bool {
	rest, ok := bytes.CutPrefix(bytes.TrimRight(l, "\r"), []byte("---"))
	if !ok {
		return false
	}
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t'
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// decodeDocument decodes one document; it returns nil for an empty one.
func decodeDocument(doc document) (*unstructured.Unstructured, error) {
	if len(bytes.TrimSpace(doc.data)) == 0 {
		return nil, nil
	}
	js, err := yaml.YAMLToJSON(doc.data)
	if err != nil {
		return nil, yamlError(err, doc.line)
	}
	var v any
	if err := utiljson.Unmarshal(js, &v); err != nil {
		return nil, fmt.Errorf("line %d: %w", doc.line, err)
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("line %d: not a Kubernetes object: the document is a %s, not a mapping", doc.line, kindOfValue(v))
	}
	if err := checkObject(m); err != nil {
		return nil, fmt.Errorf("line %d: %w", doc.line, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// yamlError rewrites the parser's document-relative line numbers so that they
// count from the start of the stream.
func yamlError(err error, start int) error {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	found := false
	msg = yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		n, convErr := strconv.Atoi(strings.TrimPrefix(s, "line "))
		if convErr != nil {
			return s
		}
		found = true
		return "line " + strconv.Itoa(start+n-1)
	})
	if !found {
		return fmt.Errorf("document at line %d: malformed YAML: %s", start, msg)
	}
	return fmt.Errorf("malformed YAML: %s", msg)
}

func kindOfValue(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	default:
		return "scalar"
	}
}

// checkObject requires the type fields every Kubernetes object has.
func checkObject(m map[string]any) error {
	for _, f := range []string{"apiVersion", "kind"} {
		s, ok := m[f].(string)
		if !ok || s == "" {
			return fmt.Errorf("not a Kubernetes object: missing %s", f)
		}
	}
	return nil
}

// flattenList replaces a List kind by its items, as kubectl and Argo CD do.
// A List whose items are null (and that has no spec or status) yields nothing.
func flattenList(obj *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !strings.HasSuffix(obj.GetKind(), "List") {
		return []*unstructured.Unstructured{obj}, nil
	}
	raw, ok := obj.Object["items"]
	if !ok {
		return []*unstructured.Unstructured{obj}, nil
	}
	if raw == nil {
		if _, spec := obj.Object["spec"]; spec {
			return []*unstructured.Unstructured{obj}, nil
		}
		if _, status := obj.Object["status"]; status {
			return []*unstructured.Unstructured{obj}, nil
		}
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return []*unstructured.Unstructured{obj}, nil
	}
	out := make([]*unstructured.Unstructured, 0, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s item %d is not an object", obj.GetKind(), i)
		}
		if err := checkObject(m); err != nil {
			return nil, fmt.Errorf("%s item %d: %w", obj.GetKind(), i, err)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}
