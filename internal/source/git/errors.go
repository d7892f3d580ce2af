package git

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Kinds of failure. Errors returned by a Store wrap one of them when the
// cause is known, so that callers can tell them apart with errors.Is; the
// message always names the repository (without credentials) and the cause.
var (
	// ErrUnreachable: the repository's server could not be reached or did
	// not speak git (network, DNS, TLS, timeout, unexpected response).
	ErrUnreachable = errors.New("repository unreachable")
	// ErrAuthRequired: the server asked for credentials and none matched.
	ErrAuthRequired = errors.New("authentication required")
	// ErrAuthFailed: the server rejected the credentials or denied access,
	// or an ssh host key could not be verified.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrRepositoryNotFound: the server has no such repository.
	ErrRepositoryNotFound = errors.New("repository not found")
	// ErrEmptyRepository: the repository has no commits.
	ErrEmptyRepository = errors.New("repository is empty")
	// ErrRevisionNotFound: no branch, tag or commit matches the revision.
	ErrRevisionNotFound = errors.New("revision not found")
)

// repoError is a failure concerning one repository: its message is written
// for people, and it unwraps to its kind and to its cause.
type repoError struct {
	kind  error
	msg   string
	cause error
}

func (e *repoError) Error() string {
	if e.cause == nil {
		return e.msg
	}
	return e.msg + ": " + e.cause.Error()
}

func (e *repoError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func revisionNotFound(revision, repo string) error {
	return &repoError{kind: ErrRevisionNotFound, msg: fmt.Sprintf("revision %s not found in %s", revision, repo)}
}

// classify turns a transport error into an error whose message names the
// repository and contains no secret; creds tells a rejected credential from
// a missing one.
func classify(err error, repo string, creds *Credentials) error {
	if err == nil {
		return nil
	}
	err = unwrapPlumbing(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("git %s: %w", repo, err)
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && creds.empty():
		return &repoError{kind: ErrAuthRequired, msg: "repository " + repo + " requires authentication and no credentials match it"}
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return &repoError{kind: ErrAuthFailed, msg: "authentication to " + repo + " failed: the credentials were rejected"}
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return &repoError{kind: ErrAuthFailed, msg: "access to " + repo + " denied"}
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return &repoError{kind: ErrRepositoryNotFound, msg: "repository " + repo + " not found"}
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return &repoError{kind: ErrEmptyRepository, msg: "repository " + repo + " is empty"}
	}
	cause := errors.New(creds.scrub(err.Error()))
	switch {
	case strings.Contains(err.Error(), "knownhosts: key mismatch"):
		return &repoError{kind: ErrAuthFailed, msg: "ssh host key of " + repo + " does not match its known hosts entry", cause: cause}
	case strings.Contains(err.Error(), "knownhosts: key is unknown"):
		return &repoError{kind: ErrAuthFailed, msg: "ssh host key of " + repo + " is not in the known hosts", cause: cause}
	case isSSHAuthError(err):
		return &repoError{kind: ErrAuthFailed, msg: "ssh authentication to " + repo + " failed", cause: cause}
	case isNetworkError(err):
		return &repoError{kind: ErrUnreachable, msg: "repository " + repo + " is unreachable", cause: cause}
	}
	return &repoError{msg: "git " + repo, cause: cause}
}

// unwrapPlumbing removes go-git's wrappers, which do not implement Unwrap.
func unwrapPlumbing(err error) error {
	for {
		switch e := err.(type) {
		case *plumbing.PermanentError:
			err = e.Err
		case *plumbing.UnexpectedError:
			err = e.Err
		default:
			return err
		}
	}
}

func isNetworkError(err error) bool {
	var netErr net.Error
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return errors.As(err, &netErr) || errors.As(err, &certErr) || errors.As(err, &hostErr)
}

// isSSHAuthError recognises the ssh handshake failures, which
// golang.org/x/crypto/ssh reports only as text.
func isSSHAuthError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unable to authenticate") ||
		strings.Contains(msg, "knownhosts:") ||
		strings.Contains(msg, "known_hosts") ||
		strings.Contains(msg, "host key")
}
