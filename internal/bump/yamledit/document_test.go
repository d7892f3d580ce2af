package yamledit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// changedLines returns the one region where a and b differ, as "-" lines
// of a and "+" lines of b; everything before and after it is identical
// byte for byte.
func changedLines(a, b string) string {
	al, bl := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	ja, jb := len(al), len(bl)
	for ja > i && jb > i && al[ja-1] == bl[jb-1] {
		ja--
		jb--
	}
	var out strings.Builder
	for _, l := range al[i:ja] {
		out.WriteString("-" + strings.TrimSuffix(l, "\n") + "\n")
	}
	for _, l := range bl[i:jb] {
		out.WriteString("+" + strings.TrimSuffix(l, "\n") + "\n")
	}
	return out.String()
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, path, value string
		typ                     Type
		want                    string // changedLines of the result; "" for no change
		wantErr                 string
	}{
		{name: "double-quoted string", file: "values.yaml", path: "image.tag", value: "4f2e9c1",
			want: "-  tag: \"0d1a26e\"\n+  tag: \"4f2e9c1\"\n"},
		{name: "yq-style path", file: "values.yaml", path: ".image.tag", value: "4f2e9c1",
			want: "-  tag: \"0d1a26e\"\n+  tag: \"4f2e9c1\"\n"},
		{name: "plain string keeps its comment", file: "values.yaml", path: "image.repository", value: "registry.example/web-next",
			want: "-  repository: registry.example/web\n+  repository: registry.example/web-next\n"},
		{name: "single-quoted", file: "values.yaml", path: "image.pullPolicy", value: "Always",
			want: "-  pullPolicy: 'IfNotPresent'\n+  pullPolicy: 'Always'\n"},
		{name: "single quote in single-quoted", file: "values.yaml", path: "image.pullPolicy", value: "it's",
			want: "-  pullPolicy: 'IfNotPresent'\n+  pullPolicy: 'it''s'\n"},
		{name: "empty value", file: "values.yaml", path: "image.digest", value: "sha256:abc",
			want: "-  digest:\n+  digest: sha256:abc\n"},
		{name: "number", file: "values.yaml", path: "replicaCount", value: "3",
			want: "-replicaCount: 1   # scaled by the HPA in prod\n+replicaCount: 3   # scaled by the HPA in prod\n"},
		{name: "number as string", file: "values.yaml", path: "replicaCount", value: "3", typ: String,
			want: "-replicaCount: 1   # scaled by the HPA in prod\n+replicaCount: \"3\"   # scaled by the HPA in prod\n"},
		{name: "string that looks like a number stays a string", file: "values.yaml", path: "sidecar.tag", value: "1.20",
			want: "-  tag: &sidecarTag v2.1\n+  tag: &sidecarTag \"1.20\"\n"},
		{name: "string that YAML 1.1 reads as a boolean", file: "values.yaml", path: "image.repository", value: "on",
			want: "-  repository: registry.example/web\n+  repository: \"on\"\n"},
		{name: "boolean", file: "values.yaml", path: "enabled", value: "false",
			want: "-enabled: true\n+enabled: false\n"},
		{name: "empty string", file: "values.yaml", path: "nameOverride", value: "web2",
			want: "-nameOverride: \"\"\n+nameOverride: \"web2\"\n"},
		{name: "value that needs quotes", file: "values.yaml", path: "image.repository", value: "a: b # c",
			want: "-  repository: registry.example/web\n+  repository: \"a: b # c\"\n"},
		{name: "anchored value", file: "values.yaml", path: "sidecar.tag", value: "v3",
			want: "-  tag: &sidecarTag v2.1\n+  tag: &sidecarTag v3\n"},
		{name: "alias replaced by a value", file: "values.yaml", path: "sidecar.pinned", value: "v2.0",
			want: "-  pinned: *sidecarTag\n+  pinned: v2.0\n"},
		{name: "key that overrides a merge", file: "values.yaml", path: "api.retries", value: "7",
			want: "-  retries: 5\n+  retries: 7\n"},
		{name: "new key beside a merge", file: "values.yaml", path: "api.timeout", value: "60s",
			want: "+  timeout: 60s\n"},
		{name: "flow mapping value", file: "values.yaml", path: "labels.tier", value: "backend",
			want: "-labels: {app: web, tier: \"frontend\"}\n+labels: {app: web, tier: \"backend\"}\n"},
		{name: "new key in a flow mapping", file: "values.yaml", path: "labels.team", value: "core",
			want: "-labels: {app: web, tier: \"frontend\"}\n+labels: {app: web, tier: \"frontend\", team: core}\n"},
		{name: "quoted key with dots in an empty mapping", file: "values.yaml", path: `podAnnotations."example.com/team"`, value: "web",
			want: "-podAnnotations: {}\n+podAnnotations:\n+  example.com/team: web\n"},
		{name: "nested keys in an empty mapping", file: "values.yaml", path: "resources.limits.cpu", value: "100m",
			want: "-resources: {}\n+resources:\n+  limits:\n+    cpu: 100m\n"},
		{name: "new key at the end of a mapping", file: "values.yaml", path: "image.sha", value: "abc",
			want: "+  sha: abc\n"},
		{name: "new top-level key", file: "values.yaml", path: "global.registry", value: "registry.example",
			want: "+global:\n+  registry: registry.example\n"},
		{name: "list element", file: "values.yaml", path: "env[0].value", value: "staging",
			want: "-    value: production\n+    value: staging\n"},
		{name: "flow list element", file: "values.yaml", path: "env[1].value", value: "debug",
			want: "-  - {name: LEVEL, value: info}\n+  - {name: LEVEL, value: debug}\n"},
		{name: "last list element", file: "values.yaml", path: "ingress.hosts[-1]", value: "www.example.com",
			want: "-    - web.example.com\n+    - www.example.com\n"},
		{name: "new key in a list item", file: "values.yaml", path: "env[0].secret", value: "no",
			want: "+    secret: \"no\"\n"},
		{name: "null value", file: "values.yaml", path: "note", value: "later",
			want: "-note: ~ # nothing yet\n+note: later # nothing yet\n"},
		{name: "keys under a null value", file: "values.yaml", path: "note.text", value: "later",
			want: "-note: ~ # nothing yet\n+note: # nothing yet\n+  text: later\n"},
		{name: "same value", file: "values.yaml", path: "image.tag", value: "0d1a26e"},
		{name: "same number", file: "values.yaml", path: "replicaCount", value: "1"},
		{name: "mapping", file: "values.yaml", path: "image", value: "x", wantErr: "only single values"},
		{name: "through an alias", file: "values.yaml", path: "sidecar.pinned.x", value: "x", wantErr: "is an alias"},
		{name: "merged key deeper", file: "values.yaml", path: "api.other.x", value: "1", wantErr: "merges others"},
		{name: "list index out of range", file: "values.yaml", path: "env[5].value", value: "x", wantErr: "the list has 2 elements"},
		{name: "index into a mapping", file: "values.yaml", path: "image[0]", value: "x", wantErr: "not a list"},
		{name: "block scalar", file: "values.yaml", path: "config", value: "x", wantErr: "block scalar"},
		{name: "key under a value", file: "values.yaml", path: "enabled.x", value: "x", wantErr: "not a mapping"},
		{name: "CRLF file", file: "crlf.yaml", path: "image.tag", value: "v2",
			want: "-  tag: v1 # current\r\n+  tag: v2 # current\r\n"},
		{name: "new key in a CRLF file", file: "crlf.yaml", path: "image.pullPolicy", value: "Always",
			want: "+  pullPolicy: Always\r\n"},
		{name: "first document", file: "multidoc.yaml", path: "spec.template.spec.containers[0].image", value: "registry.example/web:1.1",
			want: "-        image: registry.example/web:1.0\n+        image: registry.example/web:1.1\n"},
		{name: "JSON stays JSON", file: "values.json", path: "image.tag", value: "v2",
			want: "-  \"image\": {\"repository\": \"web\", \"tag\": \"v1\"},\n+  \"image\": {\"repository\": \"web\", \"tag\": \"v2\"},\n"},
		{name: "four-space indentation", file: "indent4.yaml", path: "server.tls.cert.file", value: "/tls.crt",
			want: "+        cert:\n+            file: /tls.crt\n"},
		{name: "no newline at the end", file: "no-newline.yaml", path: "image.repository", value: "web",
			want: "-  tag: v1\n+  tag: v1\n+  repository: web\n"},
		{name: "no newline at the end, value", file: "no-newline.yaml", path: "image.tag", value: "v2",
			want: "-  tag: v1\n+  tag: v2\n"},
		{name: "file of comments", file: "comment-only.yaml", path: "image.tag", value: "v1",
			want: "+image:\n+  tag: v1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := readTestdata(t, tt.file)
			doc, err := Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			ch, err := doc.Set(tt.path, tt.value, tt.typ)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if string(doc.Bytes()) != src {
					t.Error("a failed Set changed the document")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := changedLines(src, string(doc.Bytes())); got != tt.want {
				t.Errorf("changed lines:\n%s\nwant:\n%s", got, tt.want)
			}
			if ch.Changed != (tt.want != "") {
				t.Errorf("Changed = %v", ch.Changed)
			}
			got, ok, err := doc.Get(tt.path)
			if err != nil || !ok || got != tt.value {
				t.Errorf("Get(%s) after Set = %q, %v, %v", tt.path, got, ok, err)
			}
		})
	}
}
