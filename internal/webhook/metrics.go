package webhook

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Results counted in tether_webhook_requests_total.
const (
	// ResultPush: a push was parsed and handed to OnPush.
	ResultPush = "push"
	// ResultIgnored: a valid request for an event that is not a push.
	ResultIgnored = "ignored"
	// ResultUnauthorized: the signature or token did not match the secret.
	ResultUnauthorized = "unauthorized"
	// ResultTooLarge: the body was over the size limit.
	ResultTooLarge = "too_large"
	// ResultBadRequest: an unknown provider, or a payload that could not
	// be read.
	ResultBadRequest = "bad_request"
	// ResultMethodNotAllowed: not a POST.
	ResultMethodNotAllowed = "method_not_allowed"
	// ResultError: the secrets could not be read.
	ResultError = "error"
)

// ProviderUnknown is the provider label of requests no provider claims.
const ProviderUnknown = "unknown"

// newRequestCounter registers tether_webhook_requests_total on reg, or
// reuses the counter already registered there; nil reg means no metrics.
func newRequestCounter(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tether_webhook_requests_total",
		Help: "Git webhook requests received on /api/webhook, by provider and result.",
	}, []string{"provider", "result"})
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing, nil
			}
		}
		return nil, err
	}
	return c, nil
}
