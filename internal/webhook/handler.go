package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
)

// Path is where Argo CD, and Tether, receive Git webhooks.
const Path = "/api/webhook"

// DefaultMaxPayloadBytes is the body size limit when Options leaves it
// zero: 50 MiB, Argo CD's default for webhook.maxPayloadSizeMB (older
// Argo CD releases allowed 1 GiB).
const DefaultMaxPayloadBytes int64 = 50 << 20

// Options configure a Handler.
type Options struct {
	// Secrets returns the webhook secrets. It is called for every request,
	// so that a changed Secret applies at once; back it with a cache (an
	// informer) rather than an API call. An error answers 503, and
	// nothing is done. Nil means no secrets: every request is accepted
	// unsigned.
	Secrets func(ctx context.Context) (Secrets, error)
	// OnPush receives each push, synchronously, before the Git host gets
	// its answer, with the request's context, which ends with the
	// request. It should hand the work off quickly (enqueue the
	// Applications to refresh): hosts give up after about 10 seconds.
	// Required.
	OnPush func(ctx context.Context, p Push)
	// MaxPayloadBytes limits the request body; larger bodies are answered
	// 413 without being read. Zero means DefaultMaxPayloadBytes.
	MaxPayloadBytes int64
	// Registerer receives the counter tether_webhook_requests_total
	// {provider, result}. Nil means no metrics.
	Registerer prometheus.Registerer
}

// Handler serves Path. It logs with the logr.Logger of the request's
// context (set one with http.Server.BaseContext); it never logs secrets or
// payloads. It is safe for concurrent use.
type Handler struct {
	opts     Options
	requests *prometheus.CounterVec
}

// New returns a Handler. It fails when OnPush is nil or the metrics
// cannot be registered.
func New(opts Options) (*Handler, error) {
	if opts.OnPush == nil {
		return nil, errors.New("webhook: OnPush is required")
	}
	if opts.MaxPayloadBytes <= 0 {
		opts.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	requests, err := newRequestCounter(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("register webhook metrics: %w", err)
	}
	return &Handler{opts: opts, requests: requests}, nil
}

// outcome is how a request ended: its status, message and metric labels.
type outcome struct {
	status   int
	msg      string
	provider string
	result   string
}

// ServeHTTP answers a webhook request: 200 after handing its pushes to
// OnPush or ignoring another event, 401 for a bad signature, 413 for a
// large body, 400 for an unknown provider or an unreadable payload, 405
// for a method other than POST, 503 when the secrets cannot be read.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o := h.serve(w, r)
	h.requests.WithLabelValues(o.provider, o.result).Inc()
	log := logr.FromContextOrDiscard(r.Context()).WithValues("provider", o.provider, "result", o.result)
	if o.result == ResultUnauthorized {
		log.Info("Webhook request refused: signature does not match the secret")
	} else {
		log.V(1).Info("Webhook request", "status", o.status)
	}
	if o.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(o.status)
	_, _ = io.WriteString(w, o.msg+"\n")
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) outcome {
	prov, event := detect(r.Header)
	name := ProviderUnknown
	if prov != nil {
		name = prov.name
	}
	answer := func(status int, result, msg string) outcome { return outcome{status, msg, name, result} }
	switch {
	case r.Method != http.MethodPost:
		return answer(http.StatusMethodNotAllowed, ResultMethodNotAllowed, "only POST is accepted")
	case prov == nil:
		return answer(http.StatusBadRequest, ResultBadRequest, "unknown webhook: no GitHub, GitLab, Gitea, Gogs or Bitbucket event header")
	case r.ContentLength > h.opts.MaxPayloadBytes:
		return answer(http.StatusRequestEntityTooLarge, ResultTooLarge, h.tooLarge())
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxPayloadBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return answer(http.StatusRequestEntityTooLarge, ResultTooLarge, h.tooLarge())
	case err != nil:
		return answer(http.StatusBadRequest, ResultBadRequest, "cannot read the request body")
	}
	secrets, err := h.secrets(r.Context())
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "Cannot read webhook secrets")
		return answer(http.StatusServiceUnavailable, ResultError, "webhook secrets are unavailable")
	}
	if secret := prov.secret(secrets); secret != "" && !prov.verify(r.Header, body, secret) {
		return answer(http.StatusUnauthorized, ResultUnauthorized, "signature verification failed")
	}
	payload, err := jsonPayload(r.Header, body)
	if err != nil {
		return answer(http.StatusBadRequest, ResultBadRequest, err.Error())
	}
	pushes, err := prov.parse(event, payload)
	switch {
	case errors.Is(err, errIgnored):
		return answer(http.StatusOK, ResultIgnored, fmt.Sprintf("ignored %s event %q", name, event))
	case err != nil:
		return answer(http.StatusBadRequest, ResultBadRequest, err.Error())
	}
	for _, p := range pushes {
		p.Provider = name
		h.opts.OnPush(r.Context(), p)
	}
	return answer(http.StatusOK, ResultPush, fmt.Sprintf("received %d push(es)", len(pushes)))
}

func (h *Handler) secrets(ctx context.Context) (Secrets, error) {
	if h.opts.Secrets == nil {
		return Secrets{}, nil
	}
	return h.opts.Secrets(ctx)
}

func (h *Handler) tooLarge() string {
	return fmt.Sprintf("payload larger than %d bytes", h.opts.MaxPayloadBytes)
}

// jsonPayload returns the JSON of a request: the body, or the payload
// field of a form, which GitHub and Gogs send when the webhook's content
// type is application/x-www-form-urlencoded. The signature covers the
// body as sent, so this runs after verification.
func jsonPayload(h http.Header, body []byte) ([]byte, error) {
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		return nil, errors.New("form-encoded webhook without a payload field")
	}
	return []byte(form.Get("payload")), nil
}
