package e2e_test

// Test 1 of the real-parts tests: every Kubernetes object the library emits for the fixtures (examples,
// workload and network cases) is applied to a real kube-apiserver v1.34.4 with the CiliumNetworkPolicy CRD
// of Cilium v1.18.4, with strict field validation: first as a server dry-run, then for real. Broken objects
// are rejected, which shows the check can fail.

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/internal/fixtures"
)

func TestAPIServerAcceptsEmittedObjects(t *testing.T) {
	c := cluster.Start(t, cluster.Options{})
	c.InstallCiliumCRD(t)
	c.InstallPrometheusCRDs(t)
	ctx := context.Background()
	// The namespaces the fixtures use (also as policy peers); an emitted object's own namespace is added below.
	for _, ns := range append(append([]string{}, fixtures.WorkloadNamespaces...), fixtures.NetworkNamespaces...) {
		if err := c.EnsureNamespace(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	kinds := map[string]int{}
	for _, fc := range kubernetesCases(t) {
		t.Run(fc.Name, func(t *testing.T) {
			objs := emitted(t, fc)
			applyAll(ctx, t, c, objs)
			for _, o := range objs {
				kinds[o.GetKind()]++
			}
		})
	}
	var seen []string
	for k, n := range kinds {
		seen = append(seen, k+"="+strconv.Itoa(n))
	}
	sort.Strings(seen)
	t.Logf("objects accepted by kind: %s", strings.Join(seen, " "))
	// The point of the test: the connector's Deployment and its Cilium policy really pass the server.
	for _, k := range []string{"Deployment", "CiliumNetworkPolicy", "HorizontalPodAutoscaler", "Service", "PodMonitor", "ServiceMonitor", "PrometheusRule"} {
		if kinds[k] == 0 {
			t.Errorf("no fixture emitted a %s: the test did not check it (kinds seen: %v)", k, seen)
		}
	}
}

// applyAll applies one fixture's objects: namespaces first, then every object as a strict server dry-run,
// then for real; the server's copy must keep every submitted value. Objects are deleted afterwards so that
// fixtures with the same names do not collide (namespaces stay: without a controller-manager they never
// finish terminating).
func applyAll(ctx context.Context, t *testing.T, c *cluster.Cluster, objs []*unstructured.Unstructured) {
	t.Helper()
	emittedNS := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			emittedNS[o.GetName()] = true
			applyNamespace(ctx, t, c, o)
		}
	}
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !emittedNS[ns] {
			if err := c.EnsureNamespace(ctx, ns); err != nil {
				t.Fatal(err)
			}
		}
	}
	var rest []*unstructured.Unstructured
	for _, o := range objs {
		if !(o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1") {
			rest = append(rest, o)
		}
	}
	for _, o := range rest {
		if _, err := c.Create(ctx, o.DeepCopy(), true); err != nil {
			t.Errorf("dry-run %s rejected: %v", ref(o), err)
		}
	}
	var created []*unstructured.Unstructured
	for _, o := range rest {
		got, err := c.Create(ctx, o.DeepCopy(), false)
		if err != nil {
			t.Errorf("create %s rejected: %v", ref(o), err)
			continue
		}
		created = append(created, got)
		for _, field := range []string{"spec", "data", "metadata"} {
			if o.GetKind() == "Secret" && field == "data" {
				continue // stringData is write-only: the server folds it into data
			}
			for _, m := range missing(field, o.Object[field], got.Object[field]) {
				t.Errorf("%s: the server's copy differs from what was sent: %s", ref(o), m)
			}
		}
	}
	t.Cleanup(func() {
		for i := len(created) - 1; i >= 0; i-- {
			if err := c.Delete(ctx, created[i]); err != nil {
				t.Errorf("delete %s: %v", ref(created[i]), err)
			}
		}
	})
}

// applyNamespace creates an emitted Namespace, or, when an earlier fixture created it already, validates it
// with a strict dry-run update instead.
func applyNamespace(ctx context.Context, t *testing.T, c *cluster.Cluster, o *unstructured.Unstructured) {
	t.Helper()
	if _, err := c.Create(ctx, o.DeepCopy(), true); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("dry-run %s rejected: %v", ref(o), err)
	}
	_, err := c.Create(ctx, o.DeepCopy(), false)
	if err == nil {
		return
	}
	if !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create %s rejected: %v", ref(o), err)
	}
	ri, _, err := c.Resource(o)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	upd := o.DeepCopy()
	upd.SetResourceVersion(cur.GetResourceVersion())
	if _, err := ri.Update(ctx, upd, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict}); err != nil {
		t.Fatalf("dry-run update %s rejected: %v", ref(o), err)
	}
}

// TestAPIServerRejectsBrokenObjects shows that the check above can fail: objects the library emits (or,
// before a fixture emits that kind, a minimal valid one) pass, and the same objects with one deliberate
// mistake are rejected by the same strict server-side validation.
func TestAPIServerRejectsBrokenObjects(t *testing.T) {
	c := cluster.Start(t, cluster.Options{})
	c.InstallCiliumCRD(t)
	c.InstallPrometheusCRDs(t)
	ctx := context.Background()
	if err := c.EnsureNamespace(ctx, "broken"); err != nil {
		t.Fatal(err)
	}
	deployment := base(t, "Deployment", minimalDeployment)
	cnp := base(t, "CiliumNetworkPolicy", minimalCNP)
	emittedOnly := func() *unstructured.Unstructured { t.Fatal("no fixture emits it"); return nil }
	hpa := base(t, "HorizontalPodAutoscaler", emittedOnly)
	podMonitor := base(t, "PodMonitor", emittedOnly)
	serviceMonitor := base(t, "ServiceMonitor", emittedOnly)
	rules := base(t, "PrometheusRule", emittedOnly)
	spec := func(o map[string]any) map[string]any { return o["spec"].(map[string]any) }
	first := func(o map[string]any, key string) map[string]any { return spec(o)[key].([]any)[0].(map[string]any) }
	cases := []struct {
		name   string
		base   *unstructured.Unstructured
		break_ func(o map[string]any)
		want   string // in the server's error
	}{
		{"deployment/unknown container field", deployment, func(o map[string]any) {
			container(o)["imagePullPolicyy"] = "Always"
		}, `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`},
		{"deployment/bad port protocol", deployment, func(o map[string]any) {
			container(o)["ports"] = []any{map[string]any{"containerPort": int64(2000), "protocol": "QUIC"}}
		}, `Unsupported value: "QUIC"`},
		{"deployment/string where an integer belongs", deployment, func(o map[string]any) {
			o["spec"].(map[string]any)["replicas"] = "two"
		}, `replicas`},
		{"cnp/unknown field toFQDN", cnp, func(o map[string]any) {
			egress(o)[0].(map[string]any)["toFQDN"] = []any{map[string]any{"matchName": "region1.v2.argotunnel.com"}}
		}, `unknown field "spec.egress[0].toFQDN"`},
		{"cnp/bad protocol", cnp, func(o map[string]any) {
			toPorts(o)[0].(map[string]any)["protocol"] = "QUIC"
		}, `Unsupported value: "QUIC"`},
		{"cnp/bad port", cnp, func(o map[string]any) {
			toPorts(o)[0].(map[string]any)["port"] = "--"
		}, `port`},
		// Issue 18: the autoscaler, the monitors and the rules (generated CRDs of prometheus-operator v0.95.2).
		{"hpa/minimum of zero", hpa, func(o map[string]any) { spec(o)["minReplicas"] = int64(0) }, `minReplicas`},
		{"hpa/unknown metric field", hpa, func(o map[string]any) {
			first(o, "metrics")["containerResource"].(map[string]any)["containerName"] = "cloudflared"
		}, `unknown field "spec.metrics[0].containerResource.containerName"`},
		{"podmonitor/unknown field", podMonitor, func(o map[string]any) {
			first(o, "podMetricsEndpoints")["scrapeIntervall"] = "30s"
		}, `unknown field "spec.podMetricsEndpoints[0].scrapeIntervall"`},
		{"podmonitor/interval not a duration", podMonitor, func(o map[string]any) {
			first(o, "podMetricsEndpoints")["interval"] = "30 seconds"
		}, `spec.podMetricsEndpoints[0].interval`},
		{"servicemonitor/endpoints not a list", serviceMonitor, func(o map[string]any) {
			spec(o)["endpoints"] = map[string]any{"port": "cf-metrics"}
		}, `spec.endpoints`},
		{"prometheusrule/rule without expr", rules, func(o map[string]any) {
			delete(first(o, "groups")["rules"].([]any)[0].(map[string]any), "expr")
		}, `expr`},
		{"prometheusrule/for not a duration", rules, func(o map[string]any) {
			first(o, "groups")["rules"].([]any)[0].(map[string]any)["for"] = "two minutes"
		}, `for`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := tc.base.DeepCopy()
			good.SetNamespace("broken")
			if _, err := c.Create(ctx, good.DeepCopy(), true); err != nil {
				t.Fatalf("the unbroken %s must pass first: %v", ref(good), err)
			}
			bad := good.DeepCopy()
			tc.break_(bad.Object)
			for _, dry := range []bool{true, false} {
				_, err := c.Create(ctx, bad.DeepCopy(), dry)
				if err == nil {
					t.Fatalf("broken %s accepted (dryRun=%v)", ref(bad), dry)
				}
				if !apierrors.IsBadRequest(err) && !apierrors.IsInvalid(err) {
					t.Errorf("want a validation error, got %v", err)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q does not mention %q", err, tc.want)
				}
			}
		})
	}
}

// base returns the first object of kind that a fixture emits, or fallback() when none does yet.
func base(t *testing.T, kind string, fallback func() *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	if o := firstOfKind(t, kind); o != nil {
		t.Logf("broken %s cases start from the emitted %s", kind, ref(o))
		return o
	}
	t.Logf("no fixture emits a %s yet: broken cases start from a minimal valid one", kind)
	return fallback()
}

// container returns the first container of a Deployment, in place (no copy).
func container(o map[string]any) map[string]any {
	pod := o["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	return pod["containers"].([]any)[0].(map[string]any)
}

// egress returns the egress rules of a CiliumNetworkPolicy (the first spec if the policy uses "specs"),
// making sure the first rule has a toPorts entry.
func egress(o map[string]any) []any {
	spec, ok := o["spec"].(map[string]any)
	if !ok {
		spec = o["specs"].([]any)[0].(map[string]any)
	}
	rules, ok := spec["egress"].([]any)
	if !ok || len(rules) == 0 {
		rules = []any{map[string]any{"toEntities": []any{"world"}}}
		spec["egress"] = rules
	}
	return rules
}

func toPorts(o map[string]any) []any {
	rule := egress(o)[0].(map[string]any)
	tp, ok := rule["toPorts"].([]any)
	if !ok || len(tp) == 0 {
		tp = []any{map[string]any{}}
		rule["toPorts"] = tp
	}
	first := tp[0].(map[string]any)
	ports, ok := first["ports"].([]any)
	if !ok || len(ports) == 0 {
		ports = []any{map[string]any{"port": "7844", "protocol": "UDP"}}
		first["ports"] = ports
	}
	return ports
}

func minimalDeployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "minimal"},
		"spec": map[string]any{
			"replicas": int64(1),
			"selector": map[string]any{"matchLabels": map[string]any{"app": "minimal"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "minimal"}},
				"spec": map[string]any{"containers": []any{map[string]any{
					"name": "cloudflared", "image": "cloudflare/cloudflared:2026.8.2",
				}}},
			},
		},
	}}
}

func minimalCNP() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": "minimal"},
		"spec": map[string]any{
			"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "minimal"}},
			"egress": []any{map[string]any{
				"toEntities": []any{"world"},
				"toPorts":    []any{map[string]any{"ports": []any{map[string]any{"port": "7844", "protocol": "UDP"}}}},
			}},
		},
	}}
}
