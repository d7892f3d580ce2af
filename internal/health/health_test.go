package health

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// load reads testdata/name the way a live object arrives from the API
// server: YAML to JSON, then the unstructured JSON decoder (integers are
// int64).
func load(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return obj
}

func TestAssess(t *testing.T) {
	tests := []struct {
		file    string
		want    Status
		message string // a substring of the message; "" checks nothing
	}{
		{"deployment-healthy.yaml", Healthy, ""},
		{"deployment-paused.yaml", Suspended, "paused"},
		{"deployment-deadline.yaml", Degraded, "progress deadline"},
		{"deployment-generation.yaml", Progressing, "observe the latest spec"},
		{"deployment-updating.yaml", Progressing, "1 of 3 replicas updated"},
		{"deployment-old-terminating.yaml", Progressing, "1 old replicas"},
		{"deployment-unavailable.yaml", Progressing, "2 of 3 updated replicas available"},
		{"deployment-unreadable.yaml", Unknown, "read Deployment web"},
		{"deployment-deleting.yaml", Progressing, "pending deletion"},

		{"statefulset-healthy.yaml", Healthy, "revision db-5d8f"},
		{"statefulset-not-ready.yaml", Progressing, "2 of 3 pods"},
		{"statefulset-unobserved.yaml", Progressing, "observe the latest spec"},
		{"statefulset-revision.yaml", Progressing, "db-6a1b"},
		{"statefulset-partition.yaml", Progressing, "2 of 3 pods updated"},
		{"statefulset-partition-done.yaml", Healthy, "partitioned rollout complete"},
		{"statefulset-ondelete.yaml", Healthy, "2 pods ready"},

		{"daemonset-healthy.yaml", Healthy, ""},
		{"daemonset-updating.yaml", Progressing, "2 of 4 pods updated"},
		{"daemonset-unavailable.yaml", Progressing, "3 of 4 pods available"},
		{"daemonset-ondelete.yaml", Healthy, ""},
		{"daemonset-unobserved.yaml", Progressing, "observe the latest spec"},

		{"replicaset-healthy.yaml", Healthy, ""},
		{"replicaset-failure.yaml", Degraded, "exceeded quota"},
		{"replicaset-progressing.yaml", Progressing, "1 of 2 available"},

		{"pod-running-ready.yaml", Healthy, ""},
		{"pod-running-not-ready.yaml", Progressing, ""},
		{"pod-running-restarted.yaml", Degraded, "readiness probe failing"},
		{"pod-crashloop.yaml", Degraded, "back-off 5m0s"},
		{"pod-imagepullbackoff.yaml", Degraded, `container "web": ImagePullBackOff`},
		{"pod-hook-imagepullbackoff.yaml", Progressing, ""},
		{"pod-pending.yaml", Progressing, "0/3 nodes"},
		{"pod-running-restart-never.yaml", Progressing, ""},
		{"pod-running-restart-onfailure-ignored.yaml", Healthy, ""},
		{"pod-succeeded.yaml", Healthy, ""},
		{"pod-failed.yaml", Degraded, "exit code 3"},
		{"pod-oomkilled.yaml", Degraded, "OOMKilled"},
		{"pod-unknown.yaml", Unknown, ""},
		{"pod-hook-deleting.yaml", Healthy, ""},

		{"service-clusterip.yaml", Healthy, ""},
		{"service-loadbalancer-pending.yaml", Progressing, "load balancer"},
		{"service-loadbalancer-ready.yaml", Healthy, ""},
		{"ingress-pending.yaml", Progressing, "publish an address"},
		{"ingress-ready.yaml", Healthy, ""},
		{"ingress-extensions-ready.yaml", Healthy, ""},

		{"pvc-bound.yaml", Healthy, ""},
		{"pvc-pending.yaml", Progressing, "bound"},
		{"pvc-lost.yaml", Degraded, "lost"},
		{"pvc-weird.yaml", Unknown, "Weird"},

		{"job-running.yaml", Progressing, ""},
		{"job-complete.yaml", Healthy, "all pods succeeded"},
		{"job-failed.yaml", Degraded, "backoff limit"},
		{"job-suspended.yaml", Suspended, "Job suspended"},
		{"job-suspend-unobserved.yaml", Suspended, ""},
		{"job-resumed.yaml", Progressing, ""},

		{"cronjob-suspended.yaml", Suspended, ""},
		{"cronjob-new.yaml", Progressing, ""},
		{"cronjob-never-scheduled.yaml", Healthy, "not scheduled yet"},
		{"cronjob-never-succeeded.yaml", Healthy, "no run has succeeded"},
		{"cronjob-active.yaml", Healthy, "running"},
		{"cronjob-last-failed.yaml", Degraded, "did not succeed"},
		{"cronjob-last-succeeded.yaml", Healthy, "succeeded"},

		{"hpa-v2-healthy.yaml", Healthy, "recommended size"},
		{"hpa-v2-metrics-failing.yaml", Degraded, "no metrics returned"},
		{"hpa-v2-external-failing.yaml", Degraded, "queue_depth"},
		{"hpa-v2-scaling-disabled.yaml", Healthy, ""},
		{"hpa-v2-no-conditions.yaml", Progressing, "waiting to autoscale"},
		{"hpa-v1-annotation-healthy.yaml", Healthy, "update the target scale"},
		{"hpa-v1-annotation-degraded.yaml", Degraded, "not found"},
		{"hpa-v1-annotation-garbled.yaml", Unknown, "autoscaling.alpha.kubernetes.io/conditions"},

		{"apiservice-available.yaml", Healthy, "Passed: all checks passed"},
		{"apiservice-unavailable.yaml", Progressing, "MissingEndpoints"},
		{"apiservice-new.yaml", Progressing, ""},

		{"configmap.yaml", Healthy, ""},
		{"custom-resource.yaml", Healthy, ""},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			got, msg := Assess(load(t, tt.file))
			if got != tt.want {
				t.Fatalf("Assess = %s (%q), want %s", got, msg, tt.want)
			}
			if !strings.Contains(msg, tt.message) {
				t.Fatalf("Assess message = %q, want it to contain %q", msg, tt.message)
			}
		})
	}
}

func TestAssessNilIsMissing(t *testing.T) {
	if got, _ := Assess(nil); got != Missing {
		t.Fatalf("Assess(nil) = %s, want %s", got, Missing)
	}
}

// TestAssessBareObjects: an object with nothing but its type, as a freshly
// created one may be, gets Argo CD's verdict without panicking: workloads
// whose controller has not looked yet are Progressing, except those whose
// checks only compare counts that are all zero (Healthy as in Argo CD); a
// Pod or PVC without a phase is Unknown.
func TestAssessBareObjects(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		want             Status
	}{
		{"apps/v1", "Deployment", Healthy},
		{"apps/v1", "StatefulSet", Progressing},
		{"apps/v1", "DaemonSet", Healthy},
		{"apps/v1", "ReplicaSet", Healthy},
		{"v1", "Pod", Unknown},
		{"v1", "Service", Healthy},
		{"networking.k8s.io/v1", "Ingress", Progressing},
		{"v1", "PersistentVolumeClaim", Unknown},
		{"batch/v1", "Job", Progressing},
		{"batch/v1", "CronJob", Progressing},
		{"autoscaling/v2", "HorizontalPodAutoscaler", Progressing},
		{"apiregistration.k8s.io/v1", "APIService", Progressing},
		{"v1", "ConfigMap", Healthy},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": tt.apiVersion, "kind": tt.kind}}
			got, msg := Assess(obj)
			if got != tt.want {
				t.Fatalf("Assess(bare %s) = %s (%q), want %s", tt.kind, got, msg, tt.want)
			}
			if got == Progressing && msg == "" {
				t.Errorf("Progressing without a message saying what it waits for")
			}
		})
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		name string
		in   []Status
		want Status
	}{
		{"nothing is healthy", nil, Healthy},
		{"all healthy", []Status{Healthy, Healthy}, Healthy},
		{"suspended beats healthy", []Status{Healthy, Suspended}, Suspended},
		{"progressing beats suspended", []Status{Suspended, Progressing, Healthy}, Progressing},
		{"missing beats progressing", []Status{Progressing, Missing}, Missing},
		{"degraded beats missing", []Status{Missing, Degraded, Progressing}, Degraded},
		{"unknown is worst", []Status{Degraded, Unknown, Healthy}, Unknown},
		{"unrecognized counts as healthy", []Status{"Exotic", Suspended}, Suspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Worst(tt.in...); got != tt.want {
				t.Fatalf("Worst(%v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	order := []Status{Healthy, Suspended, Progressing, Missing, Degraded, Unknown}
	for i, a := range order {
		for j, b := range order {
			if got := Less(a, b); got != (i < j) {
				t.Errorf("Less(%s, %s) = %v", a, b, got)
			}
			if got := IsWorse(a, b); got != (j > i) {
				t.Errorf("IsWorse(%s, %s) = %v", a, b, got)
			}
		}
	}
}
