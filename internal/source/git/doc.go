// Package git resolves revisions of Git repositories and checks out their
// commits, for every Application that uses a repository at once.
//
// A Store keeps one bare repository per normalized URL (NormalizeURL) in a
// cache directory. Resolve turns a revision (branch, tag, semver range,
// HEAD, full or short SHA) into a commit by listing the remote's refs, like
// git ls-remote, without fetching; Checkout, Commit and ChangedFiles fetch
// the commit when it is missing, once for all the callers that want it, and
// never again once it is present. A checkout is an immutable directory per
// commit, shared by every reader.
//
// Transports: http(s) with basic auth, a bearer token or a TLS client
// certificate; ssh with a private key, the host key checked against
// known_hosts unless the credentials are insecure; file:// URLs and local
// paths, served in process. Everything runs in process with go-git: the
// package never runs the git binary.
//
// Credentials come from a hook on the Store, typically MatchCredentials over
// Argo CD repository Secrets (argocd.argoproj.io/secret-type: repository or
// repo-creds). They never appear in errors or logs; errors name the
// repository without its credentials and wrap one of the Err kinds.
//
// Typical use:
//
//	store := &gitsource.Store{Dir: cacheDir, Creds: lookup}
//	commit, err := store.Resolve(ctx, app.Spec.Source.RepoURL, app.Spec.Source.TargetRevision)
//	dir, err := store.Checkout(ctx, app.Spec.Source.RepoURL, commit)
package git
