package webhook

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatchRepoURL(t *testing.T) {
	t.Parallel()
	const web = "https://github.com/example-org/gitops"
	tests := []struct {
		payload, app string
		want         bool
	}{
		{web, "https://github.com/example-org/gitops.git", true},
		{web, "https://GitHub.com/Example-Org/GitOps", true},
		{web, "https://user:token@github.com/example-org/gitops", true},
		{web, "git@github.com:example-org/gitops.git", true},
		{web, "ssh://git@ssh.github.com:443/example-org/gitops.git", true},
		{web, "https://github.com/example-org/gitops/", true},
		{web, "https://github.com/example-org/gitops-other", false},
		{web, "https://github.com/other-org/gitops", false},
		{web, "https://gitlab.com/example-org/gitops", false},
		{"ssh://git@bitbucket.example.com:7999/ops/gitops.git", "ssh://git@bitbucket.example.com:7999/ops/gitops", true},
		{"https://bitbucket.example.com/scm/ops/gitops.git", "https://bitbucket.example.com/scm/ops/gitops", true},
		{web, "", false},
	}
	for _, tt := range tests {
		if got := MatchRepoURL(tt.payload, tt.app); got != tt.want {
			t.Errorf("MatchRepoURL(%q, %q) = %v, want %v", tt.payload, tt.app, got, tt.want)
		}
	}
}

func TestPushMatchesRevision(t *testing.T) {
	t.Parallel()
	branch := Push{Branch: "main", DefaultBranch: "main"}
	feature := Push{Branch: "feature", DefaultBranch: "main"}
	noDefault := Push{Branch: "feature"}
	tag := Push{Tag: "v1.4.0", DefaultBranch: "main"}
	tests := []struct {
		push Push
		rev  string
		want bool
	}{
		{branch, "", true},
		{branch, "HEAD", true},
		{branch, "main", true},
		{branch, "refs/heads/main", true},
		{branch, "refs/tags/main", false},
		{branch, "release", false},
		{branch, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", false},
		{feature, "HEAD", false},
		{feature, "feature", true},
		{noDefault, "HEAD", true},
		{tag, "v1.4.0", true},
		{tag, "refs/tags/v1.4.0", true},
		{tag, "HEAD", false},
		{tag, ">=1.0.0 <2.0.0", true},
		{tag, "1.x", true},
		{tag, "2.x", false},
	}
	for _, tt := range tests {
		if got := tt.push.MatchesRevision(tt.rev); got != tt.want {
			t.Errorf("%+v.MatchesRevision(%q) = %v, want %v", tt.push, tt.rev, got, tt.want)
		}
	}
}

func TestPushMatchesRepo(t *testing.T) {
	t.Parallel()
	p := Push{RepoURLs: githubURLs}
	if !p.MatchesRepo("git@github.com:Example-Org/gitops") || p.MatchesRepo("https://github.com/example-org/other") {
		t.Error("MatchesRepo does not compare with every URL of the push")
	}
}

func TestSecretsFromData(t *testing.T) {
	t.Parallel()
	s := SecretsFromData(map[string][]byte{
		KeyGitHubSecret:          []byte("gh-secret\n"),
		KeyGitLabSecret:          []byte("gl-secret"),
		KeyBitbucketUUID:         []byte("{uuid}"),
		KeyBitbucketServerSecret: []byte("bbs-secret"),
		KeyGogsSecret:            []byte("gogs-secret"),
		"server.secretkey":       []byte("unrelated"),
	})
	want := Secrets{GitHub: "gh-secret", GitLab: "gl-secret", BitbucketUUID: "{uuid}", BitbucketServer: "bbs-secret", Gogs: "gogs-secret"}
	if s != want {
		t.Errorf("SecretsFromData = %v", []string{s.GitHub, s.GitLab, s.BitbucketUUID, s.BitbucketServer, s.Gogs})
	}
	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		if strings.Contains(out, "secret") && !strings.Contains(out, "redacted") || strings.Contains(out, "gh-secret") {
			t.Errorf("Secrets printed a value: %s", out)
		}
	}
	if b, _ := s.MarshalJSON(); strings.Contains(string(b), "gl-secret") {
		t.Errorf("MarshalJSON leaked a value: %s", b)
	}
}
