package repo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// authLog records the Authorization header of every request a server saw.
type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *authLog) add(r *http.Request) {
	l.mu.Lock()
	l.seen = append(l.seen, r.Header.Get("Authorization"))
	l.mu.Unlock()
}

func (l *authLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

func TestHTTPClientCredentialsOnlyToTheirHost(t *testing.T) {
	t.Parallel()
	var otherLog, ownLog authLog
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherLog.add(r)
		_, _ = io.WriteString(w, "other")
	}))
	defer other.Close()
	own := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ownLog.add(r)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "own")
	}))
	defer own.Close()

	tests := []struct {
		name  string
		creds *Credentials
		want  string
	}{
		{name: "basic", creds: &Credentials{URL: own.URL + "/charts", Username: "u", Password: "secret-pw"}, want: "Basic "},
		{name: "bearer wins", creds: &Credentials{URL: own.URL, Username: "u", Password: "secret-pw", BearerToken: "tok-123"}, want: "Bearer tok-123"},
	}
	for _, tc := range tests {
		ownLog, otherLog = authLog{}, authLog{}
		c, err := HTTPClient(tc.creds, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{own.URL + "/index.yaml", own.URL + "/redirect", other.URL + "/direct"} {
			resp, err := c.Get(u)
			if err != nil {
				t.Fatalf("%s: GET %s: %v", tc.name, u, err)
			}
			_ = resp.Body.Close()
		}
		for _, h := range ownLog.all() {
			if !strings.HasPrefix(h, tc.want) {
				t.Errorf("%s: own host saw Authorization %q, want %q...", tc.name, h, tc.want)
			}
		}
		if got := otherLog.all(); len(got) != 2 || got[0] != "" || got[1] != "" {
			t.Errorf("%s: other host (same name, other port) saw Authorization %q, want none", tc.name, got)
		}
	}
}

func TestHTTPClientNoCredentials(t *testing.T) {
	t.Parallel()
	var log authLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { log.add(r) }))
	defer srv.Close()
	for _, c := range []*Credentials{nil, {URL: srv.URL, Insecure: true}} {
		client, err := HTTPClient(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	for _, h := range log.all() {
		if h != "" {
			t.Errorf("Authorization %q sent without credentials", h)
		}
	}
}

func TestHTTPClientCustomCA(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	get := func(c *Credentials, ca []byte) error {
		client, err := HTTPClient(c, ca)
		if err != nil {
			return err
		}
		resp, err := client.Get(srv.URL)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	if err := get(nil, nil); err == nil {
		t.Error("unknown CA accepted")
	}
	if err := get(nil, caPEM); err != nil {
		t.Errorf("custom CA: %v", err)
	}
	if err := get(&Credentials{Insecure: true}, nil); err != nil {
		t.Errorf("insecure: %v", err)
	}
	if _, err := HTTPClient(nil, []byte("not pem")); err == nil {
		t.Error("caPEM without certificate accepted")
	}
}

func TestHTTPClientClientCertificate(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM, cert := selfSigned(t)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	for _, tc := range []struct {
		name  string
		creds *Credentials
		ok    bool
	}{
		{name: "with cert", creds: &Credentials{Insecure: true, TLSClientCert: certPEM, TLSClientKey: keyPEM}, ok: true},
		{name: "without cert", creds: &Credentials{Insecure: true}},
	} {
		client, err := HTTPClient(tc.creds, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(srv.URL)
		if err == nil {
			_ = resp.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %t", tc.name, err, tc.ok)
		}
	}
	_, err := TLSConfig(&Credentials{TLSClientCert: certPEM, TLSClientKey: []byte("secret-key-data")}, nil)
	if err == nil || strings.Contains(err.Error(), "secret-key-data") {
		t.Errorf("bad key: err = %v", err)
	}
	if _, err := TLSConfig(&Credentials{TLSClientCert: certPEM}, nil); err == nil {
		t.Error("certificate without key accepted")
	}
}

func TestHTTPClientProxy(t *testing.T) {
	t.Parallel()
	var proxied authLog
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.add(r)
		_, _ = io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "direct") }))
	defer target.Close()

	body := func(c *Credentials, u string) string {
		client, err := HTTPClient(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// Loopback is never proxied by httpproxy; name the target otherwise.
	u := strings.Replace(target.URL, "127.0.0.1", "repo.invalid", 1)
	if got := body(&Credentials{Proxy: proxy.URL}, u); got != "via proxy" {
		t.Errorf("with proxy: got %q", got)
	}
	if got := body(&Credentials{Proxy: proxy.URL, NoProxy: "repo.invalid"}, target.URL); got != "direct" {
		t.Errorf("noProxy: got %q", got)
	}
}

func TestCAForHost(t *testing.T) {
	t.Parallel()
	cm := map[string]string{"charts.example.com": "A", "Other.Example.com": "B", "port.example.com:8443": "C", "port.example.com": "D", "empty.example.com": " "}
	for host, want := range map[string]string{
		"charts.example.com": "A", "charts.example.com:443": "A", "other.example.com": "B",
		"port.example.com:8443": "C", "port.example.com:9999": "D", "empty.example.com": "", "none.example.com": "", "": "",
	} {
		if got := string(CAForHost(cm, host)); got != want {
			t.Errorf("CAForHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestHostOf(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://Charts.example.com/x": "charts.example.com", "oci://ghcr.io/a": "ghcr.io",
		"registry.example.com:5000/team": "registry.example.com:5000", "": "",
	} {
		if got := HostOf(raw); got != want {
			t.Errorf("HostOf(%q) = %q, want %q", raw, got, want)
		}
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), cert
}
