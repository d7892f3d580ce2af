package yamledit

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestVerify checks that the safety net catches edits that change more
// than they should.
func TestVerify(t *testing.T) {
	t.Parallel()
	const old = "# head\na: \"1\" # one\nb:\n  c: [x, y]\nd: &anchor v\ne: *anchor\n"
	same := func(docs []*yaml.Node) ([]*yaml.Node, error) { return docs, nil }
	tests := []struct {
		name, out string
		wantErr   string
	}{
		{name: "unchanged", out: old},
		{name: "restyled only", out: "# head\na: '1' # one\nb: {c: [x, y]}\nd: &anchor v\ne: *anchor\n"},
		{name: "value", out: strings.Replace(old, "c: [x, y]", "c: [x, z]", 1), wantErr: `b.c[1]: "y" became "z"`},
		{name: "type", out: strings.Replace(old, `a: "1"`, "a: 1", 1), wantErr: "type !!str became !!int"},
		{name: "structure", out: strings.Replace(old, "  c: [x, y]", "c: [x, y]", 1), wantErr: "entries"},
		{name: "alias", out: strings.Replace(old, "e: *anchor", "e: v", 1), wantErr: "an alias became"},
		{name: "comment", out: strings.Replace(old, " # one", "", 1), wantErr: "comments"},
		{name: "broken", out: old + "  bad: [\n", wantErr: "break the file"},
	}
	for _, tt := range tests {
		err := verify([]byte(old), []byte(tt.out), same, true)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: verify = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestSetKeepsEverythingElse makes several edits in a row and compares the
// decoded data with the original plus the edits.
func TestSetKeepsEverythingElse(t *testing.T) {
	t.Parallel()
	src := readTestdata(t, "values.yaml")
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	edits := [][2]string{{"image.tag", "v9"}, {"replicaCount", "4"}, {"resources.limits.cpu", "1"}, {"env[1].value", "warn"}, {"labels.team", "core"}}
	for _, e := range edits {
		if _, err := doc.Set(e[0], e[1], Auto); err != nil {
			t.Fatalf("set %s: %v", e[0], err)
		}
	}
	var got, want map[string]any
	if err := yaml.Unmarshal(doc.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(src), &want); err != nil {
		t.Fatal(err)
	}
	want["image"].(map[string]any)["tag"] = "v9"
	want["replicaCount"] = 4
	want["resources"] = map[string]any{"limits": map[string]any{"cpu": 1}}
	want["env"].([]any)[1].(map[string]any)["value"] = "warn"
	want["labels"].(map[string]any)["team"] = "core"
	if !yamlEqual(t, got, want) {
		t.Errorf("decoded result:\n%v\nwant:\n%v", got, want)
	}
	for _, keep := range []string{"# The tag is set by the pipeline.", "  # limits:", "replicaCount: 4   # scaled by the HPA in prod", "pullPolicy: 'IfNotPresent'"} {
		if !strings.Contains(string(doc.Bytes()), keep) {
			t.Errorf("lost %q", keep)
		}
	}
}

func yamlEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := yaml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(x) == string(y)
}
