package gittest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tether-gitops/tether/internal/gitserver"
)

// SSH is an ssh endpoint serving the repositories of a Server.
type SSH struct {
	// Addr is the listening address, such as 127.0.0.1:40124.
	Addr string
	// PrivateKey is a PEM (OpenSSH format) client key the server accepts.
	PrivateKey []byte
	// KnownHosts is the path of a known_hosts file that lists the server's
	// host key under Addr.
	KnownHosts string
}

// URL returns the ssh URL of r, with user git.
func (x *SSH) URL(r *Repo) string { return "ssh://git@" + x.Addr + "/" + r.Name + ".git" }

// StartSSH serves the Server's repositories over ssh on a local port until
// the test ends, with fresh host and client keys.
func (s *Server) StartSSH() *SSH {
	s.t.Helper()
	hostKey, _, err := newKey()
	if err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	clientKey, clientPEM, err := newKey()
	if err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	srv := &gitserver.SSHServer{Root: s.Root, HostKey: hostKey, AuthorizedKeys: []ssh.PublicKey{clientKey.PublicKey()}}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	s.t.Cleanup(func() {
		_ = l.Close()
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			s.t.Errorf("gittest: ssh server: %v", err)
		}
	})
	x := &SSH{Addr: l.Addr().String(), PrivateKey: clientPEM}
	x.KnownHosts = filepath.Join(s.t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(x.Addr)}, hostKey.PublicKey()) + "\n"
	if err := os.WriteFile(x.KnownHosts, []byte(line), 0o600); err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	return x
}

// newKey returns a new ed25519 key as a signer and in PEM.
func newKey() (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, nil, err
	}
	return signer, pem.EncodeToMemory(block), nil
}
