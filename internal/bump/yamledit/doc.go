// Package yamledit changes values in YAML files the way a person would
// with an editor: it replaces the bytes of one value, or inserts the lines
// of new keys, and leaves every other byte alone, so comments, key order,
// quoting style, indentation, anchors, flow style and blank lines survive
// and a diff shows only the edited lines.
//
// It locates values with the parser of go.yaml.in/yaml/v3 and checks each
// edit by parsing the result again: the new file must hold the same
// documents, keys, values, types, anchors and comments as the old one,
// except the edited value. An edit that cannot be made in place (a block
// scalar, a value that spans several lines, a path through an alias) is
// refused with an error rather than made by rewriting the file.
//
// Typical use:
//
//	doc, err := yamledit.Parse(src)
//	change, err := doc.Set("image.tag", "v1.2.3", yamledit.Auto)
//	os.WriteFile(name, doc.Bytes(), 0o644)
//
// Kustomization files have SetImage, which does what
// `kustomize edit set image` does to the images list.
package yamledit
