package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver"
)

var appSetsGVR = appv1.GroupVersion.WithResource("applicationsets")

// onboardResult is one onboarding series: the latencies of the tries that
// finished within the per-try timeout, and how many did not.
type onboardResult struct {
	webhook  bool
	requeue  time.Duration // the ApplicationSet's requeueAfterSeconds, 0 for the default
	timeout  time.Duration
	d        []time.Duration
	timedOut int
}

// appSetManifest is an ApplicationSet with a Git directory generator over
// apps/prod/* of repoURL: one automated Application per folder.
func appSetManifest(name, repoURL, ns string, requeue time.Duration) *unstructured.Unstructured {
	git := map[string]any{
		"repoURL": repoURL, "revision": "main",
		"directories": []any{map[string]any{"path": "apps/prod/*"}},
	}
	if requeue > 0 {
		git["requeueAfterSeconds"] = int64(requeue / time.Second)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
		"metadata": map[string]any{"name": name, "namespace": "argocd"},
		"spec": map[string]any{
			"generators": []any{map[string]any{"git": git}},
			"template": map[string]any{
				"metadata": map[string]any{"name": name + "-{{path.basename}}"},
				"spec": map[string]any{
					"project":     "default",
					"source":      map[string]any{"repoURL": repoURL, "targetRevision": "main", "path": "{{path}}"},
					"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": ns},
					"syncPolicy":  map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}},
				},
			},
		},
	}}
}

// onboard measures onboarding through an ApplicationSet: per try, a commit
// adds a folder under apps/prod/ (one ConfigMap), announced by a signed
// push webhook or not, and the try lasts until the ConfigMap is live: the
// ApplicationSet generated the Application, which synced. A try that takes
// longer than timeout counts as timed out and the next one starts.
func (e *env) onboard(ctx context.Context, prefix string, tries int, webhook bool, timeout, requeue time.Duration) (onboardResult, error) {
	res := onboardResult{webhook: webhook, timeout: timeout, requeue: requeue}
	ns := prefix + "-dest"
	if err := e.namespace(ctx, ns); err != nil {
		return res, err
	}
	url, _, err := e.repo(ctx, prefix, map[string]string{"apps/prod/svc-base/cm.yaml": configMapYAML(prefix+"-cm-base", "1")})
	if err != nil {
		return res, err
	}
	set := appSetManifest(prefix, url, ns, requeue)
	if _, err := e.dyn.Resource(appSetsGVR).Namespace("argocd").Create(ctx, set, metav1.CreateOptions{}); err != nil {
		return res, err
	}
	defer func() {
		_ = e.dyn.Resource(appSetsGVR).Namespace("argocd").Delete(context.WithoutCancel(ctx), prefix, metav1.DeleteOptions{})
	}()
	cms := e.client.CoreV1().ConfigMaps(ns)
	if err := pollFast(ctx, 5*time.Minute, func() bool {
		_, err := cms.Get(ctx, prefix+"-cm-base", getOpts)
		return err == nil
	}); err != nil {
		return res, fmt.Errorf("applicationset %s: first app not live: %w", prefix, err)
	}
	git := filepath.Join(e.gitRoot, prefix+".git")
	for i := range tries {
		before, err := gitserver.RevParse(ctx, git, "main")
		if err != nil {
			return res, err
		}
		cm := fmt.Sprintf("%s-cm-%02d", prefix, i)
		path := fmt.Sprintf("apps/prod/svc-%02d/cm.yaml", i)
		after, err := e.commit(ctx, prefix, map[string]string{path: configMapYAML(cm, "1")})
		if err != nil {
			return res, err
		}
		start := time.Now()
		if webhook {
			if err := e.sendPushFiles(prefix, before, after, []string{path}, nil); err != nil {
				return res, err
			}
		}
		err = pollFast(ctx, timeout, func() bool {
			_, err := cms.Get(ctx, cm, getOpts)
			return err == nil
		})
		switch {
		case ctx.Err() != nil:
			return res, ctx.Err()
		case err != nil:
			res.timedOut++
		default:
			res.d = append(res.d, time.Since(start))
		}
	}
	return res, nil
}

var getOpts = metav1.GetOptions{}

func (r *report) onboard(rs []onboardResult) {
	fmt.Fprint(r, "### Onboarding: a commit adds a folder under an ApplicationSet's Git directory generator (`apps/prod/*`), until its ConfigMap is live\n\n")
	fmt.Fprint(r, "| announced by | tries | within the timeout | p50 | p95 | max | per-try timeout |\n|---|---|---|---|---|---|---|\n")
	for _, res := range rs {
		by := "periodic requeue (no webhook)"
		if res.requeue > 0 {
			by = fmt.Sprintf("its poll every %s (no webhook; requeueAfterSeconds)", res.requeue)
		}
		if res.webhook {
			by = "signed push webhook"
		}
		tries := len(res.d) + res.timedOut
		if len(res.d) == 0 {
			fmt.Fprintf(r, "| %s | %d | 0 | – | – | – | %s |\n", by, tries, res.timeout)
			continue
		}
		sorted := append([]time.Duration(nil), res.d...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		fmt.Fprintf(r, "| %s | %d | %d | %s | %s | %s | %s |\n", by, tries, len(res.d), pct(sorted, 50), pct(sorted, 95),
			sorted[len(sorted)-1].Round(time.Millisecond), res.timeout)
	}
	fmt.Fprint(r, "\nA try that times out leaves its folder in place; its Application may appear later.\n\n")
}
