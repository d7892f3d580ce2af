package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SecretName is the Secret where Argo CD, and Tether, keep the webhook
// secrets, in the controller's namespace.
const SecretName = "argocd-secret"

// Keys of the webhook secrets in the Secret argocd-secret, as Argo CD
// names them.
const (
	// KeyGitHubSecret is the shared secret of GitHub webhooks, checked
	// against X-Hub-Signature-256.
	KeyGitHubSecret = "webhook.github.secret"
	// KeyGitLabSecret is the token GitLab sends in X-Gitlab-Token.
	KeyGitLabSecret = "webhook.gitlab.secret"
	// KeyBitbucketUUID is the webhook UUID Bitbucket Cloud sends in
	// X-Hook-UUID.
	KeyBitbucketUUID = "webhook.bitbucket.uuid"
	// KeyBitbucketServerSecret is the shared secret of Bitbucket Server
	// (Data Center) webhooks, checked against X-Hub-Signature.
	KeyBitbucketServerSecret = "webhook.bitbucketserver.secret"
	// KeyGogsSecret is the shared secret of Gogs and Gitea webhooks,
	// checked against X-Gogs-Signature or X-Gitea-Signature.
	KeyGogsSecret = "webhook.gogs.secret"
)

// Secrets are the webhook secrets per provider. An empty secret means the
// provider's requests are accepted unsigned, as in Argo CD.
//
// Secrets never print their values: String, Format, GoString and
// MarshalJSON say only which are set.
type Secrets struct {
	// GitHub is KeyGitHubSecret's value.
	GitHub string
	// GitLab is KeyGitLabSecret's value.
	GitLab string
	// BitbucketUUID is KeyBitbucketUUID's value.
	BitbucketUUID string
	// BitbucketServer is KeyBitbucketServerSecret's value.
	BitbucketServer string
	// Gogs is KeyGogsSecret's value, used for Gitea too.
	Gogs string
}

// SecretsFromData reads Secrets from the data of the Secret argocd-secret
// (Secret.Data). Values are used as they are, except that surrounding
// white space, which an editor may add, is trimmed.
func SecretsFromData(data map[string][]byte) Secrets {
	get := func(k string) string { return strings.TrimSpace(string(data[k])) }
	return Secrets{
		GitHub:          get(KeyGitHubSecret),
		GitLab:          get(KeyGitLabSecret),
		BitbucketUUID:   get(KeyBitbucketUUID),
		BitbucketServer: get(KeyBitbucketServerSecret),
		Gogs:            get(KeyGogsSecret),
	}
}

// String lists which secrets are set, never their values.
func (s Secrets) String() string {
	var set []string
	for _, kv := range [][2]string{
		{"github", s.GitHub}, {"gitlab", s.GitLab}, {"bitbucketUUID", s.BitbucketUUID},
		{"bitbucketServer", s.BitbucketServer}, {"gogs", s.Gogs},
	} {
		if kv[1] != "" {
			set = append(set, kv[0]+"=<redacted>")
		}
	}
	return "Secrets{" + strings.Join(set, ", ") + "}"
}

// Format prints String for every verb.
func (s Secrets) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// GoString returns String.
func (s Secrets) GoString() string { return s.String() }

// MarshalJSON encodes String, so that a structured logger cannot leak the
// values.
func (s Secrets) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
