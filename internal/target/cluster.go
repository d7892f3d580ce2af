package target

import (
	"fmt"
	"sort"

	"k8s.io/client-go/discovery"
)

// Discover reads what Helm's Capabilities report of a cluster from its
// discovery API: the Kubernetes version and every group/version it serves,
// sorted. The controller and the CLI render with it, so that both render
// the same objects for the same cluster. It does not list resource kinds.
func Discover(dc discovery.DiscoveryInterface) (Cluster, error) {
	v, err := dc.ServerVersion()
	if err != nil {
		return Cluster{}, fmt.Errorf("read the cluster's version: %w", err)
	}
	groups, err := dc.ServerGroups()
	if err != nil {
		return Cluster{}, fmt.Errorf("read the cluster's API groups: %w", err)
	}
	var versions []string
	for _, g := range groups.Groups {
		for _, gv := range g.Versions {
			versions = append(versions, gv.GroupVersion)
		}
	}
	sort.Strings(versions)
	return Cluster{KubeVersion: v.GitVersion, APIVersions: versions}, nil
}
