package workload_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	serviceType        = "kubernetes:core/v1:Service"
	podMonitorType     = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
	serviceMonitorType = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
	ruleType           = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
)

// connectorLabels are the labels of the connector "edge"'s objects (JSON).
const connectorLabels = `"app.kubernetes.io/component": "connector", "app.kubernetes.io/instance": "edge",
	"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "cloudflared",
	"app.kubernetes.io/part-of": "tunnelgate", "app.kubernetes.io/version": "2026.8.2"`

func monitored(m *workload.Metrics, ns pulumi.StringInput) pulumi.RunFunc {
	return connector(func(args *workload.ConnectorArgs) {
		args.Metrics = m
		if ns != nil {
			args.Namespace = ns
		}
	})
}

// TestMetricsService: the Service alone, on the metrics port, selecting the connector's pods.
func TestMetricsService(t *testing.T) {
	res := run(t, monitored(&workload.Metrics{}, nil))
	eqJSON(t, "service", inputs(t, res, serviceType, "edge-metrics"), `{
		"apiVersion": "v1", "kind": "Service",
		"metadata": {"name": "edge-metrics", "namespace": "apps", "labels": {`+connectorLabels+`, "tunnelgate.dev/metrics": "edge"}},
		"spec": {"type": "ClusterIP",
			"selector": {"app.kubernetes.io/instance": "edge", "app.kubernetes.io/name": "cloudflared"},
			"ports": [{"name": "cf-metrics", "port": 2000, "targetPort": "cf-metrics", "protocol": "TCP"}]}}`)
	if n := len(res.OfType(podMonitorType)) + len(res.OfType(serviceMonitorType)) + len(res.OfType(ruleType)); n != 0 {
		t.Errorf("%d monitors and rules without Monitor", n)
	}
	args := validConnector()
	args.Metrics = &workload.Metrics{}
	if pods, err := args.Facts("edge"); err != nil || pods.PolicyPods.Scraped {
		t.Errorf("PolicyPods: scraped %v, %v: a Service alone scrapes nothing", pods.PolicyPods.Scraped, err)
	}
}

// TestPodMonitorAndAlerts: the PodMonitor selects the pods on the named metrics port with the labels
// Prometheus selects on; the rules name the operator's job label "<namespace>/<monitor>".
func TestPodMonitorAndAlerts(t *testing.T) {
	m := &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"release": "kube-prometheus-stack"}, Alerts: true}
	res := run(t, monitored(m, nil))
	meta := `{"name": "edge", "namespace": "apps", "labels": {` + connectorLabels + `, "release": "kube-prometheus-stack"}}`
	eqJSON(t, "podmonitor", inputs(t, res, podMonitorType, "edge-podmonitor"), `{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": `+meta+`,
		"spec": {
			"selector": {"matchLabels": {"app.kubernetes.io/instance": "edge", "app.kubernetes.io/name": "cloudflared"}},
			"podMetricsEndpoints": [{"port": "cf-metrics", "path": "/metrics", "interval": "30s"}]}}`)
	series := `cloudflared_tunnel_ha_connections{namespace=\"apps\", job=\"apps/edge\"}`
	eqJSON(t, "rules", inputs(t, res, ruleType, "edge-rules"), `{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": `+meta+`,
		"spec": {"groups": [{"name": "tunnelgate-cloudflared-edge", "rules": [
			{"alert": "CloudflaredConnectorNoEdgeConnection", "expr": "`+series+` < 1", "for": "2m",
			 "labels": {"severity": "warning"},
			 "annotations": {
				"summary": "cloudflared connector {{ $labels.pod }} has no connection to Cloudflare's edge",
				"description": "cloudflared_tunnel_ha_connections of {{ $labels.namespace }}/{{ $labels.pod }} has been 0 for 2m: the connector serves no request (its /ready answers 503). Check its logs, DNS and egress to the edge on port 7844."}},
			{"alert": "CloudflaredTunnelDown", "expr": "sum(`+series+`) < 1 or absent(`+series+`)", "for": "2m",
			 "labels": {"severity": "critical"},
			 "annotations": {
				"summary": "no connector of apps/edge has an edge connection",
				"description": "For 2m no cloudflared of apps/edge has had a connection to Cloudflare's edge (or none was scraped): hostnames served only by these connectors answer with error 1033."}}
		]}]}}`)
	comp := res.Must(t, workload.ConnectorType, "edge")
	for _, r := range []*dryrun.Resource{res.Must(t, serviceType, "edge-metrics"), res.Must(t, podMonitorType, "edge-podmonitor"), res.Must(t, ruleType, "edge-rules")} {
		if r.Parent != comp.URN {
			t.Errorf("%s: parent %s", r.Name, r.Parent)
		}
	}
	args := validConnector()
	args.Metrics = m
	if pods, err := args.Facts("edge"); err != nil || !pods.PolicyPods.Scraped {
		t.Errorf("PolicyPods: scraped %v, %v: the monitor's scraper must be let in", pods.PolicyPods.Scraped, err)
	}
}

// TestServiceMonitor: the ServiceMonitor selects the metrics Service by its label; the rules name the
// Service as the job.
func TestServiceMonitor(t *testing.T) {
	res := run(t, monitored(&workload.Metrics{Monitor: workload.ServiceMonitor, Interval: "1m", Alerts: true}, nil))
	eqJSON(t, "servicemonitor spec", at(t, inputs(t, res, serviceMonitorType, "edge-servicemonitor"), "spec"), `{
		"selector": {"matchLabels": {"tunnelgate.dev/metrics": "edge"}},
		"endpoints": [{"port": "cf-metrics", "path": "/metrics", "interval": "1m"}]}`)
	expr := at(t, inputs(t, res, ruleType, "edge-rules"), "spec", "groups", 0, "rules", 0, "expr")
	if want := `cloudflared_tunnel_ha_connections{namespace="apps", job="edge-metrics"} < 1`; expr != want {
		t.Errorf("expr %q, want %q", expr, want)
	}
	mon, svc := res.Must(t, serviceMonitorType, "edge-servicemonitor"), res.Must(t, serviceType, "edge-metrics")
	if !slices.Contains(mon.Dependencies, svc.URN) {
		t.Errorf("the monitor does not wait for the Service: %v", mon.Dependencies)
	}
}

// TestAlertsWithOutputNamespace: the rules name the namespace once it is known.
func TestAlertsWithOutputNamespace(t *testing.T) {
	res := run(t, monitored(&workload.Metrics{Monitor: workload.PodMonitor, Alerts: true}, pulumi.String("team-a").ToStringOutput()))
	expr := at(t, inputs(t, res, ruleType, "edge-rules"), "spec", "groups", 0, "rules", 0, "expr").(string)
	if !strings.Contains(expr, `namespace="team-a", job="team-a/edge"`) {
		t.Errorf("expr %q", expr)
	}
}

// TestAppMetrics: in the sidecar layout the monitor selects the app's pods, where cloudflared runs.
func TestAppMetrics(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		_, err := workload.NewApp(ctx, "web", &workload.AppArgs{
			Namespace:  pulumi.String("apps"),
			Token:      workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}},
			Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("web:1")}},
			Metrics:    &workload.Metrics{Monitor: workload.PodMonitor},
		})
		return err
	})
	eqJSON(t, "selector", at(t, inputs(t, res, podMonitorType, "web-podmonitor"), "spec", "selector"),
		`{"matchLabels": {"app.kubernetes.io/instance": "web", "app.kubernetes.io/name": "web"}}`)
	eqJSON(t, "service selector", at(t, inputs(t, res, serviceType, "web-metrics"), "spec", "selector"),
		`{"app.kubernetes.io/instance": "web", "app.kubernetes.io/name": "web"}`)
}
