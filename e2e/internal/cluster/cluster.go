// Package cluster starts a real Kubernetes control plane for the e2e tests: an embedded etcd and
// kube-apiserver v1.34.4 on free 127.0.0.1 ports, and, for workloads that must really roll out, the
// controller-manager, the scheduler and kwok with one simulated node (no kubelet, no container runtime).
// The binaries come from tools/build; recipes and flags are those of shared/reference/real-parts.md.
package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tunnelgate/tunnelgate/e2e/internal/proc"
)

// Options selects what runs besides etcd and the API server.
type Options struct {
	// Workloads also starts kube-controller-manager, kube-scheduler and kwok with one simulated Node, so that
	// Deployments create ReplicaSets and Pods that get scheduled and turn Ready, and PDBs get a status.
	Workloads bool
	// PodReadyDelay is how long a started pod stays unready before kwok marks it Ready (Workloads only):
	// like a container whose readiness probe passes only after a while, e.g. cloudflared's /ready once its
	// edge connections are up. Zero: kwok's default pod stages (Ready at once).
	PodReadyDelay time.Duration
	// PodStopDelay is how long a deleted pod takes to go (Workloads with PodReadyDelay only), like a
	// container's graceful shutdown; it is unready (and terminating) meanwhile.
	PodStopDelay time.Duration
}

// Cluster is a running control plane. Everything it started is stopped by PID when the test ends.
type Cluster struct {
	// Dir holds certificates, logs, the kubeconfig and etcd's data.
	Dir string
	// Server is the API server URL, https://127.0.0.1:<port>.
	Server string
	// Kubeconfig is the path of an admin kubeconfig (group system:masters).
	Kubeconfig string
	// NodeName is the simulated node (Workloads only).
	NodeName string
	// CAPEM is the cluster CA's certificate (PEM): what a client outside the cluster, such as Vault
	// reviewing service-account tokens, trusts the API server with.
	CAPEM   []byte
	Config  *rest.Config
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
}

const adminToken = "tunnelgate-e2e-admin-token"

// Start starts the control plane and waits until it is ready.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	etcdBin, apiBin := proc.Tool(t, "etcd"), proc.Tool(t, "kube-apiserver")
	var cmBin, schedBin, kwokBin string
	if opts.Workloads {
		cmBin, schedBin, kwokBin = proc.Tool(t, "kube-controller-manager"), proc.Tool(t, "kube-scheduler"), proc.Tool(t, "kwok")
	}
	dir := t.TempDir()
	certs, err := newPKI(dir)
	if err != nil {
		t.Fatalf("certificates: %v", err)
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(adminToken+",admin,admin,system:masters\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	etcdPort, etcdPeer := proc.FreePort(t), proc.FreePort(t)
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	etcd := proc.Start(t, dir, "etcd", etcdBin, []string{
		"-data-dir", filepath.Join(dir, "etcd"), "-listen-client-urls", etcdURL,
		"-listen-peer-urls", "http://127.0.0.1:" + strconv.Itoa(etcdPeer),
	})
	etcd.WaitFor(t, "etcd healthy", 60*time.Second, func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, etcdURL+"/health", "")
	})

	apiPort := proc.FreePort(t)
	c := &Cluster{Dir: dir, Server: "https://127.0.0.1:" + strconv.Itoa(apiPort), Kubeconfig: filepath.Join(dir, "kubeconfig"), CAPEM: certs.CAPEM}
	api := proc.Start(t, dir, "kube-apiserver", apiBin, []string{
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(apiPort), "--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none", "--etcd-servers=" + etcdURL,
		"--tls-cert-file=" + certs.ServingCert, "--tls-private-key-file=" + certs.ServingKey,
		"--client-ca-file=" + certs.CACert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + certs.SAPub, "--service-account-signing-key-file=" + certs.SAKey,
		"--token-auth-file=" + tokens, "--authorization-mode=RBAC", "--service-cluster-ip-range=10.0.0.0/24",
		"--profiling=false", "--enable-priority-and-fairness=false",
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.CAPEM)
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	api.WaitFor(t, "kube-apiserver /readyz", 120*time.Second, func(ctx context.Context) error {
		return httpOK(ctx, httpc, c.Server+"/readyz", adminToken)
	})

	if err := c.writeKubeconfig(certs.CAPEM); err != nil {
		t.Fatal(err)
	}
	if c.Config, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	c.Config.QPS, c.Config.Burst = 100, 200
	c.Client = kubernetes.NewForConfigOrDie(c.Config)
	c.Dynamic = dynamic.NewForConfigOrDie(c.Config)
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Client.Discovery()))

	if opts.Workloads {
		c.startWorkloads(t, certs, cmBin, schedBin, kwokBin, opts)
	}
	return c
}

func (c *Cluster) startWorkloads(t testing.TB, certs *pki, cmBin, schedBin, kwokBin string, opts Options) {
	t.Helper()
	cm := proc.Start(t, c.Dir, "kube-controller-manager", cmBin, []string{
		"--kubeconfig=" + c.Kubeconfig, "--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(proc.FreePort(t)),
		"--cert-dir=" + filepath.Join(c.Dir, "cm-certs"), "--leader-elect=false", "--controllers=*",
		"--use-service-account-credentials=false", "--service-account-private-key-file=" + certs.SAKey,
		"--root-ca-file=" + certs.CACert,
	})
	proc.Start(t, c.Dir, "kube-scheduler", schedBin, []string{
		"--kubeconfig=" + c.Kubeconfig, "--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(proc.FreePort(t)),
		"--leader-elect=false",
	})
	// Node before kwok and before any workload: kwok then manages it (Ready, leases) and the scheduler sees it.
	c.NodeName = "kwok-node-0"
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        c.NodeName,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"type": "kwok", "kubernetes.io/hostname": c.NodeName, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": "zone-a",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: resources("32", "256Gi", "110"),
			Capacity:    resources("32", "256Gi", "110"),
			Phase:       corev1.NodeRunning,
		},
	}
	ctx := context.Background()
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}
	kwokArgs := []string{
		"--kubeconfig=" + c.Kubeconfig, "--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", "--manage-nodes-with-label-selector=",
		"--node-lease-duration-seconds=40", "--cidr=10.244.0.0/16", "--node-ip=127.0.0.1",
		"--server-address=127.0.0.1:" + strconv.Itoa(proc.FreePort(t)),
	}
	if opts.PodReadyDelay > 0 {
		stages := filepath.Join(c.Dir, "kwok-pod-stages.yaml")
		if err := os.WriteFile(stages, []byte(podStages(opts.PodReadyDelay, opts.PodStopDelay)), 0o600); err != nil {
			t.Fatal(err)
		}
		kwokArgs = append(kwokArgs, "--config="+stages)
	}
	kwok := proc.Start(t, c.Dir, "kwok", kwokBin, kwokArgs)
	kwok.WaitFor(t, "node "+c.NodeName+" Ready", 90*time.Second, func(ctx context.Context) error {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, c.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("conditions %v", n.Status.Conditions)
	})
	cm.WaitFor(t, "ServiceAccount default/default", 90*time.Second, func(ctx context.Context) error {
		_, err := c.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

func resources(cpu, mem, pods string) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU: mustQuantity(cpu), corev1.ResourceMemory: mustQuantity(mem), corev1.ResourcePods: mustQuantity(pods),
	}
}

func (c *Cluster) writeKubeconfig(caPEM []byte) error {
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`, c.Server, b64(caPEM), adminToken)
	return os.WriteFile(c.Kubeconfig, []byte(cfg), 0o600)
}

// KubeconfigContent returns the admin kubeconfig as text (for a Pulumi kubernetes Provider).
func (c *Cluster) KubeconfigContent(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func httpOK(ctx context.Context, client *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", url, resp.Status, body)
	}
	return nil
}

// Resource maps an object's apiVersion/kind to its resource, through discovery (call ResetMapper after
// installing a CRD).
func (c *Cluster) Resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, *meta.RESTMapping, error) {
	gvk := obj.GroupVersionKind()
	m, err := c.mapper.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", gvk, err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		return c.Dynamic.Resource(m.Resource).Namespace(ns), m, nil
	}
	return c.Dynamic.Resource(m.Resource), m, nil
}

// ResetMapper forgets cached discovery (after new CRDs).
func (c *Cluster) ResetMapper() { c.mapper.Reset() }

// Create creates obj with strict server-side field validation (unknown or duplicate fields are errors,
// not warnings); with dryRun the server validates, defaults and admits it without persisting.
func (c *Cluster) Create(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, _, err := c.Resource(obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict, FieldManager: "tunnelgate-e2e"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return ri.Create(ctx, obj, opts)
}

// Delete deletes obj (background propagation) and ignores "not found".
func (c *Cluster) Delete(ctx context.Context, obj *unstructured.Unstructured) error {
	ri, _, err := c.Resource(obj)
	if err != nil {
		return err
	}
	err = ri.Delete(ctx, obj.GetName(), metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// EnsureNamespace creates a namespace (and its default ServiceAccount, which the ServiceAccount admission
// plugin needs for pods when no controller-manager runs) unless it exists.
func (c *Cluster) EnsureNamespace(ctx context.Context, name string) error {
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	_, err = c.Client.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("serviceaccount %s/default: %w", name, err)
	}
	return nil
}
