package git

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	gitproto "github.com/go-git/go-git/v5/plumbing/transport/git"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/net/http/httpproxy"
)

// remote is how to reach one repository: endpoint, credentials, auth and
// transport, built for each network operation from the caller's URL.
type remote struct {
	display   string
	endpoint  *transport.Endpoint
	creds     *Credentials
	auth      transport.AuthMethod
	transport transport.Transport
}

// remote prepares access to repoURL: it looks up the credentials (the
// Creds hook, else user information in the URL) and the transport.
func (s *Store) remote(ctx context.Context, repoURL string) (*remote, error) {
	display := Redact(repoURL)
	epURL, urlCreds, err := endpointURL(repoURL)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", display, err)
	}
	ep, err := transport.NewEndpoint(epURL)
	if err != nil {
		return nil, fmt.Errorf("repository %s: invalid URL", display)
	}
	creds := urlCreds
	if s.Creds != nil {
		found, err := s.Creds(ctx, repoURL)
		if err != nil {
			return nil, fmt.Errorf("look up credentials of %s: %w", display, err)
		}
		if found != nil {
			creds = found
		}
	}
	rem := &remote{display: display, endpoint: ep, creds: creds}
	if err := s.configure(rem); err != nil {
		return nil, err
	}
	return rem, nil
}

// endpointURL returns what go-git should dial, without http credentials,
// and those credentials. scp-style addresses are kept as they are, since
// their path is relative to the ssh user's home.
func endpointURL(repoURL string) (string, *Credentials, error) {
	raw := strings.TrimSpace(repoURL)
	if !strings.Contains(raw, "://") {
		if scpLike.MatchString(raw) && !isWindowsDrive(raw) {
			return Redact(raw), nil, nil
		}
		abs, err := filepath.Abs(raw)
		return abs, nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, errors.New("invalid URL")
	}
	var creds *Credentials
	if scheme := strings.ToLower(u.Scheme); (scheme == "http" || scheme == "https") && u.User != nil {
		password, _ := u.User.Password()
		creds = &Credentials{Username: u.User.Username(), Password: password}
	}
	return Redact(raw), creds, nil
}

// configure picks the transport and auth method for rem's protocol.
func (s *Store) configure(rem *remote) error {
	switch rem.endpoint.Protocol {
	case "http", "https":
		rem.transport = s.httpTransport()
		return configureHTTP(rem)
	case "ssh":
		rem.transport = gitssh.DefaultClient
		return s.configureSSH(rem)
	case "file":
		rem.transport = localTransport{}
		return nil
	case "git":
		rem.transport = gitproto.DefaultClient
		return nil
	}
	return fmt.Errorf("repository %s: unsupported protocol %q", rem.display, rem.endpoint.Protocol)
}

func (s *Store) httpTransport() transport.Transport {
	s.httpOnce.Do(func() { s.gitHTTP = githttp.NewClient(s.HTTPClient) })
	return s.gitHTTP
}

func configureHTTP(rem *remote) error {
	c, ep := rem.creds, rem.endpoint
	if c == nil {
		return nil
	}
	switch {
	case c.BearerToken != "":
		rem.auth = &githttp.TokenAuth{Token: c.BearerToken}
	case c.Username != "" || c.Password != "":
		rem.auth = &githttp.BasicAuth{Username: c.Username, Password: c.Password}
	}
	ep.InsecureSkipTLS = c.Insecure
	ep.ClientCert, ep.ClientKey = c.TLSClientCert, c.TLSClientKey
	if c.Proxy == "" {
		return nil
	}
	cfg := httpproxy.Config{HTTPProxy: c.Proxy, HTTPSProxy: c.Proxy, NoProxy: c.NoProxy}
	target := &url.URL{Scheme: ep.Protocol, Host: ep.Host}
	proxyURL, err := cfg.ProxyFunc()(target)
	if err != nil {
		return fmt.Errorf("repository %s: invalid proxy %s", rem.display, Redact(c.Proxy))
	}
	if proxyURL != nil {
		ep.Proxy.URL = proxyURL.String()
	}
	return nil
}

// configureSSH authenticates with the private key of the credentials. The
// host key is not checked when the credentials are Insecure; otherwise it
// must be listed in their SSHKnownHosts, else in Store.KnownHosts, or by
// default in $SSH_KNOWN_HOSTS, ~/.ssh/known_hosts or
// /etc/ssh/ssh_known_hosts.
func (s *Store) configureSSH(rem *remote) error {
	c, ep := rem.creds, rem.endpoint
	if c == nil || len(c.SSHPrivateKey) == 0 {
		return &repoError{kind: ErrAuthRequired, msg: "repository " + rem.display + " requires an ssh private key and no credentials with one match it"}
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeys(user, c.SSHPrivateKey, "")
	if err != nil {
		return &repoError{kind: ErrAuthFailed, msg: "ssh private key for " + rem.display + " is invalid", cause: errors.New(c.scrub(err.Error()))}
	}
	files := s.KnownHosts
	if len(c.SSHKnownHosts) > 0 {
		file, err := s.knownHostsFile(c.SSHKnownHosts)
		if err != nil {
			return err
		}
		files = []string{file}
	}
	switch {
	case c.Insecure:
		keys.HostKeyCallback = ssh.InsecureIgnoreHostKey()
	case len(files) > 0:
		db, err := gitssh.NewKnownHostsDb(files...)
		if err != nil {
			return fmt.Errorf("read ssh known hosts: %w", err)
		}
		keys.HostKeyCallback = db.HostKeyCallback()
		keys.HostKeyAlgorithms = db.HostKeyAlgorithms(hostPort(ep))
	}
	rem.auth = keys
	return nil
}

// knownHostsFile writes known_hosts data to a file under Dir named by its
// hash, once, and returns its path: the known_hosts parser reads files only.
func (s *Store) knownHostsFile(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	path := filepath.Join(s.Dir, "known_hosts", hex.EncodeToString(sum[:12]))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("write ssh known hosts: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write ssh known hosts: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Close(), os.Rename(tmp.Name(), path)); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("write ssh known hosts: %w", err)
	}
	return path, nil
}

func hostPort(ep *transport.Endpoint) string {
	port := ep.Port
	if port == 0 {
		port = 22
	}
	return fmt.Sprintf("%s:%d", ep.Host, port)
}

// session opens an upload-pack session; the caller closes it.
func (r *remote) session() (transport.UploadPackSession, error) {
	sess, err := r.transport.NewUploadPackSession(r.endpoint, r.auth)
	if err != nil {
		return nil, classify(err, r.display, r.creds)
	}
	return sess, nil
}

// localTransport serves file:// and path repositories in process, with
// go-git's upload-pack server, instead of running git-upload-pack.
type localTransport struct{}

func (localTransport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	repo, err := gogit.PlainOpenWithOptions(ep.Path, &gogit.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, gogit.ErrRepositoryNotExists) {
		return nil, transport.ErrRepositoryNotFound
	}
	if err != nil {
		return nil, err
	}
	loader := server.MapLoader{ep.String(): repo.Storer}
	sess, err := server.NewClient(loader).NewUploadPackSession(ep, auth)
	if err != nil {
		return nil, err
	}
	return &localSession{UploadPackSession: sess, objects: repo.Storer}, nil
}

func (localTransport) NewReceivePackSession(*transport.Endpoint, transport.AuthMethod) (transport.ReceivePackSession, error) {
	return nil, errors.New("push to a local repository is not supported")
}

// localSession drops the haves the source repository does not know, which
// go-git's server, unlike git's, would fail on.
type localSession struct {
	transport.UploadPackSession
	objects storer.EncodedObjectStorer
}

func (s *localSession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	known := req.Haves[:0:0]
	for _, h := range req.Haves {
		if s.objects.HasEncodedObject(h) == nil {
			known = append(known, h)
		}
	}
	req.Haves = known
	return s.UploadPackSession.UploadPack(ctx, req)
}

func (s *localSession) Close() error {
	err := s.UploadPackSession.Close()
	if c, ok := s.objects.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}
