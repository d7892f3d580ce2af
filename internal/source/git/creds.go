package git

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Argo CD's Secret labels and data keys for repository access.
const (
	// SecretTypeLabel is the label that marks Argo CD repository Secrets.
	SecretTypeLabel = "argocd.argoproj.io/secret-type"
	// SecretTypeRepository labels the Secret of one repository.
	SecretTypeRepository = "repository"
	// SecretTypeRepoCreds labels a credential template for every repository
	// whose URL starts with the Secret's url.
	SecretTypeRepoCreds = "repo-creds"
)

// Credentials authenticate to a repository. Which fields apply depends on
// the transport: Username/Password or BearerToken and the TLS client
// certificate for http(s), SSHPrivateKey for ssh. Insecure skips TLS
// verification for https and host key verification for ssh.
//
// Credentials never print their secrets: String, Format, GoString,
// MarshalJSON and MarshalLog all redact them, so a Credentials can be logged
// or wrapped into an error by mistake without leaking.
type Credentials struct {
	// Username and Password are HTTP basic auth credentials.
	Username, Password string
	// BearerToken is sent as "Authorization: Bearer"; it wins over
	// Username and Password.
	BearerToken string
	// SSHPrivateKey is a PEM-encoded private key without passphrase.
	SSHPrivateKey []byte
	// TLSClientCert and TLSClientKey are a PEM-encoded client certificate
	// and its key for https (Argo CD's tlsClientCertData and
	// tlsClientCertKey).
	TLSClientCert, TLSClientKey []byte
	// Insecure skips TLS certificate verification (https) or host key
	// verification (ssh).
	Insecure bool
	// SSHKnownHosts is known_hosts data (Argo CD's argocd-ssh-known-hosts-cm,
	// key ssh_known_hosts) that ssh host keys are checked against; when set
	// it replaces Store.KnownHosts. It is not a secret.
	SSHKnownHosts []byte
	// Proxy is the URL of an http(s) proxy; empty means the environment's
	// HTTPS_PROXY/HTTP_PROXY/NO_PROXY. NoProxy lists hosts that bypass
	// Proxy, in the NO_PROXY format.
	Proxy, NoProxy string
}

// hasSecret reports whether c authenticates at all, as Argo CD's
// HasCredentials does; Insecure and proxies are settings, not credentials.
func (c *Credentials) hasSecret() bool {
	return c != nil && (c.Username != "" || c.Password != "" || c.BearerToken != "" ||
		len(c.SSHPrivateKey) > 0 || len(c.TLSClientCert) > 0)
}

func (c *Credentials) empty() bool { return !c.hasSecret() }

// scrub replaces every secret of c found in s.
func (c *Credentials) scrub(s string) string {
	if c == nil {
		return s
	}
	for _, secret := range []string{c.Password, c.BearerToken, string(c.SSHPrivateKey), string(c.TLSClientKey)} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// String describes which credentials are set, never their values (the
// user name is not a secret and is shown).
func (c Credentials) String() string {
	var parts []string
	if c.Username != "" {
		parts = append(parts, "username="+c.Username)
	}
	set := func(name string, ok bool) {
		if ok {
			parts = append(parts, name+"=<redacted>")
		}
	}
	set("password", c.Password != "")
	set("bearerToken", c.BearerToken != "")
	set("sshPrivateKey", len(c.SSHPrivateKey) > 0)
	set("tlsClientCert", len(c.TLSClientCert) > 0)
	set("tlsClientKey", len(c.TLSClientKey) > 0)
	if c.Insecure {
		parts = append(parts, "insecure=true")
	}
	if c.Proxy != "" {
		parts = append(parts, "proxy="+Redact(c.Proxy))
	}
	return "Credentials{" + strings.Join(parts, ", ") + "}"
}

// Format prints String for every verb, %#v included.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// GoString returns String.
func (c Credentials) GoString() string { return c.String() }

// MarshalJSON encodes String, so structured loggers cannot leak secrets.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// MarshalLog implements logr.Marshaler with String.
func (c Credentials) MarshalLog() any { return c.String() }

// fillFrom copies into c the credentials it lacks from template, as Argo CD
// does when a repository Secret inherits from a repo-creds Secret.
func (c *Credentials) fillFrom(template *Credentials) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fillBytes := func(dst *[]byte, src []byte) {
		if len(*dst) == 0 {
			*dst = src
		}
	}
	fill(&c.Username, template.Username)
	fill(&c.Password, template.Password)
	fill(&c.BearerToken, template.BearerToken)
	fillBytes(&c.SSHPrivateKey, template.SSHPrivateKey)
	fillBytes(&c.TLSClientCert, template.TLSClientCert)
	fillBytes(&c.TLSClientKey, template.TLSClientKey)
	fill(&c.Proxy, template.Proxy)
	fill(&c.NoProxy, template.NoProxy)
}

// MatchCredentials picks the credentials for repoURL from Argo CD
// repository Secrets, as Argo CD does:
//
//   - A Secret labelled argocd.argoproj.io/secret-type=repository whose url
//     names the same repository (SameURL) wins.
//   - Otherwise, or when that Secret holds no credentials (only settings
//     such as insecure), the repo-creds Secret whose normalized url is the
//     longest prefix of the normalized repoURL provides them. The prefix is a
//     plain string prefix, as in Argo CD: https://host/org also matches
//     https://host/org-other/repo.
//
// Keys read: url, username, password, bearerToken, sshPrivateKey,
// tlsClientCertData, tlsClientCertKey, insecure, proxy, noProxy. Secrets
// whose type is set to something other than git (helm, oci) are skipped.
// Ties are broken by namespace/name, so the result does not depend on the
// order of secrets.
//
// It does not honour the project key: Tether's cache is shared by every
// Application of a repository, so credentials belong to the repository, and
// which projects may use a repository is AppProject's sourceRepos to
// enforce. GitHub App and Google Cloud credentials are not supported. It
// returns nil when nothing matches.
func MatchCredentials(secrets []corev1.Secret, repoURL string) *Credentials {
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b corev1.Secret) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	repo := matchRepository(sorted, repoURL)
	if repo != nil && repo.hasSecret() {
		return repo
	}
	template := matchRepoCreds(sorted, repoURL)
	switch {
	case repo == nil:
		return template
	case template != nil:
		repo.fillFrom(template)
	}
	return repo
}

func matchRepository(secrets []corev1.Secret, repoURL string) *Credentials {
	for i := range secrets {
		s := &secrets[i]
		if isGitSecret(s, SecretTypeRepository) && SameURL(secretValue(s, "url"), repoURL) {
			return credentialsFromSecret(s)
		}
	}
	return nil
}

func matchRepoCreds(secrets []corev1.Secret, repoURL string) *Credentials {
	target := strings.ToLower(NormalizeURL(repoURL))
	var best *corev1.Secret
	bestLen := 0
	for i := range secrets {
		s := &secrets[i]
		if !isGitSecret(s, SecretTypeRepoCreds) || secretValue(s, "url") == "" {
			continue
		}
		prefix := strings.ToLower(NormalizeURL(secretValue(s, "url")))
		if strings.HasPrefix(target, prefix) && len(prefix) > bestLen {
			best, bestLen = s, len(prefix)
		}
	}
	if best == nil {
		return nil
	}
	return credentialsFromSecret(best)
}

func isGitSecret(s *corev1.Secret, kind string) bool {
	if s.Labels[SecretTypeLabel] != kind {
		return false
	}
	t := secretValue(s, "type")
	return t == "" || t == "git"
}

// secretValue reads a key from StringData, as the API server would merge
// it, or from Data.
func secretValue(s *corev1.Secret, key string) string {
	if v, ok := s.StringData[key]; ok {
		return v
	}
	return string(s.Data[key])
}

func credentialsFromSecret(s *corev1.Secret) *Credentials {
	optional := func(key string) []byte {
		if v := secretValue(s, key); v != "" {
			return []byte(v)
		}
		return nil
	}
	return &Credentials{
		Username:      secretValue(s, "username"),
		Password:      secretValue(s, "password"),
		BearerToken:   secretValue(s, "bearerToken"),
		SSHPrivateKey: optional("sshPrivateKey"),
		TLSClientCert: optional("tlsClientCertData"),
		TLSClientKey:  optional("tlsClientCertKey"),
		Insecure:      strings.EqualFold(strings.TrimSpace(secretValue(s, "insecure")), "true"),
		Proxy:         secretValue(s, "proxy"),
		NoProxy:       secretValue(s, "noProxy"),
	}
}
