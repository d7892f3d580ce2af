package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestAppSetGenerate runs `tether appset generate` on the user's manifest
// against a local Git server, without a cluster.
func TestAppSetGenerate(t *testing.T) {
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("gitops", map[string]string{
		"apps/prod/api/cm.yaml": "kind: ConfigMap\n",
		"apps/prod/web/cm.yaml": "kind: ConfigMap\n",
	})
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "applicationset-microservices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "appset.yaml")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(b), "https://github.com/your-org/gitops.git", repo.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.ReplaceAll(string(b), "https://github.com/your-org/gitops.git", srv.URL+"/missing.git")), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{name: "yaml", args: []string{"-f", file}, want: []string{"---\napiVersion: argoproj.io/v1alpha1\nkind: Application", "name: api", "path: apps/prod/web", "namespace: web"}},
		{name: "names", args: []string{"-f", file, "-o", "name"}, want: []string{"application/api\napplication/web\n"}},
		{name: "json", args: []string{"-f", file, "-o", "json"}, want: []string{`"kind": "List"`, `"name": "api"`}},
		{name: "a missing repository names the generator", args: []string{"-f", bad}, wantErr: "generator generators[0] (git " + srv.URL + "/missing.git main)"},
		{name: "no ApplicationSet", args: []string{"-f", filepath.Join("..", "..", "examples", "application-web.yaml")}, wantErr: "holds no ApplicationSet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"appset", "generate", "--kubeconfig", filepath.Join(dir, "none"), "--repo-cache-dir", filepath.Join(dir, "repos")}, tt.args...)
			err := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestAppSetHelpHasExamples checks that every appset command documents
// examples.
func TestPrintAppSetDiff(t *testing.T) {
	d := AppSetDiff{ApplicationSet: "microservices", Namespace: "argocd", Exists: true, Changes: []AppSetDiffApp{
		{Action: "create", Name: "new", Diff: "+++ new\n"},
		{Action: "delete", Name: "old", Diff: "--- old\n"},
		{Action: "unchanged", Name: "same"},
		{Action: "kept", Name: "held", Reason: "not updated: applicationsSync is create-only"},
	}}
	var out bytes.Buffer
	printAppSetDiff(&out, d)
	for _, want := range []string{
		"ApplicationSet argocd/microservices (in the cluster)",
		"create Application new\n+++ new",
		"delete Application old\n--- old",
		"kept Application held: not updated: applicationsSync is create-only",
		"1 to create, 0 to update, 1 to delete, 1 unchanged, 1 kept",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Application same") {
		t.Errorf("unchanged Applications are listed:\n%s", out.String())
	}
}
