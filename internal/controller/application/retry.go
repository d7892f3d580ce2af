package application

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// Argo CD's retry defaults: an automated sync is retried 5 times unless
// syncPolicy.retry says otherwise, and the n-th retry waits 5s × 2^n, at
// most 3 minutes.
const (
	autoRetryLimit     = 5
	defaultRetryWait   = 5 * time.Second
	defaultRetryFactor = 2
	defaultRetryMax    = 3 * time.Minute
)

// autoRetry is the retry strategy of an automated sync: the sync policy's,
// or Argo CD's default.
func autoRetry(policy *appv1.SyncPolicy) appv1.RetryStrategy {
	if policy != nil && policy.Retry != nil {
		return *policy.Retry
	}
	return appv1.RetryStrategy{Limit: autoRetryLimit}
}

// retryAllowed reports whether an operation that failed after count
// retries may be retried again: a negative limit allows any number.
func retryAllowed(s appv1.RetryStrategy, count int64) bool {
	return s.Limit < 0 || count < s.Limit
}

// retryWait is how long the n-th retry (n ≥ 1) waits after the previous
// attempt finished.
func retryWait(s appv1.RetryStrategy, n int64) (time.Duration, error) {
	wait, factor, maxWait := defaultRetryWait, int64(defaultRetryFactor), defaultRetryMax
	if b := s.Backoff; b != nil {
		var err error
		if b.Duration != "" {
			if wait, err = parseRetryDuration(b.Duration); err != nil {
				return 0, fmt.Errorf("backoff duration: %w", err)
			}
		}
		if b.Factor != nil {
			factor = *b.Factor
		}
		if b.MaxDuration != "" {
			if maxWait, err = parseRetryDuration(b.MaxDuration); err != nil {
				return 0, fmt.Errorf("backoff maxDuration: %w", err)
			}
		}
	}
	d := float64(wait) * math.Pow(float64(factor), float64(n))
	if maxWait > 0 && d > float64(maxWait) {
		return maxWait, nil
	}
	if d > math.MaxInt64 {
		return time.Duration(math.MaxInt64), nil
	}
	return time.Duration(d), nil
}

// parseRetryDuration reads a whole number of seconds ("30") or a Go
// duration ("30s", "2m").
func parseRetryDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// continuing returns the state of op when an earlier reconcile started it
// and it is still Running: waiting for a retry or for a wave's health.
func (run *run) continuing(op appv1.Operation) *appv1.OperationState {
	st := run.app.Status.OperationState
	if st == nil || st.Phase != appv1.OperationRunning || !equality.Semantic.DeepEqual(st.Operation, op) {
		return nil
	}
	return st
}

// retrying returns the state of op when it is waiting for a retry: the
// operation state shows it Running after at least one failed attempt.
func (run *run) retrying(op appv1.Operation) *appv1.OperationState {
	st := run.continuing(op)
	if st == nil || st.RetryCount == 0 || st.FinishedAt == nil {
		return nil
	}
	return st
}

// untilRetry is how long op still waits for its next attempt; 0 when it is
// due or not retrying.
func (run *run) untilRetry(op appv1.Operation) time.Duration {
	st := run.retrying(op)
	if st == nil {
		return 0
	}
	wait, err := retryWait(op.Retry, st.RetryCount)
	if err != nil {
		return 0
	}
	return time.Until(st.FinishedAt.Add(wait))
}
