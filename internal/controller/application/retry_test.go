package application

import (
	"testing"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestRetryWait(t *testing.T) {
	three := int64(3)
	tests := []struct {
		name    string
		backoff *appv1.Backoff
		n       int64
		want    time.Duration
		wantErr bool
	}{
		{name: "default first retry", n: 1, want: 10 * time.Second},
		{name: "default third retry", n: 3, want: 40 * time.Second},
		{name: "default is capped at 3m", n: 10, want: 3 * time.Minute},
		{name: "seconds as a number", backoff: &appv1.Backoff{Duration: "30"}, n: 1, want: time.Minute},
		{name: "own factor and cap", backoff: &appv1.Backoff{Duration: "10s", Factor: &three, MaxDuration: "1m"}, n: 2, want: time.Minute},
		{name: "no cap", backoff: &appv1.Backoff{Duration: "1s", MaxDuration: "0"}, n: 10, want: 1024 * time.Second},
		{name: "bad duration", backoff: &appv1.Backoff{Duration: "3min"}, n: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := retryWait(appv1.RetryStrategy{Limit: 5, Backoff: tt.backoff}, tt.n)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("retryWait = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRetryAllowed(t *testing.T) {
	tests := []struct {
		limit, count int64
		want         bool
	}{
		{0, 0, false},
		{2, 1, true},
		{2, 2, false},
		{-1, 100, true},
	}
	for _, tt := range tests {
		if got := retryAllowed(appv1.RetryStrategy{Limit: tt.limit}, tt.count); got != tt.want {
			t.Errorf("limit %d after %d retries: allowed = %v, want %v", tt.limit, tt.count, got, tt.want)
		}
	}
}

func TestAutoRetry(t *testing.T) {
	if got := autoRetry(&appv1.SyncPolicy{}); got.Limit != 5 {
		t.Errorf("automated sync without retry policy: limit %d, want Argo CD's 5", got.Limit)
	}
	own := &appv1.RetryStrategy{Limit: 0, Refresh: true}
	if got := autoRetry(&appv1.SyncPolicy{Retry: own}); got.Limit != 0 || !got.Refresh {
		t.Errorf("automated sync with a retry policy: %+v, want it as written", got)
	}
}

// FuzzRetryWait: any backoff a user writes is judged without panicking and
// never waits longer than a set maxDuration.
func FuzzRetryWait(f *testing.F) {
	f.Add("5s", int64(2), "3m", int64(3))
	f.Add("30", int64(10), "0", int64(60))
	f.Fuzz(func(t *testing.T, duration string, factor int64, maxDuration string, n int64) {
		b := &appv1.Backoff{Duration: duration, Factor: &factor, MaxDuration: maxDuration}
		wait, err := retryWait(appv1.RetryStrategy{Limit: -1, Backoff: b}, n)
		if err != nil {
			return
		}
		if maxWait, err := parseRetryDuration(maxDuration); err == nil && maxWait > 0 && wait > maxWait {
			t.Errorf("waits %s, more than maxDuration %s", wait, maxWait)
		}
	})
}
