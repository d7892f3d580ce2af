package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// errIgnored marks an event that is not a push: it is answered 200 and
// does nothing.
var errIgnored = errors.New("not a push event")

// provider is one Git host's dialect: how its requests are recognised,
// signed and parsed.
type provider struct {
	name string
	// event returns the event type from the headers, "" when the request
	// is not from this provider.
	event func(h http.Header) string
	// secret picks the provider's secret.
	secret func(s Secrets) string
	// verify checks the request's signature against a non-empty secret.
	verify func(h http.Header, body []byte, secret string) bool
	// parse returns the pushes of an event, errIgnored for other events.
	parse func(event string, payload []byte) ([]Push, error)
}

// providers are tried in order. Gitea and Gogs come before GitHub because
// Gitea also sends GitHub's headers; Bitbucket Cloud before Bitbucket
// Server because both send X-Event-Key.
var providers = []provider{
	{name: "gitea", event: headerEvent("X-Gitea-Event", "X-Forgejo-Event"), secret: gogsSecret, verify: verifyGogs, parse: parseGogs},
	{name: "gogs", event: headerEvent("X-Gogs-Event"), secret: gogsSecret, verify: verifyGogs, parse: parseGogs},
	{name: "github", event: headerEvent("X-GitHub-Event"), secret: func(s Secrets) string { return s.GitHub }, verify: verifyGitHub, parse: parseGitHub},
	{name: "gitlab", event: headerEvent("X-Gitlab-Event"), secret: func(s Secrets) string { return s.GitLab }, verify: verifyGitLab, parse: parseGitLab},
	{name: "bitbucket", event: bitbucketCloudEvent, secret: func(s Secrets) string { return s.BitbucketUUID }, verify: verifyBitbucketCloud, parse: parseBitbucketCloud},
	{name: "bitbucketserver", event: headerEvent("X-Event-Key"), secret: func(s Secrets) string { return s.BitbucketServer }, verify: verifyBitbucketServer, parse: parseBitbucketServer},
}

// detect returns the provider that sent a request and its event type.
func detect(h http.Header) (*provider, string) {
	for i := range providers {
		if ev := providers[i].event(h); ev != "" {
			return &providers[i], ev
		}
	}
	return nil, ""
}

func headerEvent(names ...string) func(http.Header) string {
	return func(h http.Header) string {
		for _, n := range names {
			if v := strings.TrimSpace(h.Get(n)); v != "" {
				return v
			}
		}
		return ""
	}
}

func bitbucketCloudEvent(h http.Header) string {
	if h.Get("X-Hook-UUID") == "" {
		return ""
	}
	return strings.TrimSpace(h.Get("X-Event-Key"))
}

func gogsSecret(s Secrets) string { return s.Gogs }

// verifyGitHub checks X-Hub-Signature-256: "sha256=" and the hex
// HMAC-SHA256 of the body.
func verifyGitHub(h http.Header, body []byte, secret string) bool {
	sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
	return ok && hmacEqual(sig, body, secret)
}

// verifyGitLab compares X-Gitlab-Token with the secret.
func verifyGitLab(h http.Header, _ []byte, secret string) bool {
	return constantEqual(h.Get("X-Gitlab-Token"), secret)
}

// verifyGogs checks the hex HMAC-SHA256 of the body that Gitea sends in
// X-Gitea-Signature and Gogs in X-Gogs-Signature.
func verifyGogs(h http.Header, body []byte, secret string) bool {
	for _, name := range []string{"X-Gitea-Signature", "X-Forgejo-Signature", "X-Gogs-Signature"} {
		if sig := h.Get(name); sig != "" {
			return hmacEqual(sig, body, secret)
		}
	}
	return false
}

// verifyBitbucketCloud compares X-Hook-UUID with the webhook's UUID, which
// is what Argo CD checks for Bitbucket Cloud.
func verifyBitbucketCloud(h http.Header, _ []byte, uuid string) bool {
	return constantEqual(strings.TrimSpace(h.Get("X-Hook-UUID")), uuid)
}

// verifyBitbucketServer checks X-Hub-Signature: "sha256=" and the hex
// HMAC-SHA256 of the body.
func verifyBitbucketServer(h http.Header, body []byte, secret string) bool {
	sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature"), "sha256=")
	return ok && hmacEqual(sig, body, secret)
}

// hmacEqual reports, in constant time, whether sig is the hex HMAC-SHA256
// of body under secret.
func hmacEqual(sig string, body []byte, secret string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// refName splits a full ref into a branch or a tag name. Other refs
// (refs/pull/..., refs/merge-requests/...) yield neither.
func refName(ref string) (branch, tag string) {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b, ""
	}
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return "", t
	}
	return "", ""
}

// isZero reports whether a commit id is absent or all zeros, which hosts
// send for a created or deleted ref.
func isZero(sha string) bool { return strings.Trim(sha, "0") == "" }

// fileLists are the added, modified and removed files of one commit.
type fileLists struct {
	Added    []string `json:"added"`
	Modified []string `json:"modified"`
	Removed  []string `json:"removed"`
}

// changedFiles joins the file lists of commits, each path once, in order.
func changedFiles(commits []fileLists) []string {
	var files []string
	seen := map[string]bool{}
	for _, c := range commits {
		for _, f := range slices.Concat(c.Added, c.Modified, c.Removed) {
			if f != "" && !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	return files
}

// urls drops empty and repeated URLs.
func urls(list ...string) []string {
	var out []string
	for _, u := range list {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}
