package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver"
)

var appsGVR = appv1.GroupVersion.WithResource("applications")

// appManifest is a minimal automated Application.
func appManifest(name, repoURL, path, ns string, helm bool) *unstructured.Unstructured {
	src := map[string]any{"repoURL": repoURL, "targetRevision": "main", "path": path}
	if helm {
		src["helm"] = map[string]any{"valueFiles": []any{"values-prod.yaml"}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": name, "namespace": "argocd"},
		"spec": map[string]any{
			"project":     "default",
			"source":      src,
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": ns},
			"syncPolicy":  map[string]any{"automated": map[string]any{"prune": true, "selfHeal": true}},
		},
	}}
}

// helmConfigMap is the ConfigMap template added to the web chart for the
// Helm scenario.
const helmConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`

func configMapYAML(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: %q\n", name, value)
}

// parallel runs fn(i) for i in [0, n) on workers goroutines.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		next     atomic.Int64
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func (e *env) namespace(ctx context.Context, name string) error {
	_, err := e.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	return err
}

// createApps creates the Applications with 32 clients.
func (e *env) createApps(ctx context.Context, apps []*unstructured.Unstructured) error {
	return parallel(len(apps), 32, func(i int) error {
		_, err := e.dyn.Resource(appsGVR).Namespace("argocd").Create(ctx, apps[i], metav1.CreateOptions{})
		return err
	})
}

// waitApps waits until every named Application satisfies done, watching
// them; it returns when they all do.
func (e *env) waitApps(ctx context.Context, names map[string]bool, done func(*unstructured.Unstructured) bool) error {
	var mu sync.Mutex
	remaining := map[string]bool{}
	for n := range names {
		remaining[n] = true
	}
	finished := make(chan struct{})
	check := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok || !names[u.GetName()] {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if remaining[u.GetName()] && done(u) {
			delete(remaining, u.GetName())
			if len(remaining) == 0 {
				close(finished)
			}
		}
	}
	inf := dynamicinformer.NewFilteredDynamicInformer(e.dyn, appsGVR, "argocd", 0, cache.Indexers{}, nil).Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: check, UpdateFunc: func(_, o any) { check(o) }}); err != nil {
		return err
	}
	stop := make(chan struct{})
	defer close(stop)
	go inf.Run(stop)
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("%d of %d applications not done: %w", len(remaining), len(names), ctx.Err())
	}
}

func syncedHealthy(commit string) func(*unstructured.Unstructured) bool {
	return func(u *unstructured.Unstructured) bool {
		s, _, _ := unstructured.NestedString(u.Object, "status", "sync", "status")
		h, _, _ := unstructured.NestedString(u.Object, "status", "health", "status")
		r, _, _ := unstructured.NestedString(u.Object, "status", "sync", "revision")
		return s == "Synced" && h == "Healthy" && (commit == "" || r == commit)
	}
}

// coldResult is what one cold sync measured.
type coldResult struct {
	apps           int
	duration       time.Duration
	cpu            time.Duration
	peakRSS        int64
	ceiling        time.Duration
	renders        float64
	requestsPerApp float64
	reconciles     float64
	meanReconcile  time.Duration
	meanQueueWait  time.Duration
}

// mean is the mean of a histogram between two scrapes.
func mean(m0, m1 map[string]float64, name, filter string) time.Duration {
	count := sum(m1, name+"_count", filter) - sum(m0, name+"_count", filter)
	if count == 0 {
		return 0
	}
	total := sum(m1, name+"_sum", filter) - sum(m0, name+"_sum", filter)
	return time.Duration(total / count * float64(time.Second))
}

// coldSync creates n Applications of one ConfigMap each (helm: of the web
// chart) against a freshly started controller and times them to Synced and
// Healthy. With prestart the Applications are created first and the clock
// starts with the controller.
func (e *env) coldSync(ctx context.Context, prefix string, n int, helm, prestart bool) (coldResult, error) {
	ns := prefix + "-dest"
	if err := e.namespace(ctx, ns); err != nil {
		return coldResult{}, err
	}
	if !helm {
		e.appsRepo = prefix
	}
	files := map[string]string{}
	if helm {
		for path, content := range webChart() {
			files[path] = content
		}
		// The chart: a Deployment, a Service and a ConfigMap.
		files["charts/web/templates/configmap.yaml"] = helmConfigMap
	} else {
		for i := range n {
			files[fmt.Sprintf("apps/app-%05d/cm.yaml", i)] = configMapYAML(fmt.Sprintf("%s-cm-%05d", prefix, i), "1")
		}
	}
	url, commit, err := e.repo(ctx, prefix, files)
	if err != nil {
		return coldResult{}, err
	}
	apps := make([]*unstructured.Unstructured, n)
	for i := range n {
		path := fmt.Sprintf("apps/app-%05d", i)
		if helm {
			path = "charts/web"
		}
		apps[i] = appManifest(fmt.Sprintf("%s-%05d", prefix, i), url, path, ns, helm)
	}
	return e.coldRun(ctx, prefix, apps, syncedHealthy(commit), prestart)
}

// coldRun syncs apps from a cold start, no other Application and a fresh
// controller, until each satisfies done; with prestart the Applications
// exist before the controller starts, and the clock starts with it.
func (e *env) coldRun(ctx context.Context, prefix string, apps []*unstructured.Unstructured, done func(*unstructured.Unstructured) bool, prestart bool) (coldResult, error) {
	n := len(apps)
	names := map[string]bool{}
	for _, a := range apps {
		names[a.GetName()] = true
	}
	// A cold start: no other Application, a fresh controller.
	if err := e.dyn.Resource(appsGVR).Namespace("argocd").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return coldResult{}, err
	}
	if e.controller != nil {
		e.controller.stop()
		e.controller = nil
	}
	if prestart {
		if err := e.createApps(ctx, apps); err != nil {
			return coldResult{}, err
		}
	}
	start := time.Now()
	if err := e.startController(); err != nil {
		return coldResult{}, err
	}
	// A controller started on existing Applications counts from zero.
	cpu0, m0 := time.Duration(0), map[string]float64{}
	if !prestart {
		cpu0 = e.controller.cpu()
		m0, _ = e.controller.scrape()
		start = time.Now()
	}
	profiled := e.profiler.cpu(ctx, prefix, e.profileSeconds)
	defer profiled()
	if !prestart {
		if err := e.createApps(ctx, apps); err != nil {
			return coldResult{}, err
		}
	}
	if err := e.waitApps(ctx, names, done); err != nil {
		return coldResult{}, fmt.Errorf("cold sync %s: %w (controller log: %s)", prefix, err, e.controller.logFile)
	}
	res := coldResult{apps: n, duration: time.Since(start), cpu: e.controller.cpu() - cpu0}
	_, res.peakRSS = e.controller.memory()
	m1, _ := e.controller.scrape()
	res.renders = sum(m1, "tether_application_renders_total") - sum(m0, "tether_application_renders_total")
	res.requestsPerApp = (sum(m1, "rest_client_requests_total") - sum(m0, "rest_client_requests_total")) / float64(n)
	res.meanReconcile = mean(m0, m1, "controller_runtime_reconcile_time_seconds", `controller="application"`)
	res.meanQueueWait = mean(m0, m1, "workqueue_queue_duration_seconds", `name="application"`)
	res.reconciles = sum(m1, "tether_application_reconciles_total") - sum(m0, "tether_application_reconciles_total")
	return res, nil
}

// ceiling times a minimal client doing the same writes as a cold sync of n
// one-ConfigMap apps: n server-side applies of a ConfigMap, n Application
// creates and n status patches, with 32 workers.
func (e *env) ceiling(ctx context.Context, prefix string, n int) (time.Duration, error) {
	ns := prefix + "-dest"
	if err := e.namespace(ctx, ns); err != nil {
		return 0, err
	}
	// The Applications live where the controller does not look, so that it
	// neither slows the ceiling down nor acts on them.
	appsNS := prefix + "-apps"
	if err := e.namespace(ctx, appsNS); err != nil {
		return 0, err
	}
	start := time.Now()
	err := parallel(n, 32, func(i int) error {
		cm := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%05d", i), "namespace": ns},
			"data":     map[string]any{"value": "1"},
		}}
		if _, err := e.dyn.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace(ns).
			Apply(ctx, cm.GetName(), cm, metav1.ApplyOptions{FieldManager: "ceiling", Force: true}); err != nil {
			return err
		}
		// The Application has no automated policy: nothing else touches it.
		app := appManifest(fmt.Sprintf("%s-%05d", prefix, i), "http://127.0.0.1:1/none.git", "x", ns, false)
		app.SetNamespace(appsNS)
		if _, err := e.dyn.Resource(appsGVR).Namespace(appsNS).Create(ctx, app, metav1.CreateOptions{}); err != nil {
			return err
		}
		patch := []byte(`{"status":{"sync":{"status":"Synced","revision":"0000000000000000000000000000000000000000"},"health":{"status":"Healthy"}}}`)
		_, err := e.dyn.Resource(appsGVR).Namespace(appsNS).Patch(ctx, app.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	})
	return time.Since(start), err
}

// idle measures the controller over window with nothing changing.
type idleResult struct {
	window         time.Duration
	cpuPerMinute   time.Duration
	rss            int64
	requestsPerMin float64
	writes         float64
}

func (e *env) idle(ctx context.Context, window time.Duration) (idleResult, error) {
	cpu0 := e.controller.cpu()
	m0, err := e.controller.scrape()
	if err != nil {
		return idleResult{}, err
	}
	a0 := e.profiler.requests(ctx)
	profiled := e.profiler.cpu(ctx, "idle", int(window.Seconds()))
	defer profiled()
	select {
	case <-time.After(window):
	case <-ctx.Done():
		return idleResult{}, ctx.Err()
	}
	m1, err := e.controller.scrape()
	if err != nil {
		return idleResult{}, err
	}
	e.profiler.writeRequests("idle-requests.txt", a0, e.profiler.requests(ctx), window)
	res := idleResult{window: window}
	res.cpuPerMinute = time.Duration(float64(e.controller.cpu()-cpu0) / window.Minutes())
	res.rss, _ = e.controller.memory()
	res.requestsPerMin = (sum(m1, "rest_client_requests_total") - sum(m0, "rest_client_requests_total")) / window.Minutes()
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		res.writes += sum(m1, "rest_client_requests_total", `method="`+method+`"`) - sum(m0, "rest_client_requests_total", `method="`+method+`"`)
	}
	return res, nil
}

// drift scales one Deployment by hand per try, each of its own app so that
// no heal backs off, and times the revert.
func (e *env) drift(ctx context.Context, prefix string, tries int) ([]time.Duration, error) {
	ns := prefix + "-dest"
	if err := e.namespace(ctx, ns); err != nil {
		return nil, err
	}
	url, commit, err := e.repo(ctx, prefix, webChart())
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	apps := make([]*unstructured.Unstructured, tries)
	for i := range tries {
		apps[i] = appManifest(fmt.Sprintf("%s-%02d", prefix, i), url, "charts/web", ns, true)
		names[apps[i].GetName()] = true
	}
	if err := e.createApps(ctx, apps); err != nil {
		return nil, err
	}
	if err := e.waitApps(ctx, names, syncedHealthy(commit)); err != nil {
		return nil, err
	}
	// The self-heal timeout counts from the end of the last sync.
	time.Sleep(6 * time.Second)
	var out []time.Duration
	deployments := e.client.AppsV1().Deployments(ns)
	for _, app := range apps {
		name := app.GetName()
		d, err := deployments.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		want := *d.Spec.Replicas
		start := time.Now()
		scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: want + 8}}
		if _, err := deployments.UpdateScale(ctx, name, scale, metav1.UpdateOptions{FieldManager: "kubectl"}); err != nil {
			return nil, err
		}
		if err := pollFast(ctx, 30*time.Second, func() bool {
			d, err := deployments.Get(ctx, name, metav1.GetOptions{})
			return err == nil && *d.Spec.Replicas == want
		}); err != nil {
			return nil, fmt.Errorf("drift of %s not reverted: %w", name, err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// monorepo commits a change to one app's folder in the repository of the
// cold sync and sends the push webhook, as the Git host would; it reports
// the time until the touched app is Synced at the new commit, then refreshes
// every app and reports the renders all of that cost.
func (e *env) monorepo(ctx context.Context, prefix string, n int) (float64, time.Duration, error) {
	m0, err := e.controller.scrape()
	if err != nil {
		return 0, 0, err
	}
	before, err := gitserver.RevParse(ctx, filepath.Join(e.gitRoot, prefix+".git"), "main")
	if err != nil {
		return 0, 0, err
	}
	path := "apps/app-00000/cm.yaml"
	commit, err := e.commit(ctx, prefix, map[string]string{path: configMapYAML(prefix+"-cm-00000", "2")})
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := e.sendPush(prefix, before, commit, path); err != nil {
		return 0, 0, err
	}
	if err := e.waitApps(ctx, map[string]bool{prefix + "-00000": true}, syncedHealthy(commit)); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	// Untouched apps move to the commit at their periodic reconcile; ask
	// them all now, as a refresh would, and count the renders that costs.
	all := map[string]bool{}
	if err := parallel(n, 32, func(i int) error {
		patch := []byte(`{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}`)
		_, err := e.dyn.Resource(appsGVR).Namespace("argocd").Patch(ctx, fmt.Sprintf("%s-%05d", prefix, i), types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}); err != nil {
		return 0, 0, err
	}
	for i := range n {
		all[fmt.Sprintf("%s-%05d", prefix, i)] = true
	}
	if err := e.waitApps(ctx, all, syncedHealthy(commit)); err != nil {
		return 0, 0, err
	}
	m1, err := e.controller.scrape()
	if err != nil {
		return 0, 0, err
	}
	return sum(m1, "tether_application_renders_total") - sum(m0, "tether_application_renders_total"), took, nil
}

func pollFast(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// webDeployment is a plain Deployment manifest running image.
func webDeployment(name, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
        - name: web
          image: %[2]s
`, name, image)
}

// push adds a Deployment app to the cold sync's repository (which holds
// all its apps), then per try commits a new image tag and, with a webhook
// secret set, sends a signed GitHub push; it times each until the
// Deployment's spec has the new image. Without webhook it waits for the
// periodic reconcile instead.
func (e *env) push(ctx context.Context, prefix string, tries int, webhook bool) ([]time.Duration, error) {
	ns := prefix + "-dest"
	name := prefix + "-web"
	path := "apps/" + name + "/deploy.yaml"
	if _, err := e.commit(ctx, prefix, map[string]string{path: webDeployment(name, "nginx:1.0.0")}); err != nil {
		return nil, err
	}
	app := appManifest(name, e.gitURL+"/"+prefix+".git", "apps/"+name, ns, false)
	if _, err := e.dyn.Resource(appsGVR).Namespace("argocd").Create(ctx, app, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	deployments := e.client.AppsV1().Deployments(ns)
	if err := pollFast(ctx, 2*time.Minute, func() bool {
		_, err := deployments.Get(ctx, name, metav1.GetOptions{})
		return err == nil
	}); err != nil {
		return nil, fmt.Errorf("push app not deployed: %w", err)
	}
	return e.pushTries(ctx, prefix, tries, webhook)
}

// pushTries commits a new image tag tries times and times each until live.
func (e *env) pushTries(ctx context.Context, prefix string, tries int, webhook bool) ([]time.Duration, error) {
	ns := prefix + "-dest"
	name := prefix + "-web"
	path := "apps/" + name + "/deploy.yaml"
	deployments := e.client.AppsV1().Deployments(ns)
	var out []time.Duration
	before, err := gitserver.RevParse(ctx, filepath.Join(e.gitRoot, prefix+".git"), "main")
	if err != nil {
		return nil, err
	}
	for range tries {
		e.pushes++
		image := fmt.Sprintf("nginx:1.%d.%d", boolInt(!webhook), e.pushes)
		after, err := e.commit(ctx, prefix, map[string]string{path: webDeployment(name, image)})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if webhook {
			if err := e.sendPush(prefix, before, after, path); err != nil {
				return nil, err
			}
		}
		timeout := 30 * time.Second
		if !webhook {
			timeout = 10 * time.Minute
		}
		if err := pollFast(ctx, timeout, func() bool {
			d, err := deployments.Get(ctx, name, metav1.GetOptions{})
			return err == nil && d.Spec.Template.Spec.Containers[0].Image == image
		}); err != nil {
			return nil, fmt.Errorf("commit %s not live: %w", after[:7], err)
		}
		out = append(out, time.Since(start))
		before = after
	}
	return out, nil
}

// webhookSecret signs the benchmark's push webhooks.
const webhookSecret = "bench-webhook-secret"

func (e *env) setWebhookSecret(ctx context.Context) error {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Namespace: "argocd"},
		StringData: map[string]string{"webhook.github.secret": webhookSecret},
	}
	_, err := e.client.CoreV1().Secrets("argocd").Create(ctx, s, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// sendPush posts a signed GitHub push event for the repository, of a
// commit that modified files.
func (e *env) sendPush(repo, before, after string, files ...string) error {
	return e.sendPushFiles(repo, before, after, nil, files)
}

// sendPushFiles posts a signed GitHub push event of a commit that added and
// modified files.
func (e *env) sendPushFiles(repo, before, after string, added, modified []string) error {
	url := e.gitURL + "/" + repo + ".git"
	body, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after,
		"repository": map[string]any{"clone_url": url, "html_url": url, "default_branch": "main"},
		"commits": []any{map[string]any{"id": after, "added": append([]string{}, added...),
			"modified": append([]string{}, modified...), "removed": []string{}}},
	})
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, e.controller.webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// pushPolling is push without a webhook: the commits are found by the
// periodic reconcile.
func (e *env) pushPolling(ctx context.Context, prefix string, tries int) ([]time.Duration, error) {
	return e.pushTries(ctx, prefix, tries, false)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
