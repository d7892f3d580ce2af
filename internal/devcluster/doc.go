// Package devcluster runs a real, local Kubernetes control plane: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, and kwok acting as
// the kubelet of fake nodes, so that Pods are scheduled and become Ready and
// Deployments become Available without containers.
//
// The binaries come from PATH or from a cache; when missing they are built
// once with the Go toolchain from modules pinned in modules/ (see Toolchain).
// A Cluster lives in one directory that holds its certificates, kubeconfigs,
// data, logs and a state file, so that a later process can report on it or
// stop it.
//
// It is used by `tether dev`, the demo and the end-to-end tests (through the
// clustertest package). It is not meant for production clusters.
package devcluster
