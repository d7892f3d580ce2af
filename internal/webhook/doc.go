// Package webhook receives Git hosts' push events on Argo CD's endpoint,
// /api/webhook, and turns each into a Push: the repository's URLs, the
// branch or tag, the commits before and after, and the changed files when
// the payload lists them.
//
// It understands GitHub, GitLab, Gitea (and Forgejo), Gogs, Bitbucket
// Cloud and Bitbucket Server, tells them apart by their headers as Argo CD
// does, and checks each provider's signature when its secret is set in
// Secrets, which use Argo CD's keys of the Secret argocd-secret
// (webhook.github.secret, ...). A request that fails the check is answered
// 401 and goes no further; a body over the size limit 413; a payload that
// cannot be read 400; events other than pushes (a ping, an issue comment)
// 200 without effect.
//
// The Handler knows nothing of Applications: it hands each Push to a
// function of the caller, which finds what to refresh (Push.MatchesRepo and
// Push.MatchesRevision follow Argo CD's rules). Requests are counted in the
// Prometheus counter tether_webhook_requests_total{provider,result}.
//
// Typical wiring:
//
//	h, err := webhook.New(webhook.Options{
//		Secrets:    func(ctx context.Context) (webhook.Secrets, error) { ... webhook.SecretsFromData(secret.Data) ... },
//		OnPush:     func(ctx context.Context, p webhook.Push) { ... enqueue matching Applications ... },
//		Registerer: metrics.Registry,
//	})
//	mux.Handle(webhook.Path, h)
package webhook
