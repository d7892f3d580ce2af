package bump

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tether-gitops/tether/internal/bump/yamledit"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

func TestParseSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg     string
		want    Set
		wantErr bool
	}{
		{arg: "image.tag=v1", want: Set{Path: "image.tag", Value: "v1"}},
		{arg: "image.tag=", want: Set{Path: "image.tag", Value: ""}},
		{arg: "a=b=c", want: Set{Path: "a", Value: "b=c"}},
		{arg: `annotations."x=y"=z`, want: Set{Path: `annotations."x=y"`, Value: "z"}},
		{arg: "novalue", wantErr: true},
		{arg: "=v", wantErr: true},
		{arg: "a..b=v", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSet(tt.arg, yamledit.Auto)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSet(%q) = %+v, %v; want %+v, error %v", tt.arg, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseAuthor(t *testing.T) {
	t.Parallel()
	sig, err := ParseAuthor("Release Bot <bot@example.com>")
	if err != nil || sig.Name != "Release Bot" || sig.Email != "bot@example.com" {
		t.Errorf("ParseAuthor = %+v, %v", sig, err)
	}
	for _, bad := range []string{"bot", "<bot@example.com>", "Bot <>", "Bot bot@example.com>"} {
		if _, err := ParseAuthor(bad); err == nil {
			t.Errorf("ParseAuthor(%q) succeeded", bad)
		}
	}
}

func TestDefaultMessage(t *testing.T) {
	t.Parallel()
	short := defaultMessage("values.yaml", []Change{{Path: "image.tag", New: "v2"}, {Path: "images[0].digest", Deleted: true}})
	if short != "Bump values.yaml: image.tag=v2, -images[0].digest\n" {
		t.Errorf("message %q", short)
	}
	long := defaultMessage("charts/web/values-prod.yaml", []Change{{Path: "image.tag", New: strings.Repeat("a", 40)}, {Path: "replicaCount", New: "3"}})
	if first, _, _ := strings.Cut(long, "\n"); len(first) > 72 || !strings.Contains(long, "\n\nimage.tag=") || !strings.Contains(long, "\nreplicaCount=3\n") {
		t.Errorf("long message %q", long)
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(keyFile, []byte("PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		url  string
		want *gitsource.Credentials
	}{
		{"token on GitHub", map[string]string{EnvToken: "t"}, "https://github.com/o/r.git", &gitsource.Credentials{Username: "x-access-token", Password: "t"}},
		{"token on GitLab", map[string]string{EnvToken: "t"}, "https://gitlab.example.com/o/r.git", &gitsource.Credentials{Username: "oauth2", Password: "t"}},
		{"token on Bitbucket Cloud", map[string]string{EnvToken: "t"}, "https://bitbucket.org/o/r.git", &gitsource.Credentials{Username: "x-token-auth", Password: "t"}},
		{"token with user", map[string]string{EnvToken: "t", EnvUsername: "me"}, "https://github.com/o/r", &gitsource.Credentials{Username: "me", Password: "t"}},
		{"bearer", map[string]string{EnvBearerToken: "b", EnvToken: "t"}, "https://git.example.com/o/r", &gitsource.Credentials{BearerToken: "b"}},
		{"basic", map[string]string{EnvUsername: "me", EnvPassword: "pw"}, "http://git.example.com/o/r", &gitsource.Credentials{Username: "me", Password: "pw"}},
		{"ssh key", map[string]string{EnvSSHKey: "KEY", EnvToken: "t"}, "git@github.com:o/r.git", &gitsource.Credentials{SSHPrivateKey: []byte("KEY")}},
		{"ssh key file", map[string]string{EnvSSHKeyFile: keyFile}, "ssh://git@host/o/r", &gitsource.Credentials{SSHPrivateKey: []byte("PEM")}},
		{"token is not for ssh", map[string]string{EnvToken: "t"}, "ssh://git@host/o/r", nil},
		{"nothing", nil, "https://github.com/o/r", nil},
	}
	for _, tt := range tests {
		got, err := CredentialsFromEnv(env(tt.env), tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := CredentialsFromEnv(env(map[string]string{EnvSSHKeyFile: "/nonexistent"}), "ssh://host/r"); err == nil {
		t.Error("a missing key file was accepted")
	}
}
