// Command bench measures Tether on a local control plane and Git server:
// cold sync at scale (with the API server's own ceiling for the same
// writes), Helm at scale, idle cost, drift reverts and monorepo refreshes.
// It prints a Markdown report; `make bench` writes it to
// docs/benchmarks.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

type config struct {
	apps, helmApps, tries int
	pollTries             int
	idle                  time.Duration
	tether, out           string
	scenarios             string
	profile               string
	profileSeconds        int
	controllerFlags       string
	keep                  bool
	seriesPushes          int
	seriesInterval        time.Duration
	onboardTries          int
	onboardTimeout        time.Duration
	onboardPoll           time.Duration
}

func main() {
	var c config
	flag.IntVar(&c.apps, "apps", 1000, "Applications of one ConfigMap each for the cold sync, idle, monorepo and chart scenarios")
	flag.IntVar(&c.helmApps, "helm-apps", 1000, "Applications of the web chart (a Deployment, a Service and a ConfigMap) for the Helm scenario")
	flag.IntVar(&c.tries, "tries", 20, "tries of the drift and push scenarios")
	flag.IntVar(&c.pollTries, "poll-tries", 3, "tries of the push scenario without webhook (each waits for the periodic reconcile)")
	flag.DurationVar(&c.idle, "idle", 2*time.Minute, "window of the idle measurement")
	flag.StringVar(&c.tether, "tether", "bin/tether", "the tether binary under test")
	flag.StringVar(&c.out, "o", "", "write the Markdown report here (default stdout)")
	flag.StringVar(&c.scenarios, "scenarios", "cold,idle,monorepo,push,series,drift,onboard,helm,chart", "scenarios to run, in order (also cold-prestart: the apps created before the controller starts)")
	flag.IntVar(&c.seriesPushes, "series-pushes", 20, "pushes of the push series scenario")
	flag.DurationVar(&c.seriesInterval, "series-interval", 5*time.Second, "time from push to push in the push series scenario")
	flag.IntVar(&c.onboardTries, "onboard-tries", 10, "tries of the onboarding scenario, with and without webhook each")
	flag.DurationVar(&c.onboardTimeout, "onboard-timeout", time.Minute, "per-try timeout of the onboarding scenario with a webhook")
	flag.DurationVar(&c.onboardPoll, "onboard-poll", 30*time.Second, "requeueAfterSeconds of the ApplicationSet onboarding without a webhook; each try is given this plus 2 s, the target")
	flag.StringVar(&c.profile, "profile", "", "write CPU profiles of the API server and the controller (cold sync) and the API server's requests (idle) to this folder")
	flag.IntVar(&c.profileSeconds, "profile-seconds", 20, "length of the CPU profiles taken from the start of a cold sync")
	flag.BoolVar(&c.keep, "keep", false, "keep the work folder (controller logs, control plane logs) after the run")
	flag.StringVar(&c.controllerFlags, "controller-flags", "", "extra flags for `tether controller`, space-separated (e.g. \"--workers=100\")")
	flag.Parse()
	if err := run(context.Background(), c, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log io.Writer) error {
	tether, err := filepath.Abs(c.tether)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tether-bench-")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Fprintf(log, "bench: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Minute)
	defer cancel()
	e, err := newEnv(ctx, dir, tether, log)
	if err != nil {
		return err
	}
	defer e.close()
	if c.profile != "" {
		if err := os.MkdirAll(c.profile, 0o755); err != nil {
			return err
		}
		e.profiler = &profiler{dir: c.profile, e: e}
		e.profileSeconds = c.profileSeconds
	}
	e.controllerFlags = strings.Fields(c.controllerFlags)
	r := &report{}
	r.header(c)
	for _, s := range strings.Split(c.scenarios, ",") {
		fmt.Fprintf(log, "bench: scenario %s\n", s)
		err := runScenario(ctx, e, c, strings.TrimSpace(s), r)
		// What was measured so far is written even when a scenario fails.
		if werr := c.write(r); werr != nil {
			return werr
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s, err)
		}
	}
	if c.out == "" {
		_, err = io.WriteString(os.Stdout, r.String())
	}
	return err
}

// write saves the report so far to c.out, when set.
func (c config) write(r *report) error {
	if c.out == "" {
		return nil
	}
	return os.WriteFile(c.out, []byte(r.String()), 0o644)
}

func runScenario(ctx context.Context, e *env, c config, s string, r *report) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	switch s {
	case "cold":
		res, err := e.coldSync(ctx, "cold", c.apps, false, false)
		if err != nil {
			return err
		}
		ceil, err := e.ceiling(ctx, "ceiling", c.apps)
		if err != nil {
			return err
		}
		res.ceiling = ceil
		r.cold("Cold sync: one ConfigMap per Application", res)
	case "cold-prestart":
		res, err := e.coldSync(ctx, "prestart", c.apps, false, true)
		if err != nil {
			return err
		}
		ceil, err := e.ceiling(ctx, "ceiling-prestart", c.apps)
		if err != nil {
			return err
		}
		res.ceiling = ceil
		r.cold("Cold sync, Applications created before the controller starts (clock from its start)", res)
	case "helm":
		res, err := e.coldSync(ctx, "helm", c.helmApps, true, false)
		if err != nil {
			return err
		}
		r.cold("Helm at scale: the web chart (a Deployment with 2 replicas, a Service, a ConfigMap) per Application", res)
	case "chart":
		res, err := e.chartCold(ctx, "chart", c.apps)
		if err != nil {
			return err
		}
		if res.ceiling, err = e.ceiling(ctx, "ceiling-chart", c.apps); err != nil {
			return err
		}
		r.charts(res)
	case "idle":
		res, err := e.idle(ctx, c.idle)
		if err != nil {
			return err
		}
		r.idle(res)
	case "drift":
		d, err := e.drift(ctx, "drift", c.tries)
		if err != nil {
			return err
		}
		r.latencies("Drift: `kubectl scale` reverted (self-heal timeout 5 s, last heal longer ago)", d)
	case "push":
		d, err := e.push(ctx, e.repoOfApps(), c.tries, true)
		if err != nil {
			return err
		}
		r.latencies(fmt.Sprintf("Push to deploy: commit, signed webhook, until the Deployment has the new image (repository of %d other apps)", c.apps), d)
		if c.pollTries > 0 {
			d, err := e.pushPolling(ctx, e.repoOfApps(), c.pollTries)
			if err != nil {
				return err
			}
			r.latencies("Push to deploy without webhook: periodic reconcile at the default interval (180 s + up to 60 s jitter)", d)
		}
	case "series":
		d, err := e.pushSeries(ctx, e.repoOfApps(), c.seriesPushes, c.seriesInterval)
		if len(d) > 0 {
			r.series(seriesResult{interval: c.seriesInterval, apps: c.apps, d: d})
		}
		if err != nil {
			return err
		}
	case "onboard":
		var rs []onboardResult
		for _, webhook := range []bool{true, false} {
			prefix, timeout, requeue := "onboard-hook", c.onboardTimeout, time.Duration(0)
			if !webhook {
				prefix, timeout, requeue = "onboard-poll", c.onboardPoll+2*time.Second, c.onboardPoll
			}
			res, err := e.onboard(ctx, prefix, c.onboardTries, webhook, timeout, requeue)
			if err != nil {
				return err
			}
			rs = append(rs, res)
		}
		r.onboard(rs)
	case "monorepo":
		renders, took, err := e.monorepo(ctx, e.repoOfApps(), c.apps)
		if err != nil {
			return err
		}
		r.monorepo(c.apps, renders, took)
	default:
		return fmt.Errorf("unknown scenario %q", s)
	}
	return nil
}

// report accumulates the Markdown.
type report struct{ strings.Builder }

func (r *report) header(c config) {
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	fmt.Fprintf(r, "## Run of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(r, "- machine: %d cores, %s memory, %s\n", runtime.NumCPU(), memTotal(), cpuModel())
	fmt.Fprintf(r, "- commit: %s\n", strings.TrimSpace(string(commit)))
	flags := ""
	if c.controllerFlags != "" {
		flags = fmt.Sprintf(" -controller-flags %q", c.controllerFlags)
	}
	fmt.Fprintf(r, "- command: `go run ./bench -apps %d -helm-apps %d -tries %d -poll-tries %d -idle %s -series-pushes %d -series-interval %s -onboard-tries %d -onboard-timeout %s -onboard-poll %s -scenarios %s%s`\n\n",
		c.apps, c.helmApps, c.tries, c.pollTries, c.idle, c.seriesPushes, c.seriesInterval, c.onboardTries, c.onboardTimeout, c.onboardPoll, c.scenarios, flags)
}

func (r *report) cold(title string, res coldResult) {
	fmt.Fprintf(r, "### %s\n\n| apps | time to all Synced and Healthy | apps/s | controller CPU | peak memory | renders | API requests per app |", title)
	if res.ceiling > 0 {
		fmt.Fprint(r, " ceiling (same writes, minimal client) | ratio |")
	}
	fmt.Fprint(r, "\n|---|---|---|---|---|---|---|")
	if res.ceiling > 0 {
		fmt.Fprint(r, "---|---|")
	}
	fmt.Fprintf(r, "\n| %d | %s | %.0f | %s | %s | %.0f | %.1f |", res.apps, res.duration.Round(10*time.Millisecond),
		float64(res.apps)/res.duration.Seconds(), res.cpu.Round(10*time.Millisecond), mib(res.peakRSS), res.renders, res.requestsPerApp)
	if res.ceiling > 0 {
		fmt.Fprintf(r, " %s | %.2f× |", res.ceiling.Round(10*time.Millisecond), res.duration.Seconds()/res.ceiling.Seconds())
	}
	fmt.Fprintf(r, "\n\n%.0f reconciles, %s each on average, after %s in the queue on average.\n\n",
		res.reconciles, res.meanReconcile.Round(100*time.Microsecond), res.meanQueueWait.Round(100*time.Microsecond))
}

func (r *report) idle(res idleResult) {
	fmt.Fprintf(r, "### Idle: everything Synced, nothing changing (%s window)\n\n| CPU per minute | share of one core | memory | API requests per minute | API writes |\n|---|---|---|---|---|\n", res.window)
	fmt.Fprintf(r, "| %s | %.2f %% | %s | %.1f | %.0f |\n\n", res.cpuPerMinute.Round(time.Millisecond),
		100*res.cpuPerMinute.Seconds()/60, mib(res.rss), res.requestsPerMin, res.writes)
}

func (r *report) latencies(title string, d []time.Duration) {
	sorted := append([]time.Duration(nil), d...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	fmt.Fprintf(r, "### %s\n\n| tries | p50 | p95 | min | max |\n|---|---|---|---|---|\n", title)
	fmt.Fprintf(r, "| %d | %s | %s | %s | %s |\n\n", len(d), pct(sorted, 50), pct(sorted, 95),
		sorted[0].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
}

func (r *report) monorepo(apps int, renders float64, took time.Duration) {
	fmt.Fprintf(r, "### Monorepo: one commit touching 1 of %d apps' folders, announced by a push webhook, then every app refreshed\n\n| renders | time from the webhook until that app is Synced at the commit |\n|---|---|\n| %.0f | %s |\n\n",
		apps, renders, took.Round(time.Millisecond))
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[i].Round(time.Millisecond)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "?"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "?"
}

// webChart is the demo's chart: a Deployment and a Service.
func webChart() map[string]string {
	files := map[string]string{}
	root := filepath.Join("examples", "gitops")
	_ = filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return files
}

// repoOfApps is the prefix of the repository of the N apps: the last cold
// sync's (cold or cold-prestart), "cold" when none ran.
func (e *env) repoOfApps() string {
	if e.appsRepo == "" {
		return "cold"
	}
	return e.appsRepo
}
