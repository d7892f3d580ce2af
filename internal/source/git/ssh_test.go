package git

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

func TestSSH(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("org/apps", map[string]string{"app.yaml": "over ssh"})
	x := srv.StartSSH()
	otherKey, otherPEM := newTestKey(t)
	wrongHosts := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(x.Addr)}, otherKey.PublicKey()) + "\n"
	if err := os.WriteFile(wrongHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	rightLine, err := os.ReadFile(x.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		creds      *Credentials
		knownHosts []string
		kind       error
	}{
		{"known host", &Credentials{SSHPrivateKey: x.PrivateKey}, []string{x.KnownHosts}, nil},
		{"insecure skips the host key", &Credentials{SSHPrivateKey: x.PrivateKey, Insecure: true}, []string{wrongHosts}, nil},
		{"host key mismatch", &Credentials{SSHPrivateKey: x.PrivateKey}, []string{wrongHosts}, ErrAuthFailed},
		{"known hosts of the credentials win", &Credentials{SSHPrivateKey: x.PrivateKey, SSHKnownHosts: rightLine}, []string{wrongHosts}, nil},
		{"host key mismatch in the credentials' known hosts", &Credentials{SSHPrivateKey: x.PrivateKey, SSHKnownHosts: []byte(line)}, []string{x.KnownHosts}, ErrAuthFailed},
		{"unknown client key", &Credentials{SSHPrivateKey: otherPEM}, []string{x.KnownHosts}, ErrAuthFailed},
		{"no key", nil, []string{x.KnownHosts}, ErrAuthRequired},
		{"invalid key", &Credentials{SSHPrivateKey: []byte("not a key")}, []string{x.KnownHosts}, ErrAuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &Store{
				Dir:        t.TempDir(),
				KnownHosts: tt.knownHosts,
				Creds:      func(context.Context, string) (*Credentials, error) { return tt.creds, nil },
			}
			content, err := readThrough(t, store, x.URL(repo), "app.yaml")
			if !errors.Is(err, tt.kind) && (tt.kind != nil || err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if err != nil {
				if strings.Contains(err.Error(), "PRIVATE KEY") {
					t.Errorf("error %q contains the key", err)
				}
				return
			}
			if content != "over ssh" {
				t.Errorf("app.yaml = %q", content)
			}
		})
	}
}

// readThrough resolves main, checks it out and reads file.
func readThrough(t *testing.T, store *Store, url, file string) (string, error) {
	commit, err := store.Resolve(testContext(t), url, "main")
	if err != nil {
		return "", err
	}
	dir, err := store.Checkout(testContext(t), url, commit)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	return string(data), err
}

func newTestKey(t *testing.T) (ssh.Signer, []byte) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}
