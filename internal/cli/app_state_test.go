package cli

import (
	"strings"
	"testing"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// TestStateSourceTargets: which source each revision flag moves.
func TestStateSourceTargets(t *testing.T) {
	tests := []struct {
		name    string
		from    stateSource
		n       int
		want    string // targets joined by ","
		wantErr string
	}{
		{name: "tracked", n: 2, want: ","},
		{name: "revision is the first source's", from: stateSource{revision: "v2"}, n: 2, want: "v2,"},
		{name: "revision at a position", from: stateSource{revision: "1.5.0", position: 2}, n: 2, want: ",1.5.0"},
		{name: "revisions and positions", from: stateSource{revisions: []string{"a", "b"}, positions: []int{2, 1}}, n: 2, want: "b,a"},
		{name: "position out of range", from: stateSource{revision: "x", position: 3}, n: 2, wantErr: "out of range"},
		{name: "unpaired", from: stateSource{revisions: []string{"a"}}, n: 1, wantErr: "as often as each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.from.targets(tt.n)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("targets = %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != tt.want {
				t.Errorf("targets = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestRollbackSeveralSources: rolling back a multi-source deployment
// restores every source's revision.
func TestRollbackSeveralSources(t *testing.T) {
	app := &appv1.Application{}
	app.Name = "web"
	srcs := appv1.ApplicationSources{{RepoURL: "https://charts.example", Chart: "web"}, {RepoURL: "https://git.example/v.git", Ref: "values"}}
	app.Spec.Sources = srcs
	app.Status.History = []appv1.RevisionHistory{
		{ID: 1, Revisions: []string{"1.0.0", "aaa"}, Sources: srcs},
		{ID: 2, Revisions: []string{"1.1.0", "bbb"}, Sources: srcs},
	}
	op, err := rollbackOperation(app, -1, operationFlags{})
	if err != nil {
		t.Fatal(err)
	}
	if s := op.Sync; s.Revision != "" || strings.Join(s.Revisions, ",") != "1.0.0,aaa" || len(s.Sources) != 2 {
		t.Errorf("rollback operation = %+v, want both sources back at entry 1", s)
	}
}
