package devcluster

import (
	"fmt"
	"path/filepath"
	"strconv"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// componentSpec is how to run one component.
type componentSpec struct {
	name string
	bin  string
	port int
	args []string
}

const serviceCIDR = "10.96.0.0/16"

// componentSpecs lists the components in start order with their flags.
// Every listener binds 127.0.0.1 on a port chosen at start.
func componentSpecs(dir string, bins Binaries, p ports) []componentSpec {
	pki := func(name string) string { return filepath.Join(dir, "pki", name) }
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(p.etcd)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(p.etcdPeer)
	return []componentSpec{
		{name: "etcd", bin: bins["etcd"], port: p.etcd, args: []string{
			"--name=dev",
			"--data-dir=" + filepath.Join(dir, "etcd"),
			"--listen-client-urls=" + etcdURL,
			"--advertise-client-urls=" + etcdURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=dev=" + peerURL,
			"--unsafe-no-fsync", // a throwaway cluster: speed over durability
			"--quota-backend-bytes=8589934592",
			"--log-level=warn",
		}},
		{name: "kube-apiserver", bin: bins["kube-apiserver"], port: p.apiserver, args: []string{
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.apiserver),
			"--cert-dir=" + pki(""),
			"--tls-cert-file=" + pki("apiserver.crt"),
			"--tls-private-key-file=" + pki("apiserver.key"),
			"--client-ca-file=" + pki("ca.crt"),
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + pki("sa.key"),
			"--service-account-signing-key-file=" + pki("sa.key"),
			"--service-cluster-ip-range=" + serviceCIDR,
			"--authorization-mode=RBAC",
			"--allow-privileged=true",
			"--endpoint-reconciler-type=none",
			"--disable-admission-plugins=TaintNodesByCondition",
			"--max-requests-inflight=800",
			"--max-mutating-requests-inflight=400",
			"--v=0",
		}},
		{name: "kube-controller-manager", bin: bins["kube-controller-manager"], port: p.controllerManager, args: []string{
			"--kubeconfig=" + pki("controller-manager.kubeconfig"),
			"--authentication-kubeconfig=" + pki("controller-manager.kubeconfig"),
			"--authorization-kubeconfig=" + pki("controller-manager.kubeconfig"),
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.controllerManager),
			"--leader-elect=false",
			"--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller",
			"--service-account-private-key-file=" + pki("sa.key"),
			"--root-ca-file=" + pki("ca.crt"),
			"--service-cluster-ip-range=" + serviceCIDR,
			"--kube-api-qps=200",
			"--kube-api-burst=400",
			"--v=0",
		}},
		{name: "kube-scheduler", bin: bins["kube-scheduler"], port: p.scheduler, args: []string{
			"--kubeconfig=" + pki("scheduler.kubeconfig"),
			"--authentication-kubeconfig=" + pki("scheduler.kubeconfig"),
			"--authorization-kubeconfig=" + pki("scheduler.kubeconfig"),
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p.scheduler),
			"--leader-elect=false",
			"--v=0",
		}},
		{name: "kwok", bin: bins["kwok"], port: p.kwok, args: []string{
			"--kubeconfig=" + pki("kwok.kubeconfig"),
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=" + kwokAnnotation + "=fake",
			"--cidr=10.244.0.1/16",
			"--node-ip=127.0.0.1",
			"--server-address=127.0.0.1:" + strconv.Itoa(p.kwok),
		}},
	}
}

// writeKubeconfigs writes the admin kubeconfig to dir/kubeconfig and one per
// component identity under dir/pki, each with embedded certificates.
func writeKubeconfigs(dir, server string) error {
	for _, id := range identities {
		path := filepath.Join(dir, "pki", id.file+".kubeconfig")
		if id.file == "admin" {
			path = filepath.Join(dir, "kubeconfig")
		}
		if err := writeKubeconfig(path, server, filepath.Join(dir, "pki"), id.file); err != nil {
			return err
		}
	}
	return nil
}

func writeKubeconfig(path, server, pki, id string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[contextName] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: filepath.Join(pki, "ca.crt")}
	cfg.AuthInfos[id] = &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(pki, id+".crt"),
		ClientKey:         filepath.Join(pki, id+".key"),
	}
	cfg.Contexts[contextName] = &clientcmdapi.Context{Cluster: contextName, AuthInfo: id}
	cfg.CurrentContext = contextName
	if err := clientcmdapi.FlattenConfig(cfg); err != nil {
		return fmt.Errorf("embed certificates in %s: %w", path, err)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// contextName names the cluster, user context and kubeconfig context.
const contextName = "tether-dev"
