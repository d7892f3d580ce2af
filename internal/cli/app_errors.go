package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
)

// withExitCode gives err Argo CD's generic exit code (20) unless it has a
// code, and folds its message into one line.
func withExitCode(err error) error {
	if err == nil {
		return nil
	}
	var e *ExitError
	if errors.As(err, &e) {
		e.Err = oneLineError{e.Err}
		return e
	}
	return &ExitError{Code: exitError, Err: oneLineError{err}}
}

// oneLineError prints its error on one line.
type oneLineError struct{ err error }

func (e oneLineError) Error() string { return strings.Join(strings.Fields(e.err.Error()), " ") }
func (e oneLineError) Unwrap() error { return e.err }

// apiError explains a failed request to the Kubernetes API at server: what
// names the object ("application \"web\" in namespace \"argocd\"") and
// action what was tried ("get", "list", ...). It names the cause a person
// can act on: a missing object, a missing resource type, an unreachable
// server, refused credentials, a denied request.
func apiError(err error, action, what, server string) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("%s %s: %w", action, what, err)
	case apierrors.IsNotFound(err) && !strings.Contains(err.Error(), "could not find the requested resource"):
		return explained{what + " not found", err}
	case meta.IsNoMatchError(err), apierrors.IsNotFound(err):
		return fmt.Errorf("%s %s: the cluster at %s does not serve this resource type (run 'tether install' for Applications): %w", action, what, server, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s %s: forbidden: %s", action, what, forbiddenReason(err))
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s %s: the Kubernetes API at %s refused the credentials of the kubeconfig (Unauthorized)", action, what, server)
	}
	if cause := networkCause(err); cause != "" {
		return fmt.Errorf("%s %s: cannot reach the Kubernetes API at %s: %s", action, what, server, cause)
	}
	return fmt.Errorf("%s %s: %w", action, what, err)
}

// explained is an error with a message of its own that still wraps the
// error it explains, so that errors.Is and apierrors' tests see through it.
type explained struct {
	msg string
	err error
}

func (e explained) Error() string { return e.msg }
func (e explained) Unwrap() error { return e.err }

// deletedError says that an Application was deleted while it was watched.
type deletedError struct{ what string }

func (e deletedError) Error() string { return e.what + " was deleted" }

// forbiddenReason is the part of a Forbidden error after "forbidden: ",
// which says who may not do what.
func forbiddenReason(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "forbidden: "); ok {
		return after
	}
	return msg
}

// networkCause names why the server could not be reached, or "" when err
// is not a network error.
func networkCause(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var urlErr *url.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dnsErr):
		return "unknown host " + dnsErr.Name
	case errors.As(err, &opErr):
		return opErr.Err.Error()
	case errors.As(err, &urlErr) && urlErr.Timeout():
		return "timed out"
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	}
	return ""
}
