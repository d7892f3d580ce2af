package repo

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Match picks the credentials of the chart repository or registry at
// repoURL from Argo CD's repository Secrets, as Argo CD does:
//
//   - A Secret labelled argocd.argoproj.io/secret-type=repository whose url
//     names the same repository (SameURL: case, a trailing slash and an
//     oci:// prefix do not matter) is taken.
//   - When there is none, or it holds no credentials (username, password,
//     bearerToken, tlsClientCertData), the repo-creds Secret whose url is
//     the longest prefix of repoURL provides them; the repository Secret
//     keeps its own values and settings (insecure), and takes the
//     template's enableOCI, insecureOCIForceHttp and forceHttpBasicAuth, as
//     Argo CD's CopyCredentialsFrom does. The prefix is a plain string prefix
//     of the normalised URLs, as in Argo CD, so https://host/org also matches
//     https://host/org-other.
//
// Secrets whose type is set to anything but helm or oci (git) are skipped:
// they belong to the Git store. Keys read: url, type, username, password,
// bearerToken, tlsClientCertData, tlsClientCertKey, insecure (repository
// Secrets only, as in Argo CD), enableOCI, insecureOCIForceHttp,
// forceHttpBasicAuth, proxy, noProxy. Booleans parse as strconv.ParseBool;
// anything else is false. Ties are broken by namespace/name, so the result
// does not depend on the order of secrets. The project key is not honoured
// (the cache is shared by every Application of a repository). It returns nil
// when nothing matches. The returned URL is the matched Secret's url.
func Match(secrets []corev1.Secret, repoURL string) *Credentials {
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b corev1.Secret) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	repo := matchRepository(sorted, repoURL)
	if repo != nil && repo.HasCredentials() {
		return repo
	}
	template := matchRepoCreds(sorted, repoURL)
	switch {
	case repo == nil:
		return template
	case template != nil:
		repo.inherit(template)
	}
	return repo
}

// HasCredentials reports whether c authenticates at all, as Argo CD's
// HasCredentials: Insecure and proxies are settings, not credentials.
func (c *Credentials) HasCredentials() bool {
	return c != nil && (c.Username != "" || c.Password != "" || c.BearerToken != "" || len(c.TLSClientCert) > 0)
}

// inherit copies from template what c lacks, as Argo CD's
// Repository.CopyCredentialsFrom does.
func (c *Credentials) inherit(t *Credentials) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&c.Username, t.Username)
	fill(&c.Password, t.Password)
	fill(&c.BearerToken, t.BearerToken)
	fill(&c.Proxy, t.Proxy)
	fill(&c.NoProxy, t.NoProxy)
	fill(&c.Type, t.Type)
	if len(c.TLSClientCert) == 0 {
		c.TLSClientCert = t.TLSClientCert
	}
	if len(c.TLSClientKey) == 0 {
		c.TLSClientKey = t.TLSClientKey
	}
	c.EnableOCI = t.EnableOCI
	c.InsecureOCIForceHTTP = t.InsecureOCIForceHTTP
	c.ForceHTTPBasicAuth = t.ForceHTTPBasicAuth
}

func matchRepository(secrets []corev1.Secret, repoURL string) *Credentials {
	for i := range secrets {
		s := &secrets[i]
		if applies(s, SecretTypeRepository) && SameURL(value(s, "url"), repoURL) {
			return fromSecret(s, true)
		}
	}
	return nil
}

func matchRepoCreds(secrets []corev1.Secret, repoURL string) *Credentials {
	target := Normalize(repoURL)
	if !strings.HasSuffix(target, "/") {
		target += "/"
	}
	var best *corev1.Secret
	bestLen := 0
	for i := range secrets {
		s := &secrets[i]
		if !applies(s, SecretTypeRepoCreds) {
			continue
		}
		prefix := Normalize(value(s, "url"))
		if prefix != "" && strings.HasPrefix(target, prefix) && len(prefix) > bestLen {
			best, bestLen = s, len(prefix)
		}
	}
	if best == nil {
		return nil
	}
	return fromSecret(best, false)
}

// applies reports whether s is an Argo CD Secret of kind for chart
// repositories or registries: type helm, oci or unset.
func applies(s *corev1.Secret, kind string) bool {
	if s.Labels[SecretTypeLabel] != kind {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(value(s, "type"))) {
	case "", TypeHelm, TypeOCI:
		return true
	}
	return false
}

// SameURL reports whether a and b name the same repository: Normalize
// makes them equal.
func SameURL(a, b string) bool {
	na, nb := Normalize(a), Normalize(b)
	return na != "" && strings.TrimSuffix(na, "/") == strings.TrimSuffix(nb, "/")
}

// Normalize lowercases a repository URL for comparison and drops an oci://
// scheme (Argo CD's Secrets name registries with and without it). The path
// keeps its trailing slash, so prefixes compare as Argo CD compares them. It
// returns "" for an empty or unparsable URL.
func Normalize(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.TrimPrefix(s, "oci://")
	if s == "" {
		return ""
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		u.User = nil
		return u.String()
	}
	return s
}

// value reads a key from StringData, as the API server would merge it, or
// from Data.
func value(s *corev1.Secret, key string) string {
	if v, ok := s.StringData[key]; ok {
		return v
	}
	return string(s.Data[key])
}

func flag(s *corev1.Secret, key string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(value(s, key)))
	return err == nil && b
}

func fromSecret(s *corev1.Secret, repository bool) *Credentials {
	optional := func(key string) []byte {
		if v := value(s, key); v != "" {
			return []byte(v)
		}
		return nil
	}
	return &Credentials{
		URL:                  value(s, "url"),
		Type:                 strings.ToLower(strings.TrimSpace(value(s, "type"))),
		Username:             value(s, "username"),
		Password:             value(s, "password"),
		BearerToken:          value(s, "bearerToken"),
		TLSClientCert:        optional("tlsClientCertData"),
		TLSClientKey:         optional("tlsClientCertKey"),
		Insecure:             repository && flag(s, "insecure"),
		EnableOCI:            flag(s, "enableOCI"),
		InsecureOCIForceHTTP: flag(s, "insecureOCIForceHttp"),
		ForceHTTPBasicAuth:   flag(s, "forceHttpBasicAuth"),
		Proxy:                value(s, "proxy"),
		NoProxy:              value(s, "noProxy"),
	}
}
