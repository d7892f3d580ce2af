package git

import "testing"

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://github.com/argoproj/argo-cd.git", "https://github.com/argoproj/argo-cd"},
		{"HTTPS://GitHub.com/Argoproj/Argo-CD/", "https://github.com/Argoproj/Argo-CD"},
		{"https://github.com/org/repo.git/", "https://github.com/org/repo"},
		{"https://user:s3cret@github.com/org/repo", "https://github.com/org/repo"},
		{"https://github.com:443/org/repo", "https://github.com/org/repo"},
		{"http://example.com:80/org/repo", "http://example.com/org/repo"},
		{"http://example.com:8080/org/repo", "http://example.com:8080/org/repo"},
		{"https://github.com/org/repo?x=1#frag", "https://github.com/org/repo"},
		{"git@github.com:org/repo.git", "ssh://git@github.com/org/repo"},
		{"GIT@GitHub.COM:org/repo", "ssh://GIT@github.com/org/repo"},
		{"github.com:org/repo", "ssh://github.com/org/repo"},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo"},
		{"ssh://git:pw@github.com:22/org/repo", "ssh://git@github.com/org/repo"},
		{"ssh://git@github.com:2222/org/repo", "ssh://git@github.com:2222/org/repo"},
		{"file:///srv/git/repo.git", "file:///srv/git/repo"},
		{"/srv/git/repo.git/", "file:///srv/git/repo"},
		{"  https://github.com/org/repo  ", "https://github.com/org/repo"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeURL(tt.in); got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSameURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://github.com/Org/Repo.git", "https://github.com/org/repo", true},
		{"git@github.com:org/repo.git", "ssh://git@github.com/org/repo", true},
		{"https://github.com/org/repo", "ssh://git@github.com/org/repo", false},
		{"https://github.com/org/repo", "https://github.com/org/repo2", false},
	}
	for _, tt := range tests {
		if got := SameURL(tt.a, tt.b); got != tt.want {
			t.Errorf("SameURL(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://user:s3cret@github.com/org/repo.git", "https://github.com/org/repo.git"},
		{"https://token@github.com/org/repo", "https://github.com/org/repo"},
		{"ssh://git:s3cret@host/org/repo", "ssh://git@host/org/repo"},
		{"git:s3cret@host:org/repo", "git@host:org/repo"},
		{"git@host:org/repo", "git@host:org/repo"},
		{"https://user:s3cret@host/%zz", "https://host/%zz"},
		{"/srv/git/a@b", "/srv/git/a@b"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
