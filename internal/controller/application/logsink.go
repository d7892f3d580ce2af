package application

import (
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// lazySink adds key/value pairs to each message instead of to the parent
// sink: controller-runtime gives every reconcile a logger with the
// request's name, which a zap sink would encode at once, thousands of
// times a minute for nothing when the reconcile logs nothing.
type lazySink struct {
	parent logr.LogSink
	kv     []any
	depth  int
}

var _ logr.CallDepthLogSink = lazySink{}

func (s lazySink) Init(info logr.RuntimeInfo) { s.parent.Init(info) }
func (s lazySink) Enabled(level int) bool     { return s.parent.Enabled(level) }
func (s lazySink) Info(level int, msg string, kv ...any) {
	s.parent.Info(level, msg, append(s.kv[:len(s.kv):len(s.kv)], kv...)...)
}
func (s lazySink) Error(err error, msg string, kv ...any) {
	s.parent.Error(err, msg, append(s.kv[:len(s.kv):len(s.kv)], kv...)...)
}
func (s lazySink) WithValues(kv ...any) logr.LogSink {
	s.kv = append(s.kv[:len(s.kv):len(s.kv)], kv...)
	return s
}
func (s lazySink) WithName(name string) logr.LogSink {
	s.parent = s.parent.WithName(name)
	return s
}
func (s lazySink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.parent.(logr.CallDepthLogSink); ok {
		s.parent = cd.WithCallDepth(depth)
	}
	return s
}

// requestLogger returns the logger of one reconcile: base with the
// Application's namespace and name, added only to what is logged.
func requestLogger(base logr.Logger) func(*reconcile.Request) logr.Logger {
	return func(req *reconcile.Request) logr.Logger {
		if base.GetSink() == nil {
			return base
		}
		// One level for lazySink's own frame.
		sink := lazySink{parent: base.GetSink()}.WithCallDepth(1)
		if req != nil {
			sink = sink.WithValues("Application", req.NamespacedName.String())
		}
		return base.WithSink(sink)
	}
}
