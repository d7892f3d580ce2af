package bump

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// Environment variables that CredentialsFromEnv reads.
const (
	// EnvUsername and EnvPassword are HTTP basic auth credentials.
	EnvUsername = "GIT_USERNAME"
	EnvPassword = "GIT_PASSWORD"
	// EnvToken is an access token sent as the password of HTTP basic
	// auth, with EnvUsername or the user name the host expects for tokens.
	EnvToken = "GIT_TOKEN"
	// EnvBearerToken is a token sent as "Authorization: Bearer", as
	// Bitbucket Data Center and Azure DevOps accept.
	EnvBearerToken = "GIT_BEARER_TOKEN"
	// EnvSSHKey is a PEM private key without passphrase, for ssh URLs;
	// EnvSSHKeyFile the path of one.
	EnvSSHKey     = "GIT_SSH_KEY"
	EnvSSHKeyFile = "GIT_SSH_KEY_FILE"
)

// CredentialsFromEnv returns the credentials for repoURL that the
// environment holds, or nil when it holds none for the URL's protocol:
// for http(s), EnvBearerToken, else EnvToken (user name EnvUsername, or
// x-access-token, or oauth2 for GitLab hosts and x-token-auth for
// bitbucket.org), else EnvUsername and EnvPassword; for ssh, EnvSSHKey or
// the file EnvSSHKeyFile. getenv is os.Getenv in production.
func CredentialsFromEnv(getenv func(string) string, repoURL string) (*gitsource.Credentials, error) {
	scheme, host := schemeHost(repoURL)
	switch scheme {
	case "http", "https":
		return httpCredentials(getenv, host), nil
	case "ssh":
		return sshCredentials(getenv)
	}
	return nil, nil
}

func httpCredentials(getenv func(string) string, host string) *gitsource.Credentials {
	user := getenv(EnvUsername)
	switch {
	case getenv(EnvBearerToken) != "":
		return &gitsource.Credentials{BearerToken: getenv(EnvBearerToken)}
	case getenv(EnvToken) != "":
		if user == "" {
			user = tokenUser(host)
		}
		return &gitsource.Credentials{Username: user, Password: getenv(EnvToken)}
	case user != "" || getenv(EnvPassword) != "":
		return &gitsource.Credentials{Username: user, Password: getenv(EnvPassword)}
	}
	return nil
}

// tokenUser is the user name that goes with an access token on host.
func tokenUser(host string) string {
	switch {
	case host == "bitbucket.org":
		return "x-token-auth"
	case strings.Contains(host, "gitlab"):
		return "oauth2"
	}
	return "x-access-token"
}

func sshCredentials(getenv func(string) string) (*gitsource.Credentials, error) {
	if key := getenv(EnvSSHKey); key != "" {
		return &gitsource.Credentials{SSHPrivateKey: []byte(key)}, nil
	}
	file := getenv(EnvSSHKeyFile)
	if file == "" {
		return nil, nil
	}
	key, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", EnvSSHKeyFile, err)
	}
	return &gitsource.Credentials{SSHPrivateKey: key}, nil
}

// schemeHost returns the protocol and lower-cased host of a repository
// URL; scp-like addresses (git@host:org/repo) are ssh.
func schemeHost(repoURL string) (string, string) {
	u, err := url.Parse(gitsource.NormalizeURL(repoURL))
	if err != nil {
		return "", ""
	}
	return u.Scheme, strings.ToLower(u.Hostname())
}
