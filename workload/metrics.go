package workload

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// The monitors a Prometheus operator (monitoring.coreos.com/v1) picks up: Metrics.Monitor.
const (
	// PodMonitor scrapes the pods directly, on the container port MetricsPortName.
	PodMonitor = "PodMonitor"
	// ServiceMonitor scrapes the endpoints of the metrics Service, on its port MetricsPortName.
	ServiceMonitor = "ServiceMonitor"
)

// Metrics defaults and fixed values.
const (
	// DefaultScrapeInterval is how often the monitor scrapes (Metrics.Interval).
	DefaultScrapeInterval = "30s"
	// MetricsPath is where cloudflared serves its Prometheus metrics.
	MetricsPath = "/metrics"
	// MetricsServiceLabel marks the metrics Service (value: Pods.Name), which a ServiceMonitor selects by it.
	MetricsServiceLabel = "tunnelgate.dev/metrics"
	// HAConnectionsMetric is cloudflared's gauge of its open edge connections (4 when healthy, 0 when the
	// connector has no edge connection: it then answers 503 on /ready).
	HAConnectionsMetric = "cloudflared_tunnel_ha_connections"
	// AlertFor is how long a condition of the example alert rules must hold before they fire.
	AlertFor = "2m"
	// AlertNoEdgeConnection fires for a connector without an edge connection (severity warning).
	AlertNoEdgeConnection = "CloudflaredConnectorNoEdgeConnection"
	// AlertTunnelDown fires when no connector of the workload has an edge connection, or none is scraped
	// (severity critical): every hostname of the tunnel served only by these connectors fails (error 1033).
	AlertTunnelDown = "CloudflaredTunnelDown"
)

// monitoringAPIVersion is the API of PodMonitor, ServiceMonitor and PrometheusRule.
const monitoringAPIVersion = "monitoring.coreos.com/v1"

// Metrics publishes cloudflared's Prometheus metrics: a Service on the metrics port, a PodMonitor or
// ServiceMonitor for a Prometheus operator when asked, and example alert rules (a PrometheusRule) when
// asked. The network policy must let the scraper in (network.Settings.Metrics): with a monitor the pods
// are reported as scraped (network.Pods.Scraped), which the policy checks.
type Metrics struct {
	// Monitor is PodMonitor, ServiceMonitor, or empty for the Service alone.
	Monitor string `pulumi:"monitor,optional"`
	// Labels are added to the monitor and the rules: what the Prometheus resource's podMonitorSelector,
	// serviceMonitorSelector and ruleSelector match (kube-prometheus-stack: {"release": "<its Helm release>"}).
	Labels map[string]string `pulumi:"labels,optional"`
	// Interval is the scrape interval, a Prometheus duration ("30s", "1m"). Default DefaultScrapeInterval.
	Interval string `pulumi:"interval,optional"`
	// Alerts adds a PrometheusRule with the example alerts AlertNoEdgeConnection and AlertTunnelDown on
	// HAConnectionsMetric (see the package doc). Only with a Monitor: without one nothing is scraped.
	Alerts bool `pulumi:"alerts,optional"`
}

// promDuration is the pattern of a Prometheus duration, as the monitoring.coreos.com CRDs check it.
var promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

func (m Metrics) withDefaults() Metrics {
	if m.Interval == "" {
		m.Interval = DefaultScrapeInterval
	}
	return m
}

// validate checks m (after defaults) under "metrics."; selector are the pods' selector labels, which the
// labels may not change.
func (m Metrics) validate(es *check.Errors, selector map[string]string) {
	const f = "metrics."
	oneOf(es, f+"monitor", m.Monitor, []string{PodMonitor, ServiceMonitor})
	if !promDuration.MatchString(m.Interval) || m.Interval == "0" {
		es.Add(f+"interval", m.Interval, "not a Prometheus duration such as \"30s\" or \"1m\"")
	}
	es.Labels(f+"labels", m.Labels)
	for _, k := range sortedKeys(m.Labels) {
		if v, ok := selector[k]; ok && m.Labels[k] != v {
			es.Add(check.Join(f+"labels", k), m.Labels[k], "is a selector label (%q) of the pods", v)
		}
	}
	if len(m.Labels) > 0 && m.Monitor == "" {
		es.Add(f+"labels", m.Labels, "only with a monitor or alerts: they are what a Prometheus operator selects monitors and rules by")
	}
	if m.Alerts && m.Monitor == "" {
		es.Add(f+"alerts", true, "needs metrics.monitor: without a monitor nothing is scraped, and %s would fire at once", AlertTunnelDown)
	}
}

// The monitoring.coreos.com/v1 specs tunnelgate emits, as typed values with the CRDs' field names.
type (
	monSelector struct {
		MatchLabels map[string]string `pulumi:"matchLabels"`
	}
	monEndpoint struct {
		Port     string `pulumi:"port"`
		Path     string `pulumi:"path"`
		Interval string `pulumi:"interval"`
	}
	podMonitorSpec struct {
		Selector            monSelector   `pulumi:"selector"`
		PodMetricsEndpoints []monEndpoint `pulumi:"podMetricsEndpoints"`
	}
	serviceMonitorSpec struct {
		Selector  monSelector   `pulumi:"selector"`
		Endpoints []monEndpoint `pulumi:"endpoints"`
	}
	ruleSpec struct {
		Groups []ruleGroup `pulumi:"groups"`
	}
	ruleGroup struct {
		Name  string `pulumi:"name"`
		Rules []rule `pulumi:"rules"`
	}
	rule struct {
		Alert       string            `pulumi:"alert"`
		Expr        string            `pulumi:"expr"`
		For         string            `pulumi:"for"`
		Labels      map[string]string `pulumi:"labels"`
		Annotations map[string]string `pulumi:"annotations"`
	}
)

// metricsInput is what publishMetrics needs, after validation.
type metricsInput struct {
	name      string // component name
	namespace pulumi.StringInput
	pods      Pods
	selector  map[string]string
	labels    map[string]string // the objects' labels
	port      int
	metrics   Metrics
}

// publishMetrics registers the metrics Service, the monitor and the rules into out.
func publishMetrics(ctx *pulumi.Context, opts []pulumi.ResourceOption, in metricsInput, out *Workload) error {
	m := in.metrics
	service := in.pods.Name + "-metrics"
	svcLabels := map[string]string{MetricsServiceLabel: in.pods.Name}
	for k, v := range in.labels {
		svcLabels[k] = v
	}
	var err error
	out.MetricsService, err = corev1.NewService(ctx, in.name+"-metrics", &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(service), Namespace: in.namespace, Labels: pulumi.ToStringMap(svcLabels)},
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: pulumi.ToStringMap(in.selector),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String(MetricsPortName), Port: pulumi.Int(in.port), TargetPort: pulumi.String(MetricsPortName), Protocol: pulumi.String("TCP"),
			}},
		},
	}, opts...)
	if err != nil || m.Monitor == "" {
		return err
	}
	objLabels := map[string]string{}
	for _, l := range []map[string]string{in.labels, m.Labels} {
		for k, v := range l {
			objLabels[k] = v
		}
	}
	meta := metav1.ObjectMetaArgs{Name: pulumi.String(in.pods.Name), Namespace: in.namespace, Labels: pulumi.ToStringMap(objLabels)}
	endpoint := []monEndpoint{{Port: MetricsPortName, Path: MetricsPath, Interval: m.Interval}}
	var spec any = podMonitorSpec{Selector: monSelector{MatchLabels: in.selector}, PodMetricsEndpoints: endpoint}
	role, job := "podmonitor", func(ns string) string { return ns + "/" + in.pods.Name } // the operator's job label
	if m.Monitor == ServiceMonitor {
		spec = serviceMonitorSpec{Selector: monSelector{MatchLabels: map[string]string{MetricsServiceLabel: in.pods.Name}}, Endpoints: endpoint}
		role, job = "servicemonitor", func(string) string { return service }
	}
	out.Monitor, err = apiextensions.NewCustomResource(ctx, in.name+"-"+role, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(monitoringAPIVersion), Kind: pulumi.String(m.Monitor), Metadata: meta,
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, append(opts[:len(opts):len(opts)], pulumi.DependsOn([]pulumi.Resource{out.MetricsService}))...)
	if err != nil || !m.Alerts {
		return err
	}
	var rules any
	if ns, ok := literal.String(in.namespace); ok {
		rules = alertRules(in.pods.Name, ns, job(ns))
	} else {
		rules = in.namespace.ToStringOutput().ApplyT(func(ns string) ruleSpec { return alertRules(in.pods.Name, ns, job(ns)) })
	}
	out.AlertRules, err = apiextensions.NewCustomResource(ctx, in.name+"-rules", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(monitoringAPIVersion), Kind: pulumi.String("PrometheusRule"), Metadata: meta,
		OtherFields: kubernetes.UntypedArgs{"spec": rules},
	}, opts...)
	return err
}

// alertRules are the example alerts for the connectors named name in namespace ns, scraped as job.
func alertRules(name, ns, job string) ruleSpec {
	series := fmt.Sprintf(`%s{namespace=%q, job=%q}`, HAConnectionsMetric, ns, job)
	return ruleSpec{Groups: []ruleGroup{{
		Name: "tunnelgate-cloudflared-" + name,
		Rules: []rule{{
			Alert:  AlertNoEdgeConnection,
			Expr:   series + " < 1",
			For:    AlertFor,
			Labels: map[string]string{"severity": "warning"},
			Annotations: map[string]string{
				"summary":     "cloudflared connector {{ $labels.pod }} has no connection to Cloudflare's edge",
				"description": fmt.Sprintf("%s of {{ $labels.namespace }}/{{ $labels.pod }} has been 0 for %s: the connector serves no request (its /ready answers 503). Check its logs, DNS and egress to the edge on port 7844.", HAConnectionsMetric, AlertFor),
			},
		}, {
			Alert:  AlertTunnelDown,
			Expr:   fmt.Sprintf("sum(%s) < 1 or absent(%s)", series, series),
			For:    AlertFor,
			Labels: map[string]string{"severity": "critical"},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("no connector of %s/%s has an edge connection", ns, name),
				"description": fmt.Sprintf("For %s no cloudflared of %s/%s has had a connection to Cloudflare's edge (or none was scraped): hostnames served only by these connectors answer with error 1033.", AlertFor, ns, name),
			},
		}},
	}}}
}
