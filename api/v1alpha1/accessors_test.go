package v1alpha1_test

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestGetSource(t *testing.T) {
	single := appv1.ApplicationSource{RepoURL: "https://git.example.com/single.git", Path: "app"}
	first := appv1.ApplicationSource{RepoURL: "https://charts.example.com", Chart: "web", TargetRevision: "1.2.3"}
	second := appv1.ApplicationSource{RepoURL: "https://git.example.com/values.git", Ref: "values"}
	hydrator := &appv1.SourceHydrator{
		DrySource:  appv1.DrySource{RepoURL: "https://git.example.com/dry.git", TargetRevision: "main", Path: "dry"},
		SyncSource: appv1.SyncSource{TargetBranch: "env/prod", Path: "hydrated"},
	}
	hydrated := appv1.ApplicationSource{RepoURL: "https://git.example.com/dry.git", TargetRevision: "env/prod", Path: "hydrated"}

	tests := []struct {
		name        string
		spec        appv1.ApplicationSpec
		wantSource  appv1.ApplicationSource
		wantSources appv1.ApplicationSources
		wantMulti   bool
	}{
		{
			name: "nothing set",
		},
		{
			name:        "single source",
			spec:        appv1.ApplicationSpec{Source: &single},
			wantSource:  single,
			wantSources: appv1.ApplicationSources{single},
		},
		{
			name:        "sources",
			spec:        appv1.ApplicationSpec{Sources: appv1.ApplicationSources{first, second}},
			wantSource:  first,
			wantSources: appv1.ApplicationSources{first, second},
			wantMulti:   true,
		},
		{
			name:        "sources win over source",
			spec:        appv1.ApplicationSpec{Source: &single, Sources: appv1.ApplicationSources{first}},
			wantSource:  first,
			wantSources: appv1.ApplicationSources{first},
			wantMulti:   true,
		},
		{
			name:        "empty sources fall back to source",
			spec:        appv1.ApplicationSpec{Source: &single, Sources: appv1.ApplicationSources{}},
			wantSource:  single,
			wantSources: appv1.ApplicationSources{single},
		},
		{
			name:        "hydrator wins and syncs from the hydrated branch",
			spec:        appv1.ApplicationSpec{Source: &single, Sources: appv1.ApplicationSources{first}, SourceHydrator: hydrator},
			wantSource:  hydrated,
			wantSources: appv1.ApplicationSources{hydrated},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.GetSource(); !reflect.DeepEqual(got, tt.wantSource) {
				t.Errorf("GetSource() = %+v, want %+v", got, tt.wantSource)
			}
			if got := tt.spec.GetSources(); !reflect.DeepEqual(got, tt.wantSources) {
				t.Errorf("GetSources() = %+v, want %+v", got, tt.wantSources)
			}
			if got := tt.spec.HasMultipleSources(); got != tt.wantMulti {
				t.Errorf("HasMultipleSources() = %v, want %v", got, tt.wantMulti)
			}
		})
	}
}

func TestGetSourcesDoesNotAlias(t *testing.T) {
	spec := appv1.ApplicationSpec{Sources: appv1.ApplicationSources{{RepoURL: "a"}, {RepoURL: "b"}}}
	got := spec.GetSources()
	got[0].RepoURL = "changed"
	if spec.Sources[0].RepoURL != "a" {
		t.Errorf("changing the result of GetSources changed the spec")
	}
}

func TestIsAutomated(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name   string
		policy *appv1.SyncPolicy
		want   bool
	}{
		{name: "nil policy", policy: nil, want: false},
		{name: "no automated", policy: &appv1.SyncPolicy{SyncOptions: appv1.SyncOptions{"CreateNamespace=true"}}, want: false},
		{name: "automated empty", policy: &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}, want: true},
		{name: "automated with prune", policy: &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Prune: true, SelfHeal: true}}, want: true},
		{name: "enabled true", policy: &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Enabled: &on}}, want: true},
		{name: "enabled false", policy: &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Prune: true, Enabled: &off}}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.IsAutomated(); got != tt.want {
				t.Errorf("IsAutomated() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSyncOptionsHasOption(t *testing.T) {
	opts := appv1.SyncOptions{"CreateNamespace=true", "PruneLast=true"}
	tests := []struct {
		option string
		want   bool
	}{
		{option: "CreateNamespace=true", want: true},
		{option: "PruneLast=true", want: true},
		{option: "CreateNamespace=false", want: false},
		{option: "CreateNamespace", want: false},
		{option: "", want: false},
	}
	for _, tt := range tests {
		if got := opts.HasOption(tt.option); got != tt.want {
			t.Errorf("HasOption(%q) = %v, want %v", tt.option, got, tt.want)
		}
	}
}

func TestRefreshRequested(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		want        appv1.RefreshType
		wantOK      bool
	}{
		{name: "no annotations"},
		{name: "other annotation", annotations: map[string]string{"a": "b"}},
		{name: "normal", annotations: map[string]string{appv1.AnnotationKeyRefresh: "normal"}, want: appv1.RefreshTypeNormal, wantOK: true},
		{name: "hard", annotations: map[string]string{appv1.AnnotationKeyRefresh: "hard"}, want: appv1.RefreshTypeHard, wantOK: true},
		{name: "empty value", annotations: map[string]string{appv1.AnnotationKeyRefresh: ""}, want: "", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &appv1.Application{ObjectMeta: metav1.ObjectMeta{Annotations: tt.annotations}}
			got, ok := app.RefreshRequested()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RefreshRequested() = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestSourceKinds(t *testing.T) {
	tests := []struct {
		name   string
		source *appv1.ApplicationSource
		helm   bool
		ref    bool
	}{
		{name: "nil"},
		{name: "git path", source: &appv1.ApplicationSource{RepoURL: "r", Path: "p"}},
		{name: "helm chart", source: &appv1.ApplicationSource{RepoURL: "r", Chart: "c"}, helm: true},
		{name: "ref", source: &appv1.ApplicationSource{RepoURL: "r", Ref: "values"}, ref: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.source.IsHelm(); got != tt.helm {
				t.Errorf("IsHelm() = %v, want %v", got, tt.helm)
			}
			if got := tt.source.IsRef(); got != tt.ref {
				t.Errorf("IsRef() = %v, want %v", got, tt.ref)
			}
		})
	}
}

func TestOperationPhaseIsCompleted(t *testing.T) {
	tests := []struct {
		phase appv1.OperationPhase
		want  bool
	}{
		{appv1.OperationRunning, false},
		{appv1.OperationTerminating, false},
		{appv1.OperationFailed, true},
		{appv1.OperationError, true},
		{appv1.OperationSucceeded, true},
		{"", false},
	}
	for _, tt := range tests {
		if got := tt.phase.IsCompleted(); got != tt.want {
			t.Errorf("%q.IsCompleted() = %v, want %v", tt.phase, got, tt.want)
		}
	}
}
