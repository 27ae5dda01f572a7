package tunnelgate_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
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
