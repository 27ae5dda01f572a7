package tunnelgate_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/workload"
)

// runIngress runs NewIngress named "web" with args and fails the test on an error.
func runIngress(t *testing.T, args *tunnelgate.IngressArgs) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIssue18PrivateRoutesReachThePolicy: the tunnel's private ranges are what the policy allows egress
// to, in both policy kinds, and warp routing is on; without them neither appears.
func TestIssue18PrivateRoutesReachThePolicy(t *testing.T) {
	private := func() *tunnelgate.IngressArgs {
		a := ownPodArgs()
		a.Tunnel.PrivateNetwork = &tunnel.PrivateNetwork{
			VirtualNetworks: []tunnel.VirtualNetwork{{Name: "lab"}},
			Routes:          []tunnel.PrivateRoute{{CIDR: "192.168.10.0/24"}, {CIDR: "2001:db8:1::/48", VirtualNetwork: "lab"}},
		}
		a.NetworkPolicy.ClusterCIDRs = []string{"10.96.0.0/12", "10.244.0.0/16"}
		return a
	}
	cidrSet := []any{map[string]any{"cidr": "192.168.10.0/24"}, map[string]any{"cidr": "2001:db8:1::/48"}}

	res := runIngress(t, private())
	egress := path(dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs), "spec", "egress").([]any)
	if last := egress[len(egress)-1]; !reflect.DeepEqual(last, map[string]any{"toCIDRSet": cidrSet}) {
		t.Errorf("last egress rule %v, want exactly the private ranges on every port", last)
	}
	if got := path(dryrun.Plain(res.Must(t, tConfig, "web-config").Inputs), "config", "warpRouting"); !reflect.DeepEqual(got, map[string]any{"enabled": true}) {
		t.Errorf("warpRouting %v", got)
	}
	if n := len(res.OfType(tunnel.RouteType)); n != 2 {
		t.Errorf("%d routes", n)
	}

	fallback := private()
	fallback.NetworkPolicy.Kind = network.KindKubernetes
	res = runIngress(t, fallback)
	egress = path(dryrun.Plain(res.Must(t, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-netpol").Inputs), "spec", "egress").([]any)
	want := map[string]any{"to": []any{
		map[string]any{"ipBlock": map[string]any{"cidr": "192.168.10.0/24"}},
		map[string]any{"ipBlock": map[string]any{"cidr": "2001:db8:1::/48"}},
	}}
	if last := egress[len(egress)-1]; !reflect.DeepEqual(last, want) {
		t.Errorf("last egress rule %v, want %v", last, want)
	}

	res = runIngress(t, ownPodArgs())
	for _, e := range path(dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs), "spec", "egress").([]any) {
		if path(e, "toCIDRSet") != nil {
			t.Errorf("egress by CIDR %v without private routes", e)
		}
	}
}

// TestIssue18ScalingAndWatching: an own-pod connector that scales and is watched: the autoscaler, the
// metrics Service, the PodMonitor and the rules under the Connector, and the policy letting exactly the
// scraper in, on the metrics port.
func TestIssue18ScalingAndWatching(t *testing.T) {
	a := ownPodArgs()
	a.Connector.Autoscaling = &workload.Autoscaling{MaxReplicas: 6}
	a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"release": "prom"}, Alerts: true}
	a.NetworkPolicy.Metrics = &network.Peer{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}}
	res := runIngress(t, a)
	want := `tunnelgate:workload:Connector web
  kubernetes:apps/v1:Deployment web-deployment
  kubernetes:autoscaling/v2:HorizontalPodAutoscaler web-hpa
  kubernetes:core/v1:Service web-metrics
  kubernetes:core/v1:ServiceAccount web-serviceaccount
  kubernetes:monitoring.coreos.com/v1:PodMonitor web-podmonitor
  kubernetes:monitoring.coreos.com/v1:PrometheusRule web-rules
  kubernetes:policy/v1:PodDisruptionBudget web-pdb
`
	var b strings.Builder
	conn := res.Must(t, workload.ConnectorType, "web")
	fmt.Fprintf(&b, "%s %s\n", conn.Type, conn.Name)
	kids := res.Children(conn.URN)
	sort.Slice(kids, func(i, j int) bool { return kids[i].Type < kids[j].Type })
	for _, k := range kids {
		fmt.Fprintf(&b, "  %s %s\n", k.Type, k.Name)
	}
	if b.String() != want {
		t.Errorf("connector:\n%s\nwant:\n%s", b.String(), want)
	}
	ingress := path(dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs), "spec", "ingress")
	wantIngress := []any{map[string]any{
		"fromEndpoints": []any{map[string]any{"matchLabels": map[string]any{
			"k8s:io.kubernetes.pod.namespace": "monitoring", "k8s:app.kubernetes.io/name": "prometheus"}}},
		"toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "2000", "protocol": "TCP"}}}},
	}}
	if !reflect.DeepEqual(ingress, wantIngress) {
		t.Errorf("policy ingress %v, want only the scraper on the metrics port", ingress)
	}
	if r := path(dryrun.Plain(res.Must(t, tDeployment, "web-deployment").Inputs), "spec", "replicas"); r != nil {
		t.Errorf("replicas %v with an autoscaler", r)
	}
}
