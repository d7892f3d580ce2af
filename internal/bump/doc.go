// Package bump changes values in a YAML file of a Git repository, commits
// the change and pushes it: what a pipeline does after it publishes an
// image, without a checkout, yq or the git binary.
//
// Run fetches one branch into a private bare repository (a temporary
// directory, or a work directory kept between runs), edits the file in
// memory with yamledit (comments, order, quoting and indentation are kept),
// writes the commit with go-git, and pushes it only if the branch still
// points at the commit it edited. When someone pushed first, it fetches
// the new head, makes the edit again there and retries, a bounded number
// of times with a short jittered backoff. An edit that changes nothing
// makes no commit.
//
// Credentials come from a caller's function (CredentialsFromEnv reads
// GIT_USERNAME/GIT_PASSWORD, GIT_TOKEN, GIT_BEARER_TOKEN, GIT_SSH_KEY and
// GIT_SSH_KEY_FILE; internal/source/git.MatchCredentials reads Argo CD's
// repository Secrets) or from the URL. They never appear in results,
// errors or the repository's configuration.
package bump
