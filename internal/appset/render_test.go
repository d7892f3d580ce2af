package appset

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSubstitute(t *testing.T) {
	params := Params{"a": "1", "b.c": "2", "n": 3}
	tests := []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "{{a}}-{{ b.c }}", want: "1-2"},
		{in: "{{n}} {{missing}} {{}}", want: "{{n}} {{missing}} {{}}"},
		{in: "{{a", want: "{{a"},
		{in: "{{a}} {{a", err: "cannot find end tag"},
		{in: "line {{a\n}}", want: "line {{a\n}}"},
	}
	for _, tt := range tests {
		got, err := substitute(tt.in, params)
		if tt.err != "" {
			if err == nil {
				t.Errorf("substitute(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("substitute(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"a/*/c.json", "a/b/c.json", true},
		{"a/*/c.json", "a/b/x/c.json", false},
		{"a/**/c.json", "a/c.json", true},
		{"a/**/c.json", "a/b/x/c.json", true},
		{"**", "a/b", true},
		{"a/*.yaml", "a/b.yml", false},
		{"/a/b", "a/b", true},
	}
	for _, tt := range tests {
		got, err := matchGlob(tt.pattern, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("matchGlob(%q, %q) = %v, %v; want %v", tt.pattern, tt.name, got, err, tt.want)
		}
	}
	if _, err := matchGlob("a/[", "a/b"); err == nil {
		t.Error("a bad pattern was accepted")
	}
}

func TestNormalizeAndSlugify(t *testing.T) {
	tests := []struct {
		args []any
		want string
	}{
		{[]any{"My_App.v2"}, "my-app-v2"},
		{[]any{"--Hello World--"}, "hello-world"},
		{[]any{10, true, "kubernetes admin user"}, "kubernetes"},
		{[]any{10, false, "kubernetes admin user"}, "kubernetes"},
		{[]any{12, false, "kubernetes admin user"}, "kubernetes-a"},
		{[]any{12, true, "kubernetes admin user"}, "kubernetes"},
	}
	for _, tt := range tests {
		got, err := slugify(tt.args...)
		if err != nil || got != tt.want {
			t.Errorf("slugify(%v) = %q, %v; want %q", tt.args, got, err, tt.want)
		}
	}
	if got := Normalize("-Guest_Book.-"); got != "guest-book" {
		t.Errorf("Normalize = %q", got)
	}
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"env": "prod", "url": "https://a.example.com/x"}
	tests := []struct {
		sel  *metav1.LabelSelector
		want bool
	}{
		{nil, true},
		{&metav1.LabelSelector{MatchLabels: map[string]string{"url": "https://a.example.com/x"}}, true},
		{&metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}, false},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "In", Values: []string{"prod", "dev"}}}}, true},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "NotIn", Values: []string{"prod"}}}}, false},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "DoesNotExist"}}}, true},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "Exists"}}}, false},
	}
	for i, tt := range tests {
		if got, err := selectorMatches(tt.sel, labels); err != nil || got != tt.want {
			t.Errorf("case %d: got %v, %v; want %v", i, got, err, tt.want)
		}
	}
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Like"}}}
	if _, err := selectorMatches(bad, labels); err == nil {
		t.Error("an unknown operator was accepted")
	}
}
