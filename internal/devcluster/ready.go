package devcluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// kwokAnnotation marks the nodes that kwok manages.
const kwokAnnotation = "kwok.x-k8s.io/node"

// poll calls check every interval until it returns nil, returns an error other
// than errNotYet, a component exits, or ctx ends; what names the awaited state
// in the timeout error.
func (c *Cluster) poll(ctx context.Context, what string, check func(context.Context) error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if err := c.exited(); err != nil {
			return err
		}
		err := check(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errNotYet) {
			return err
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s (%v); logs are in %s/logs", what, last, c.Dir)
		case <-tick.C:
		}
	}
}

func (c *Cluster) waitEtcd(ctx context.Context, port int) error {
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/health"
	return c.poll(ctx, "etcd", func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, url)
	})
}

func (c *Cluster) waitAPIServer(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("client for kube-apiserver: %w", err)
	}
	return c.poll(ctx, "kube-apiserver /readyz", func(ctx context.Context) error {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil || strings.TrimSpace(string(body)) != "ok" {
			return fmt.Errorf("%w: /readyz: %v", errNotYet, err)
		}
		return nil
	})
}

func httpOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errNotYet, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", errNotYet, url, resp.Status)
	}
	return nil
}

// createNodes registers n Node objects for kwok to manage.
func (c *Cluster) createNodes(ctx context.Context, n int) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("client for kube-apiserver: %w", err)
	}
	for i := range n {
		node := fakeNode(fmt.Sprintf("kwok-node-%d", i))
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", node.Name, err)
		}
	}
	return nil
}

func fakeNode(name string) *corev1.Node {
	// Room for thousands of Pods: kwok runs no container, and benchmarks
	// deploy hundreds of Deployments.
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("1000"),
		corev1.ResourceMemory: resource.MustParse("4Ti"),
		corev1.ResourcePods:   resource.MustParse("10000"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"type": "kwok", "kubernetes.io/role": "agent", "kubernetes.io/hostname": name,
				"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
}

// waitReady waits for n Ready, untainted nodes and the default ServiceAccount.
func (c *Cluster) waitReady(ctx context.Context, n int) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("client for kube-apiserver: %w", err)
	}
	if err := c.poll(ctx, "nodes to be Ready", func(ctx context.Context) error {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("%w: list nodes: %v", errNotYet, err)
		}
		return nodesReady(nodes.Items, n)
	}); err != nil {
		return err
	}
	return c.poll(ctx, "the default ServiceAccount", func(ctx context.Context) error {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("%w: %v", errNotYet, err)
		}
		return nil
	})
}

// nodesReady is nil when at least want nodes are Ready and none carries the
// not-ready taint.
func nodesReady(nodes []corev1.Node, want int) error {
	ready := 0
	for _, node := range nodes {
		for _, t := range node.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady {
				return fmt.Errorf("%w: node %s has the %s taint", errNotYet, node.Name, t.Key)
			}
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	if ready < want {
		return fmt.Errorf("%w: %d of %d nodes Ready", errNotYet, ready, want)
	}
	return nil
}
