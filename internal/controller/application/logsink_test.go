package application

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// countingSink counts the WithValues calls that reach it.
type countingSink struct {
	logr.LogSink
	withValues *int
}

func (s countingSink) WithValues(kv ...any) logr.LogSink {
	*s.withValues++
	return countingSink{s.LogSink.WithValues(kv...), s.withValues}
}

// TestRequestLogger: a reconcile's logger names the Application in what it
// logs, without encoding the name into the parent sink up front.
func TestRequestLogger(t *testing.T) {
	var lines []string
	calls := 0
	base := logr.New(countingSink{funcr.New(func(prefix, args string) { lines = append(lines, args) }, funcr.Options{}).GetSink(), &calls})
	log := requestLogger(base)(&reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "argocd", Name: "web"}})
	log = log.WithValues("reconcileID", "r1")
	if calls != 0 {
		t.Errorf("the parent sink got %d WithValues calls before anything was logged", calls)
	}
	log.Info("synced", "revision", "abc")
	log.Error(errors.New("boom"), "failed")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines: %v", len(lines), lines)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"Application"="argocd/web"`) || !strings.Contains(l, `"reconcileID"="r1"`) {
			t.Errorf("line %s lacks the request's values", l)
		}
	}
	if !strings.Contains(lines[0], `"revision"="abc"`) {
		t.Errorf("line %s lacks its own values", lines[0])
	}
}
