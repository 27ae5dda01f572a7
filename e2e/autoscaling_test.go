package e2e_test

// Issue 18 through the real engine and the real kubernetes provider v4.25.0, on a control plane whose
// controller-manager runs the HorizontalPodAutoscaler controller (kwok's pods report no metrics, so the
// autoscaler only enforces its bounds) and with the generated prometheus-operator CRDs: the connector's
// autoscaler, metrics Service, PodMonitor and rules exist; after the autoscaler (and then we, through the
// Deployment's scale subresource, as the autoscaler does) changed the count, `up`, `refresh` and an update
// of the Deployment for another reason leave the count alone.

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	k8score "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	k8smeta "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/workload"
)

const scaledNS = "tunnelgate-scaled"

// scaledProgram is the connector with an autoscaler (2 to 5), metrics with a PodMonitor and alert rules, its
// policy letting Prometheus in; image changes the pod template (an update for another reason).
func scaledProgram(kubeconfig, image string, autoscaling bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		prov, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{
			Kubeconfig: pulumi.ToSecret(pulumi.String(kubeconfig)).(pulumi.StringOutput),
		})
		if err != nil {
			return err
		}
		ns, err := k8score.NewNamespace(ctx, "ns", &k8score.NamespaceArgs{Metadata: &k8smeta.ObjectMetaArgs{Name: pulumi.String(scaledNS)}}, pulumi.Provider(prov))
		if err != nil {
			return err
		}
		pods := &workload.Pods{}
		if autoscaling {
			pods.Autoscaling = &workload.Autoscaling{MaxReplicas: 5}
		}
		conn, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace:   ns.Metadata.Name().Elem(),
			TunnelID:    pulumi.String(engineTunnelID),
			Token:       workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("cloudflared-token")}},
			Cloudflared: &workload.Cloudflared{Image: image},
			Pods:        pods,
			Metrics:     &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"release": "kube-prometheus-stack"}, Alerts: true},
		}, pulumi.Providers(prov))
		if err != nil {
			return err
		}
		_, err = network.NewPolicy(ctx, "edge-net", &network.Args{
			Pods:     conn.PolicyPods,
			Settings: &network.Settings{Metrics: &network.Peer{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}}},
		}, pulumi.Providers(prov))
		return err
	}
}

func TestEngineAutoscaledConnector(t *testing.T) {
	c := cluster.Start(t, cluster.Options{Workloads: true})
	c.InstallCiliumCRD(t)
	c.InstallPrometheusCRDs(t)
	env := engine.New(t)
	ctx := context.Background()
	kubeconfig := c.KubeconfigContent(t)
	stack := env.Stack(ctx, t, "tunnelgate-e2e", "scaled", scaledProgram(kubeconfig, workload.DefaultImage, true))
	t.Cleanup(func() {
		if t.Failed() {
			dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			_, _ = stack.Destroy(dctx)
		}
	})
	up := func(what string, opts ...optup.Option) map[string]int {
		t.Helper()
		ch, _ := upLogged(ctx, t, stack, what, opts...)
		return ch
	}
	deps := c.Client.AppsV1().Deployments(scaledNS)
	replicas := func() int32 {
		t.Helper()
		d, err := deps.Get(ctx, "edge", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas
	}
	waitReplicas := func(what string, want int32) time.Duration {
		t.Helper()
		start := time.Now()
		for deadline := start.Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			if replicas() == want {
				return time.Since(start)
			}
		}
		t.Fatalf("%s: the Deployment has %d replicas, want %d", what, replicas(), want)
		return 0
	}

	// provider, namespace, connector, deployment, pdb, hpa, service, podmonitor, rules, policy, cnp + stack.
	const resources = 12
	if got := up("create"); !reflect.DeepEqual(got, map[string]int{"create": resources}) {
		t.Errorf("create: %v, want create=%d", got, resources)
	}
	hpa, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(scaledNS).Get(ctx, "edge", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the autoscaler: %v", err)
	}
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != "edge" || *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 5 ||
		len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].ContainerResource == nil || hpa.Spec.Metrics[0].ContainerResource.Container != "cloudflared" {
		t.Errorf("autoscaler spec %+v", hpa.Spec)
	}
	for _, gvr := range []schema.GroupVersionResource{
		{Group: "monitoring.coreos.com", Version: "v1", Resource: "podmonitors"},
		{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheusrules"},
	} {
		o, err := c.Dynamic.Resource(gvr).Namespace(scaledNS).Get(ctx, "edge", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", gvr.Resource, err)
		}
		if o.GetLabels()["release"] != "kube-prometheus-stack" {
			t.Errorf("%s labels %v", gvr.Resource, o.GetLabels())
		}
	}
	if _, err := c.Client.CoreV1().Services(scaledNS).Get(ctx, "edge-metrics", metav1.GetOptions{}); err != nil {
		t.Fatalf("metrics Service: %v", err)
	}

	// The Deployment names no count: Kubernetes starts it at 1, and the real autoscaler raises it to its
	// minimum (kwok reports no metrics: it only enforces its bounds).
	took := waitReplicas("the autoscaler's minimum", 2)
	t.Logf("the autoscaler raised the Deployment to 2 replicas %s after up returned", took.Round(time.Millisecond))
	if got := up("after the autoscaler", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("second up: %v", got)
	}
	if got := replicas(); got != 2 {
		t.Errorf("second up left %d replicas, want the autoscaler's 2", got)
	}

	// Scale as the autoscaler does (the scale subresource), then refresh, up, and an update of the pod
	// template: none of them may touch the count.
	scale, err := deps.GetScale(ctx, "edge", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 4
	if _, err := deps.UpdateScale(ctx, "edge", &autoscalingv1.Scale{ObjectMeta: scale.ObjectMeta, Spec: scale.Spec}, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("scale to 4: %v", err)
	}
	waitReplicas("scaled", 4)
	rres, err := stack.Refresh(ctx, optrefresh.ExpectNoChanges())
	if err != nil {
		t.Fatalf("refresh after the scale: %v", err)
	}
	if got := changes(rres.Summary.ResourceChanges); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("refresh: %v", got)
	}
	if got := up("after the scale", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("up after the scale: %v", got)
	}
	if got := replicas(); got != 4 {
		t.Errorf("up after the scale left %d replicas, want 4", got)
	}
	stack.Workspace().SetProgram(scaledProgram(kubeconfig, updatedImage, true))
	if got := up("new image"); got["update"] == 0 || got["create"] != 0 || got["delete"] != 0 || got["replace"] != 0 {
		t.Errorf("new image: %v, want in-place updates", got)
	}
	if got := replicas(); got != 4 {
		t.Errorf("the image update reset the count to %d, want 4: up fights the autoscaler", got)
	}

	// Measured, not asserted: a Deployment that Pulumi gave a count (no autoscaling) and then hands to the
	// autoscaler.
	stack.Workspace().SetProgram(scaledProgram(kubeconfig, updatedImage, false))
	up("autoscaling off")
	if got := replicas(); got != 2 {
		t.Errorf("autoscaling off: %d replicas, want the default 2", got)
	}
	stack.Workspace().SetProgram(scaledProgram(kubeconfig, updatedImage, true))
	up("autoscaling on again")
	low, lowAt := replicas(), time.Now()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if r := replicas(); r < low {
			low, lowAt = r, time.Now()
		}
		if replicas() == 2 && time.Since(lowAt) > 20*time.Second {
			break
		}
	}
	t.Logf("turning autoscaling on for a Deployment with a count: lowest count seen %d, back to %d", low, replicas())

	if _, err := stack.Destroy(ctx, optdestroy.Remove()); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if _, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(scaledNS).Get(ctx, "edge", metav1.GetOptions{}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("autoscaler after destroy: %v", err)
	}
}
