package e2e_test

// Test 2 of the real-parts tests: the real Pulumi engine (CLI v3.276.0, Automation API inline program,
// file:// backend) with the real kubernetes provider v4.25.0 deploys the workload and network components
// (own-pod connector, token from a Kubernetes Secret) to a control plane whose Deployments really roll
// out (controller-manager, scheduler, kwok). The provider's own await must succeed; no skipAwait.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	k8score "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	k8smeta "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	engineNS         = "tunnelgate-e2e"
	engineDeployment = "edge" // Pods.Name defaults to the component name
	engineSecret     = "cloudflared-token"
	engineTunnelID   = "6ff42ae2-765d-4adf-8112-31c55c1551ef"
	updatedImage     = "cloudflare/cloudflared:2026.8.1"
)

var cnpGVR = schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumnetworkpolicies"}

// connectorProgram is the inline program: a provider for the test cluster, the namespace, the Secret with
// the token, the connector (own pod, token from that Secret) and its Cilium policy.
func connectorProgram(kubeconfig, token, image string, replicas int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		prov, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{
			Kubeconfig: pulumi.ToSecret(pulumi.String(kubeconfig)).(pulumi.StringOutput),
		})
		if err != nil {
			return err
		}
		opt := pulumi.Provider(prov)
		ns, err := k8score.NewNamespace(ctx, "ns", &k8score.NamespaceArgs{
			Metadata: &k8smeta.ObjectMetaArgs{Name: pulumi.String(engineNS)},
		}, opt)
		if err != nil {
			return err
		}
		secret, err := k8score.NewSecret(ctx, "token", &k8score.SecretArgs{
			Metadata: &k8smeta.ObjectMetaArgs{Name: pulumi.String(engineSecret), Namespace: ns.Metadata.Name()},
			Type:     pulumi.String("Opaque"),
			StringData: pulumi.StringMap{
				workload.DefaultTokenKey: pulumi.ToSecret(pulumi.String(token)).(pulumi.StringOutput),
			},
		}, opt)
		if err != nil {
			return err
		}
		conn, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace:   ns.Metadata.Name().Elem(),
			TunnelID:    pulumi.String(engineTunnelID),
			Token:       workload.TokenSource{Secret: &workload.SecretToken{Name: secret.Metadata.Name().Elem()}},
			Cloudflared: &workload.Cloudflared{Image: image},
			Pods:        &workload.Pods{Replicas: &replicas},
		}, pulumi.Providers(prov))
		if err != nil {
			return err
		}
		pol, err := network.NewPolicy(ctx, "edge-net", &network.Args{Pods: conn.PolicyPods}, pulumi.Providers(prov))
		if err != nil {
			return err
		}
		ctx.Export("policy", pol.ObjectName)
		ctx.Export("deployment", conn.Deployment.Metadata.Name())
		return nil
	}
}

// changes returns the summary without zero counts.
func changes(m *map[string]int) map[string]int {
	out := map[string]int{}
	if m != nil {
		for k, v := range *m {
			if v != 0 {
				out[k] = v
			}
		}
	}
	return out
}

func TestEngineDeploysConnector(t *testing.T) {
	c := cluster.Start(t, cluster.Options{Workloads: true})
	c.InstallCiliumCRD(t)
	env := engine.New(t)
	ctx := context.Background()

	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	token := "e2e-token-" + hex.EncodeToString(raw) // the plaintext that must never reach the backend
	kubeconfig := c.KubeconfigContent(t)
	stack := env.Stack(ctx, t, "tunnelgate-e2e", "engine", connectorProgram(kubeconfig, token, workload.DefaultImage, 2))
	t.Cleanup(func() {
		if t.Failed() { // best effort, bounded: the cluster is stopped right after anyway
			dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			_, _ = stack.Destroy(dctx)
		}
	})

	var log bytes.Buffer
	up := func(what string, opts ...optup.Option) map[string]int {
		t.Helper()
		ch, _ := upLogged(ctx, t, stack, what, opts...)
		return ch
	}
	preview := func(what string) map[apitype.OpType]int {
		t.Helper()
		res, err := stack.Preview(ctx, optpreview.Diff())
		if err != nil {
			t.Fatalf("%s: preview failed: %v", what, err)
		}
		out := map[apitype.OpType]int{}
		for k, v := range res.ChangeSummary {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}

	// 1. Create: the provider's await must succeed (Deployment Available).
	// provider, namespace, secret, connector + deployment + pdb, policy + cnp = 8, plus the stack.
	if got := up("create"); got["create"] != 9 || len(got) != 1 {
		t.Errorf("first up: %v, want create=9 only", got)
	}
	dep := deploymentAvailable(t, c, 2, workload.DefaultImage)
	checkDeployment(t, c, dep)
	checkPDB(t, c, 2)
	checkSecretAndPolicy(t, c, token, dep)

	// 2. A second up changes nothing.
	if got := up("unchanged", optup.ExpectNoChanges()); got["same"] != 9 || len(got) != 1 {
		t.Errorf("second up: %v, want same=9 only", got)
	}

	// 3. More replicas: an in-place update of the Deployment (same object), a scale-out.
	stack.Workspace().SetProgram(connectorProgram(kubeconfig, token, workload.DefaultImage, 3))
	assertInPlace(t, preview("replicas 3"), "replicas 3")
	if got := up("replicas 3"); got["update"] == 0 || got["replace"] != 0 || got["create"] != 0 || got["delete"] != 0 {
		t.Errorf("replicas 3: %v, want updates only", got)
	}
	dep3 := deploymentAvailable(t, c, 3, workload.DefaultImage)
	if dep3.UID != dep.UID {
		t.Errorf("the Deployment was replaced (uid %s -> %s), want an in-place update", dep.UID, dep3.UID)
	}
	checkPDB(t, c, 3)

	// 4. A new image: an in-place update that rolls the pods to a new ReplicaSet.
	stack.Workspace().SetProgram(connectorProgram(kubeconfig, token, updatedImage, 3))
	assertInPlace(t, preview("image"), "image")
	if got := up("image"); got["update"] == 0 || got["replace"] != 0 || got["create"] != 0 || got["delete"] != 0 {
		t.Errorf("image: %v, want updates only", got)
	}
	dep4 := deploymentAvailable(t, c, 3, updatedImage)
	if dep4.UID != dep.UID {
		t.Errorf("the Deployment was replaced (uid %s -> %s), want a rollout", dep.UID, dep4.UID)
	}
	checkRollout(t, c, dep4)

	// 5. The token's plaintext (and its base64, as in a Secret's data) never reaches the backend.
	checkBackend(t, env, token)

	// 6. destroy removes everything.
	log.Reset()
	if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(&log)); err != nil {
		t.Fatalf("destroy: %v\n%s", err, log.String())
	}
	checkGone(t, c)
	checkBackend(t, env, token)
}

// assertInPlace fails unless a preview plans only updates (no replacement, create or delete).
func assertInPlace(t *testing.T, plan map[apitype.OpType]int, what string) {
	t.Helper()
	for op := range plan {
		if op != apitype.OpSame && op != apitype.OpUpdate {
			t.Errorf("%s: preview plans %v, want only updates", what, plan)
		}
	}
	if plan[apitype.OpUpdate] == 0 {
		t.Errorf("%s: preview plans no update: %v", what, plan)
	}
}

// deploymentAvailable reads the Deployment back right after up: the provider awaited it, so it must
// already be fully rolled out (no polling here).
func deploymentAvailable(t *testing.T, c *cluster.Cluster, replicas int32, image string) *appsv1.Deployment {
	t.Helper()
	dep, err := c.Client.AppsV1().Deployments(engineNS).Get(context.Background(), engineDeployment, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read back the Deployment: %v", err)
	}
	available := false
	for _, cond := range dep.Status.Conditions {
		if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue {
			available = true
		}
	}
	st := dep.Status
	if !available || st.ReadyReplicas != replicas || st.AvailableReplicas != replicas || st.UpdatedReplicas != replicas ||
		st.ObservedGeneration != dep.Generation || *dep.Spec.Replicas != replicas {
		t.Errorf("after up the Deployment is not rolled out to %d: spec %d, status %+v", replicas, *dep.Spec.Replicas, st)
	}
	if got := dep.Spec.Template.Spec.Containers[0].Image; got != image {
		t.Errorf("image %s, want %s", got, image)
	}
	return dep
}

func checkDeployment(t *testing.T, c *cluster.Cluster, dep *appsv1.Deployment) {
	t.Helper()
	for _, a := range []map[string]string{dep.Annotations, dep.Spec.Template.Annotations} {
		for k := range a {
			if strings.HasPrefix(k, "pulumi.com/skipAwait") {
				t.Errorf("annotation %s: the provider's await must not be skipped", k)
			}
		}
	}
	if got := dep.Spec.Template.Annotations[workload.TunnelIDAnnotation]; got != engineTunnelID {
		t.Errorf("pod annotation %s = %q, want %q", workload.TunnelIDAnnotation, got, engineTunnelID)
	}
	pod := dep.Spec.Template.Spec
	cf := pod.Containers[0]
	if cf.Name != workload.ContainerName {
		t.Errorf("container %q, want %q", cf.Name, workload.ContainerName)
	}
	if i := slices.Index(cf.Args, "--token-file"); i < 0 || i+1 >= len(cf.Args) || cf.Args[i+1] != workload.SecretTokenFile {
		t.Errorf("args %v: want --token-file %s", cf.Args, workload.SecretTokenFile)
	}
	var vol *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Secret != nil {
			vol = &pod.Volumes[i]
		}
	}
	if vol == nil || vol.Secret.SecretName != engineSecret || len(vol.Secret.Items) != 1 ||
		vol.Secret.Items[0].Key != workload.DefaultTokenKey || vol.Secret.Items[0].Path != "token" {
		t.Errorf("token volume %+v: want Secret %s key %s as file token", vol, engineSecret, workload.DefaultTokenKey)
	}
	if sc := cf.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != workload.UID {
		t.Errorf("cloudflared security context %+v: want runAsUser %d", sc, workload.UID)
	}
	// The pods exist, were scheduled on the simulated node and are Ready.
	sel := labels.SelectorFromSet(dep.Spec.Selector.MatchLabels).String()
	pods, err := c.Client.CoreV1().Pods(engineNS).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	ready := 0
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		if p.Spec.NodeName != c.NodeName {
			t.Errorf("pod %s on node %q, want %s", p.Name, p.Spec.NodeName, c.NodeName)
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	if ready != int(*dep.Spec.Replicas) {
		t.Errorf("%d ready pods, want %d", ready, *dep.Spec.Replicas)
	}
}

// checkPDB waits for the disruption controller's status of the connector's PodDisruptionBudget.
func checkPDB(t *testing.T, c *cluster.Cluster, replicas int32) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		pdb, err := c.Client.PolicyV1().PodDisruptionBudgets(engineNS).Get(context.Background(), engineDeployment, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("read back the PodDisruptionBudget: %v", err)
		}
		if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != workload.DefaultMaxUnavailable {
			t.Fatalf("PDB maxUnavailable %v, want %d", pdb.Spec.MaxUnavailable, workload.DefaultMaxUnavailable)
		}
		st := pdb.Status
		last = fmt.Sprintf("%+v", st)
		if st.ObservedGeneration == pdb.Generation && st.ExpectedPods == replicas && st.CurrentHealthy == replicas &&
			st.DisruptionsAllowed == int32(workload.DefaultMaxUnavailable) {
			return
		}
	}
	t.Errorf("PDB status never reached expectedPods=%d disruptionsAllowed=%d: %s", replicas, workload.DefaultMaxUnavailable, last)
}

func checkSecretAndPolicy(t *testing.T, c *cluster.Cluster, token string, dep *appsv1.Deployment) {
	t.Helper()
	ctx := context.Background()
	s, err := c.Client.CoreV1().Secrets(engineNS).Get(ctx, engineSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read back the Secret: %v", err)
	}
	if string(s.Data[workload.DefaultTokenKey]) != token {
		t.Errorf("Secret %s key %s does not hold the token", engineSecret, workload.DefaultTokenKey)
	}
	list, err := c.Dynamic.Resource(cnpGVR).Namespace(engineNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d CiliumNetworkPolicies in %s, want 1", len(list.Items), engineNS)
	}
	raw, _, _ := unstructured.NestedStringMap(list.Items[0].Object, "spec", "endpointSelector", "matchLabels")
	sel := map[string]string{}
	for k, v := range raw {
		sel[strings.TrimPrefix(k, "k8s:")] = v // Cilium's source prefix for Kubernetes pod labels
	}
	if !reflect.DeepEqual(sel, dep.Spec.Selector.MatchLabels) {
		t.Errorf("the policy selects %v, the connector's pods carry %v", sel, dep.Spec.Selector.MatchLabels)
	}
}

// checkRollout: the image change created a new ReplicaSet with every pod, and the old one is scaled to 0.
func checkRollout(t *testing.T, c *cluster.Cluster, dep *appsv1.Deployment) {
	t.Helper()
	sel := labels.SelectorFromSet(dep.Spec.Selector.MatchLabels).String()
	rss, err := c.Client.AppsV1().ReplicaSets(engineNS).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	byImage := map[string]int32{}
	for _, rs := range rss.Items {
		byImage[rs.Spec.Template.Spec.Containers[0].Image] += *rs.Spec.Replicas
	}
	if len(rss.Items) < 2 || byImage[updatedImage] != 3 || byImage[workload.DefaultImage] != 0 {
		t.Errorf("ReplicaSets after the image change: %d, replicas by image %v; want a new one with 3 and the old one at 0", len(rss.Items), byImage)
	}
}

func checkBackend(t *testing.T, env *engine.Env, token string) {
	t.Helper()
	for _, needle := range []string{token, base64.StdEncoding.EncodeToString([]byte(token))} {
		if hits := env.FindInBackend(t, needle); len(hits) > 0 {
			t.Errorf("the token's plaintext (%.12s...) is in the backend: %v", needle, hits)
		}
	}
}

// checkGone: after destroy, nothing of the stack is left in the cluster.
func checkGone(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	gets := map[string]func() error{
		"Deployment": func() error {
			_, err := c.Client.AppsV1().Deployments(engineNS).Get(ctx, engineDeployment, metav1.GetOptions{})
			return err
		},
		"PodDisruptionBudget": func() error {
			_, err := c.Client.PolicyV1().PodDisruptionBudgets(engineNS).Get(ctx, engineDeployment, metav1.GetOptions{})
			return err
		},
		"Secret": func() error {
			_, err := c.Client.CoreV1().Secrets(engineNS).Get(ctx, engineSecret, metav1.GetOptions{})
			return err
		},
		"Namespace": func() error {
			_, err := c.Client.CoreV1().Namespaces().Get(ctx, engineNS, metav1.GetOptions{})
			return err
		},
	}
	for kind, get := range gets {
		if err := get(); !apierrors.IsNotFound(err) {
			t.Errorf("%s still there after destroy (err %v)", kind, err)
		}
	}
	if list, err := c.Dynamic.Resource(cnpGVR).Namespace(engineNS).List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Errorf("CiliumNetworkPolicies after destroy: %v %v", list, err)
	}
}
