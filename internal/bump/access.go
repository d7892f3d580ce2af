package bump

import (
	"errors"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// access is how to reach a remote: its URL without credentials and the
// auth and TLS settings for each kind of operation.
type access struct {
	url   string
	auth  transport.AuthMethod
	creds *gitsource.Credentials
}

// newAccess prepares access to endpoint with creds (nil for anonymous
// access, or ssh-agent for ssh). knownHosts lists known_hosts files for
// ssh; empty means $SSH_KNOWN_HOSTS or ~/.ssh/known_hosts.
func newAccess(endpoint string, creds *gitsource.Credentials, knownHosts []string) (access, error) {
	a := access{url: endpoint, creds: creds}
	ep, err := transport.NewEndpoint(endpoint)
	if err != nil {
		return a, fmt.Errorf("repository %s: invalid URL", gitsource.Redact(endpoint))
	}
	if creds == nil {
		return a, nil
	}
	switch ep.Protocol {
	case "http", "https":
		switch {
		case creds.BearerToken != "":
			a.auth = &githttp.TokenAuth{Token: creds.BearerToken}
		case creds.Username != "" || creds.Password != "":
			a.auth = &githttp.BasicAuth{Username: creds.Username, Password: creds.Password}
		}
	case "ssh":
		if len(creds.SSHPrivateKey) == 0 {
			return a, nil
		}
		a.auth, err = sshAuth(ep, creds, knownHosts)
	}
	return a, err
}

func sshAuth(ep *transport.Endpoint, creds *gitsource.Credentials, knownHosts []string) (transport.AuthMethod, error) {
	user := ep.User
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeys(user, creds.SSHPrivateKey, "")
	if err != nil {
		return nil, errors.New("the ssh private key is invalid (a key with a passphrase is not supported)")
	}
	switch {
	case creds.Insecure:
		keys.HostKeyCallback = ssh.InsecureIgnoreHostKey()
	case len(knownHosts) > 0:
		cb, err := gitssh.NewKnownHostsCallback(knownHosts...)
		if err != nil {
			return nil, fmt.Errorf("read ssh known hosts: %w", err)
		}
		keys.HostKeyCallback = cb
	}
	return keys, nil
}

func (a access) tls() (insecure bool, cert, key []byte, proxy transport.ProxyOptions) {
	if a.creds == nil {
		return false, nil, nil, transport.ProxyOptions{}
	}
	return a.creds.Insecure, a.creds.TLSClientCert, a.creds.TLSClientKey, transport.ProxyOptions{URL: a.creds.Proxy}
}

func (a access) fetch(o *gogit.FetchOptions) {
	o.RemoteURL, o.Auth = a.url, a.auth
	o.InsecureSkipTLS, o.ClientCert, o.ClientKey, o.ProxyOptions = a.tls()
}

func (a access) list(o *gogit.ListOptions) {
	o.Auth = a.auth
	o.InsecureSkipTLS, o.ClientCert, o.ClientKey, o.ProxyOptions = a.tls()
}

func (a access) push(o *gogit.PushOptions) {
	o.RemoteURL, o.Auth = a.url, a.auth
	o.InsecureSkipTLS, o.ClientCert, o.ClientKey, o.ProxyOptions = a.tls()
}

// wrap describes a failed network operation without any secret.
func (a access) wrap(op, display string, err error) error {
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && a.auth == nil:
		return fmt.Errorf("%s %s: authentication required: set %s, %s or %s/%s", op, display, EnvToken, EnvSSHKey, EnvUsername, EnvPassword)
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%s %s: the credentials were rejected", op, display)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s %s: repository not found", op, display)
	}
	return fmt.Errorf("%s %s: %s", op, display, a.scrub(err.Error()))
}

// scrub replaces the credentials' secrets in s.
func (a access) scrub(s string) string {
	if a.creds == nil {
		return s
	}
	for _, secret := range []string{a.creds.Password, a.creds.BearerToken, string(a.creds.SSHPrivateKey), string(a.creds.TLSClientKey)} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}
