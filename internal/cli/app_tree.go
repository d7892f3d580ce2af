package cli

import (
	"context"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
	"github.com/tether-gitops/tether/internal/health"
)

// childKinds are the kinds whose objects `get -o tree` shows beneath the
// resources that own them.
var childKinds = []schema.GroupVersionResource{
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Version: "v1", Resource: "pods"},
	{Group: "batch", Version: "v1", Resource: "jobs"},
}

// maxTreeDepth bounds the tree against ownership cycles.
const maxTreeDepth = 6

// resourceTree returns the Application's resources, each with the objects
// it owns (through ownerReferences) beneath it. Owned objects that cannot
// be listed, for lack of rights, are left out.
func (c *appClient) resourceTree(ctx context.Context, app *appv1.Application) ([]*appview.Node, error) {
	kinds, nss := scope(app, nil)
	state, err := c.live(ctx, kinds, nss)
	if err != nil {
		return nil, err
	}
	owned := c.ownedObjects(ctx, nss)
	var roots []*appview.Node
	for _, r := range appview.ResourceRows(app) {
		n := &appview.Node{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, Status: r.Status, Health: r.Health, Message: r.Message}
		if obj := state[objKey{r.Group, r.Kind, r.Namespace, r.Name}]; obj != nil {
			n.Children = childNodes(obj.GetUID(), owned, 1)
		}
		roots = append(roots, n)
	}
	return roots, nil
}

// ownedObjects lists the objects of childKinds in the namespaces, by the
// UID of their controlling owner.
func (c *appClient) ownedObjects(ctx context.Context, nss []string) map[types.UID][]*unstructured.Unstructured {
	out := map[types.UID][]*unstructured.Unstructured{}
	for _, gvr := range childKinds {
		for _, ns := range nss {
			list, err := c.dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for i := range list.Items {
				if ref := metav1.GetControllerOf(&list.Items[i]); ref != nil {
					out[ref.UID] = append(out[ref.UID], &list.Items[i])
				}
			}
		}
	}
	return out
}

func childNodes(owner types.UID, owned map[types.UID][]*unstructured.Unstructured, depth int) []*appview.Node {
	if depth > maxTreeDepth {
		return nil
	}
	children := owned[owner]
	sort.Slice(children, func(i, j int) bool {
		return children[i].GetKind()+"/"+children[i].GetName() < children[j].GetKind()+"/"+children[j].GetName()
	})
	var out []*appview.Node
	for _, obj := range children {
		status, msg := health.Assess(obj)
		out = append(out, &appview.Node{
			Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName(),
			Health: string(status), Message: msg,
			Children: childNodes(obj.GetUID(), owned, depth+1),
		})
	}
	return out
}
