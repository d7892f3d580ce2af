package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tether-gitops/tether/internal/bump"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

func runBump(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), err
}

func TestBumpCommand(t *testing.T) {
	const user, password = "ci", "t0ken-value"
	srv := gittest.NewServer(t, gittest.WithBasicAuth(user, password))
	repo := srv.NewRepo("gitops", map[string]string{"values.yaml": "image:\n  tag: v1 # set by CI\n"})
	t.Setenv("GIT_USERNAME", user)
	t.Setenv("GIT_TOKEN", password)
	t.Setenv("GIT_AUTHOR_NAME", "")

	out, err := runBump(t, "bump", "--repo", repo.URL, "--file", "values.yaml", "--set", "image.tag=v2", "--author", "Bot <bot@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Pushed "+repo.Head()) || strings.Contains(out, password) {
		t.Errorf("output:\n%s", out)
	}

	out, err = runBump(t, "bump", "--repo", repo.URL, "--file", "values.yaml", "--set", "image.tag=v2")
	if err != nil || !strings.Contains(out, "No change") {
		t.Errorf("no-op bump: %v\n%s", err, out)
	}

	out, err = runBump(t, "bump", "--repo", repo.URL, "--file", "values.yaml", "--set-string", "image.tag=3", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res bump.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if res.Commit != repo.Head() || !res.Pushed || len(res.Changes) != 1 || res.Changes[0].New != "3" {
		t.Errorf("json result %+v", res)
	}
}

func TestBumpCommandUsage(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"bump", "--file", "values.yaml", "--set", "a=b"}, `"repo" not set`},
		{[]string{"bump", "--repo", "https://example.invalid/x.git", "--file", "values.yaml"}, "nothing to change"},
		{[]string{"bump", "--repo", "https://example.invalid/x.git", "--file", "values.yaml", "--set", "novalue"}, "KEY=VALUE"},
		{[]string{"bump", "--repo", "https://example.invalid/x.git", "--file", "v.yaml", "--kustomize-image", "web"}, "invalid image"},
		{[]string{"bump", "--repo", "https://example.invalid/x.git", "--file", "v.yaml", "--set", "a=b", "--author", "nobody"}, "invalid author"},
		{[]string{"bump", "--repo", "https://example.invalid/x.git", "--file", "v.yaml", "--set", "a=b", "-o", "xml"}, "unknown output format"},
	}
	for _, tt := range tests {
		_, err := runBump(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
		}
	}
}
