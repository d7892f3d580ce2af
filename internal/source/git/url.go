package git

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// scpLike matches the scp-style address git accepts for ssh,
// [user@]host:path, where no slash comes before the first colon.
var scpLike = regexp.MustCompile(`^(?:([^@/]+)@)?([^@/:]+):(.*)$`)

// NormalizeURL returns the canonical form of a repository URL, used to
// match webhooks and Secrets to repositories and to name cache entries:
// scheme and host are lower-cased, default ports, credentials (a password,
// or the whole user for http and https), query, fragment, trailing slashes
// and a ".git" suffix are dropped, and the scp form git@host:org/repo becomes
// ssh://git@host/org/repo. A local path becomes a file:// URL of its absolute
// path. The path keeps its case; compare with SameURL to match the way Argo
// CD does, which ignores case. A URL that cannot be parsed is returned
// trimmed but otherwise unchanged.
func NormalizeURL(u string) string {
	parsed, ok := parseRepoURL(u)
	if !ok {
		return strings.TrimSpace(u)
	}
	parsed.User = canonicalUser(parsed)
	parsed.Host = canonicalHost(parsed.Scheme, parsed.Host)
	parsed.Path = trimRepoPath(parsed.Path)
	parsed.RawPath, parsed.RawQuery, parsed.Fragment = "", "", ""
	parsed.ForceQuery = false
	return parsed.String()
}

// SameURL reports whether two repository URLs name the same repository:
// their normalized forms are equal, ignoring case as Argo CD does.
func SameURL(a, b string) bool {
	return strings.EqualFold(NormalizeURL(a), NormalizeURL(b))
}

// parseRepoURL parses a URL, an scp-style ssh address or a local path into
// a URL with a lower-case scheme.
func parseRepoURL(raw string) (*url.URL, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, false
	}
	if !strings.Contains(raw, "://") {
		return parseShorthand(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "file" {
		u.Host = ""
	}
	return u, true
}

// parseShorthand turns user@host:path into an ssh URL and a local path into
// a file URL.
func parseShorthand(raw string) (*url.URL, bool) {
	if m := scpLike.FindStringSubmatch(raw); m != nil && !isWindowsDrive(raw) {
		u := &url.URL{Scheme: "ssh", Host: m[2], Path: "/" + strings.TrimPrefix(m[3], "/")}
		if m[1] != "" {
			u.User = url.User(m[1])
		}
		return u, true
	}
	abs, err := filepath.Abs(raw)
	if err != nil {
		return nil, false
	}
	return &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}, true
}

func isWindowsDrive(s string) bool {
	return len(s) >= 2 && s[1] == ':' && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') &&
		(len(s) == 2 || s[2] == '/' || s[2] == '\\')
}

// canonicalUser keeps the user name of ssh-like URLs, which selects the
// account rather than authenticating it, and drops every password.
func canonicalUser(u *url.URL) *url.Userinfo {
	if u.User == nil || u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "file" {
		return nil
	}
	if name := u.User.Username(); name != "" {
		return url.User(name)
	}
	return nil
}

var defaultPorts = map[string]string{"http": "80", "https": "443", "ssh": "22", "git": "9418"}

func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	if port, ok := defaultPorts[scheme]; ok {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return host
}

func trimRepoPath(p string) string {
	p = strings.TrimRight(p, "/")
	p = strings.TrimSuffix(p, ".git")
	return strings.TrimRight(p, "/")
}

// Redact returns u without credentials, for messages and logs: the password
// is dropped, and for http and https the user name too. Local paths are
// returned unchanged.
func Redact(u string) string {
	u = strings.TrimSpace(u)
	if strings.Contains(u, "://") {
		if parsed, ok := parseRepoURL(u); ok {
			parsed.User = canonicalUser(parsed)
			return parsed.String()
		}
		return stripAuthority(u)
	}
	if m := scpLike.FindStringSubmatch(u); m != nil && m[1] != "" && !isWindowsDrive(u) {
		user, _, _ := strings.Cut(m[1], ":")
		return user + "@" + m[2] + ":" + m[3]
	}
	return u
}

// stripAuthority removes user information from a URL that net/url rejects.
func stripAuthority(u string) string {
	i := strings.Index(u, "://") + len("://")
	rest := u[i:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return u[:i] + rest[at+1:]
	}
	return u
}
