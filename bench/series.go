package main

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// seriesResult is a push series: latencies in the order of the pushes.
type seriesResult struct {
	interval time.Duration
	apps     int
	d        []time.Duration
}

// pushSeries adds the Deployment app to the cold sync's repository when it
// is missing, then pushes tries commits, each announced by a signed
// webhook, interval apart (from push to push), and times each until live.
// Unlike the push scenario, the untouched apps of the repository are left
// to move to each commit at their periodic reconciles while pushes keep
// coming: a drift upward shows as last pushes slower than the first.
func (e *env) pushSeries(ctx context.Context, prefix string, tries int, interval time.Duration) ([]time.Duration, error) {
	name := prefix + "-web"
	if _, err := e.client.AppsV1().Deployments(prefix+"-dest").Get(ctx, name, getOpts); err != nil {
		if _, err := e.push(ctx, prefix, 0, true); err != nil {
			return nil, err
		}
	}
	profiled := e.profiler.cpu(ctx, "series", int((time.Duration(tries) * interval).Seconds()))
	defer profiled()
	var out []time.Duration
	for range tries {
		start := time.Now()
		d, err := e.pushTries(ctx, prefix, 1, true)
		switch {
		case ctx.Err() != nil:
			return out, ctx.Err()
		case err != nil:
			// Not live within pushTries' 30 s: counted as such, and the
			// next push supersedes it.
			e.logf("push series: %v", err)
			d = []time.Duration{time.Since(start)}
		}
		out = append(out, d...)
		select {
		case <-time.After(time.Until(start.Add(interval))):
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// median of d, which it does not modify.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2].Round(time.Millisecond)
}

func (r *report) series(res seriesResult) {
	d := res.d
	sorted := append([]time.Duration(nil), d...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	k := min(5, len(d))
	fmt.Fprintf(r, "### Push series: %d pushes %s apart, each announced by a signed webhook, until the Deployment has the new image (repository of %d other apps)\n\n", len(d), res.interval, res.apps)
	fmt.Fprintf(r, "| pushes | p50 | p95 | max | median of the first %d | median of the last %d |\n|---|---|---|---|---|---|\n", k, k)
	fmt.Fprintf(r, "| %d | %s | %s | %s | %s | %s |\n\n", len(d), pct(sorted, 50), pct(sorted, 95),
		sorted[len(sorted)-1].Round(time.Millisecond), median(d[:k]), median(d[len(d)-k:]))
	fmt.Fprint(r, "In order:")
	for _, x := range d {
		fmt.Fprintf(r, " %s", x.Round(time.Millisecond))
	}
	fmt.Fprint(r, "\n\n")
}
