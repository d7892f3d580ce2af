// Package repo holds what Helm chart repositories and OCI registries share:
// the credentials and trust settings of Argo CD's repository Secrets
// (type helm and oci), matched to a repository URL. It takes plain Secrets
// and returns values; it never reads the API.
package repo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Argo CD's labels and Secret types.
const (
	SecretTypeLabel      = "argocd.argoproj.io/secret-type"
	SecretTypeRepository = "repository"
	SecretTypeRepoCreds  = "repo-creds"

	TypeHelm = "helm"
	TypeOCI  = "oci"
)

// Credentials authenticate to, and set trust for, one chart repository or
// registry. They never print their secrets (String, Format, GoString,
// MarshalJSON and MarshalLog redact them).
type Credentials struct {
	// URL is the url of the Secret the credentials came from.
	URL string
	// Type is the Secret's type: "helm", "oci" (or "" / "git").
	Type string
	// Username and Password are basic auth (or registry login) credentials.
	Username, Password string
	// BearerToken is sent as "Authorization: Bearer"; it wins over
	// Username and Password.
	BearerToken string
	// TLSClientCert and TLSClientKey are a PEM client certificate and key.
	TLSClientCert, TLSClientKey []byte
	// Insecure skips TLS verification.
	Insecure bool
	// EnableOCI marks a repoURL without scheme as an OCI registry.
	EnableOCI bool
	// InsecureOCIForceHTTP talks plain HTTP to the registry.
	InsecureOCIForceHTTP bool
	// ForceHTTPBasicAuth sends basic auth without waiting for a challenge.
	ForceHTTPBasicAuth bool
	// Proxy and NoProxy as in Argo CD's Secret.
	Proxy, NoProxy string
}

// String names the fields set, never the secrets.
func (c Credentials) String() string {
	var parts []string
	if c.URL != "" {
		parts = append(parts, "url="+c.URL)
	}
	if c.Type != "" {
		parts = append(parts, "type="+c.Type)
	}
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
	set("tlsClientCert", len(c.TLSClientCert) > 0)
	set("tlsClientKey", len(c.TLSClientKey) > 0)
	for name, on := range map[string]bool{"insecure": c.Insecure, "enableOCI": c.EnableOCI,
		"insecureOCIForceHttp": c.InsecureOCIForceHTTP, "forceHttpBasicAuth": c.ForceHTTPBasicAuth} {
		if on {
			parts = append(parts, name+"=true")
		}
	}
	return "Credentials{" + strings.Join(parts, ", ") + "}"
}

// Format prints String for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// GoString returns String.
func (c Credentials) GoString() string { return c.String() }

// MarshalJSON encodes String.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// MarshalLog implements logr.Marshaler with String.
func (c Credentials) MarshalLog() any { return c.String() }

// Secrets returns the secret values of c, for scrubbing error messages.
func (c *Credentials) Secrets() []string {
	if c == nil {
		return nil
	}
	return []string{c.Password, c.BearerToken, string(c.TLSClientKey)}
}

// Scrub replaces every secret of c found in s.
func (c *Credentials) Scrub(s string) string {
	for _, secret := range c.Secrets() {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}
