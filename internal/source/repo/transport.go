package repo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Timeouts of the clients HTTPClient builds. A whole request (an archive
// download included) may take at most RequestTimeout; callers bound it
// further with their context.
const (
	DialTimeout           = 30 * time.Second
	TLSHandshakeTimeout   = 15 * time.Second
	ResponseHeaderTimeout = 60 * time.Second
	RequestTimeout        = 5 * time.Minute
)

// TLSConfig returns the TLS settings for c: its client certificate, Insecure
// (no verification), and caPEM (the argocd-tls-certs-cm entry of the host,
// see CAForHost) added to the system roots. c may be nil. It fails for a
// client certificate without key (or the reverse), an unparsable pair, or a
// caPEM holding no certificate; the error names no secret.
func TLSConfig(c *Credentials, caPEM []byte) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("tls certificates: no PEM certificate found")
		}
		cfg.RootCAs = pool
	}
	if c == nil {
		return cfg, nil
	}
	cfg.InsecureSkipVerify = c.Insecure //nolint:gosec // the user's insecure setting
	switch {
	case len(c.TLSClientCert) == 0 && len(c.TLSClientKey) == 0:
	case len(c.TLSClientCert) == 0 || len(c.TLSClientKey) == 0:
		return nil, errors.New("tls client certificate: tlsClientCertData and tlsClientCertKey must both be set")
	default:
		pair, err := tls.X509KeyPair(c.TLSClientCert, c.TLSClientKey)
		if err != nil {
			return nil, errors.New("tls client certificate: tlsClientCertData and tlsClientCertKey do not form a valid pair")
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// CAForHost returns the PEM data argocd-tls-certs-cm holds for host (the
// ConfigMap's data, keyed by server name). host may carry a port; an entry
// for host:port wins over one for the bare host name. Names compare without
// case. It returns nil when there is no entry.
func CAForHost(cm map[string]string, host string) []byte {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" {
		return nil
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	for _, want := range []string{host, name} {
		for k, v := range cm {
			if strings.ToLower(strings.TrimSpace(k)) == want && strings.TrimSpace(v) != "" {
				return []byte(v)
			}
		}
	}
	return nil
}

// HTTPClient returns a client for the repository of c: TLS as TLSConfig,
// Proxy and NoProxy (the environment's proxy settings when Proxy is
// empty), the timeouts above, and authentication — the bearer token, else
// basic auth — added only to requests whose scheme default port or explicit
// port and host name equal those of c.URL. A redirect to any other host
// (another port included) is followed without credentials. c may be nil:
// the client then never authenticates.
func HTTPClient(c *Credentials, caPEM []byte) (*http.Client, error) {
	cfg, err := TLSConfig(c, caPEM)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	tr.Proxy = proxyFunc(c)
	tr.DialContext = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = TLSHandshakeTimeout
	tr.ResponseHeaderTimeout = ResponseHeaderTimeout
	var rt http.RoundTripper = tr
	if c.HasCredentials() && (c.BearerToken != "" || c.Username != "" || c.Password != "") {
		host, ok := authority(c.URL, "")
		if ok {
			rt = &authTransport{next: tr, creds: c, host: host}
		}
	}
	return &http.Client{Transport: rt, Timeout: RequestTimeout}, nil
}

func proxyFunc(c *Credentials) func(*http.Request) (*url.URL, error) {
	if c == nil || c.Proxy == "" {
		return http.ProxyFromEnvironment
	}
	pc := httpproxy.Config{HTTPProxy: c.Proxy, HTTPSProxy: c.Proxy, NoProxy: c.NoProxy}
	f := pc.ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return f(r.URL) }
}

// authTransport authenticates requests to one host only.
type authTransport struct {
	next  http.RoundTripper
	creds *Credentials
	host  string // lowercase host:port
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if host, ok := authority(r.URL.String(), r.URL.Scheme); !ok || host != t.host {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	if t.creds.BearerToken != "" {
		r.Header.Set("Authorization", "Bearer "+t.creds.BearerToken)
	} else {
		r.SetBasicAuth(t.creds.Username, t.creds.Password)
	}
	return t.next.RoundTrip(r)
}

// authority returns the lowercase host:port of raw, the port defaulted from
// the scheme (https when raw has none, or scheme when given).
func authority(raw, scheme string) (string, bool) {
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(s, "oci://")
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	if scheme == "" {
		scheme = u.Scheme
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		default:
			return "", false
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port), true
}

// HostOf returns the host (with port when the URL names one) of a
// repository URL with or without scheme, for CAForHost. It returns "" when
// raw has no host.
func HostOf(raw string) string {
	s := strings.TrimPrefix(strings.TrimSpace(raw), "oci://")
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
