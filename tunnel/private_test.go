package tunnel_test

import (
	"crypto/md5"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

const (
	tVnet  = tunnel.VirtualNetworkType
	tRoute = tunnel.RouteType
)

// privateArgs is baseArgs with a private network: one range in the account's default virtual network,
// one in each of two virtual networks created with the tunnel, one of them IPv6.
func privateArgs() *tunnel.Args {
	a := baseArgs()
	a.PrivateNetwork = &tunnel.PrivateNetwork{
		VirtualNetworks: []tunnel.VirtualNetwork{{Name: "prod", Comment: "production"}, {Name: "staging"}},
		Routes: []tunnel.PrivateRoute{
			{CIDR: "10.20.0.0/16", Comment: "office"},
			{CIDR: "172.16.0.0/12", VirtualNetwork: "prod"},
			{CIDR: "2001:db8:1::/48", VirtualNetwork: "staging", Comment: "lab"},
		},
	}
	return a
}

func TestPrivateNetwork(t *testing.T) {
	res := run(t, privateArgs())
	comp := res.Must(t, tunnel.Type, "edge")
	tun := res.Must(t, tTunnel, "edge-tunnel")
	config := res.Must(t, tConfig, "edge-config")

	// Warp routing: cloudflared forwards private traffic only with it on.
	if got := plain(config)["config"].(map[string]any)["warpRouting"]; !reflect.DeepEqual(got, map[string]any{"enabled": true}) {
		t.Errorf("warpRouting %v, want enabled", got)
	}

	vnetIDs := map[string]string{}
	for _, want := range []struct{ name, comment string }{{"prod", "production"}, {"staging", ""}} {
		v := res.Must(t, tVnet, "edge-vnet-"+want.name)
		in := map[string]any{"accountId": account, "name": want.name}
		if want.comment != "" {
			in["comment"] = want.comment
		}
		if got := plain(v); !reflect.DeepEqual(got, in) {
			t.Errorf("%s inputs %v, want %v", v.Name, got, in)
		}
		if v.Parent != comp.URN || v.DeleteBeforeReplace {
			t.Errorf("%s: parent %s deleteBeforeReplace %v", v.Name, v.Parent, v.DeleteBeforeReplace)
		}
		vnetIDs[want.name] = v.ID
	}

	for _, want := range []struct{ name, cidr, comment, vnet, id string }{
		{"edge-route-10.20.0.0/16", "10.20.0.0/16", "office", "", "10.20.0.0/16"},
		{"edge-route-172.16.0.0/12", "172.16.0.0/12", "", "prod", ""},
		{"edge-route-2001-db8-1--/48", "2001:db8:1::/48", "lab", "staging", ""},
	} {
		r := res.Must(t, tRoute, want.name)
		in := map[string]any{"accountId": account, "tunnelId": tun.ID, "network": want.cidr}
		if want.comment != "" {
			in["comment"] = want.comment
		}
		id := want.id
		if want.vnet != "" {
			in["virtualNetworkId"] = vnetIDs[want.vnet]
			id = fmt.Sprintf("%x", md5.Sum([]byte(want.cidr+"/"+vnetIDs[want.vnet])))
		}
		if got := plain(r); !reflect.DeepEqual(got, in) {
			t.Errorf("%s inputs %v, want %v", r.Name, got, in)
		}
		if r.ID != id {
			t.Errorf("%s id %q, want %q (terraform-provider-cloudflare's)", r.Name, r.ID, id)
		}
		if r.Name != tunnel.RouteName("edge", want.cidr) || r.Parent != comp.URN {
			t.Errorf("%s: RouteName %s, parent %s", r.Name, tunnel.RouteName("edge", want.cidr), r.Parent)
		}
		// After the configuration that enables warp routing (as the DNS records: a rotation moves a route
		// to the new tunnel only once it is configured), and after its virtual network.
		if !slices.Contains(r.Dependencies, config.URN) || !slices.Contains(r.Dependencies, tun.URN) {
			t.Errorf("%s depends on %v, want the tunnel and its configuration", r.Name, r.Dependencies)
		}
		if want.vnet != "" && !slices.Contains(r.Dependencies, res.Must(t, tVnet, "edge-vnet-"+want.vnet).URN) {
			t.Errorf("%s does not depend on its virtual network", r.Name)
		}
	}
	if got := plain(res.Must(t, tSink, "sink"))["virtualNetworkIds"]; !reflect.DeepEqual(got, map[string]any{"prod": vnetIDs["prod"], "staging": vnetIDs["staging"]}) {
		t.Errorf("virtualNetworkIds output %v", got)
	}
	if got, want := privateArgs().PrivateCIDRs(), []string{"10.20.0.0/16", "172.16.0.0/12", "2001:db8:1::/48"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PrivateCIDRs() %v, want %v", got, want)
	}
}

func TestNoPrivateNetwork(t *testing.T) {
	res := run(t, baseArgs())
	if got := plain(res.Must(t, tConfig, "edge-config"))["config"].(map[string]any)["warpRouting"]; got != nil {
		t.Errorf("warpRouting %v without a private network", got)
	}
	if n := len(res.OfType(tRoute)) + len(res.OfType(tVnet)); n != 0 {
		t.Errorf("%d routes and virtual networks without a private network", n)
	}
	if got := plain(res.Must(t, tSink, "sink"))["virtualNetworkIds"]; !reflect.DeepEqual(got, map[string]any{}) {
		t.Errorf("virtualNetworkIds %v", got)
	}
	if got := baseArgs().PrivateCIDRs(); got != nil {
		t.Errorf("PrivateCIDRs() %v", got)
	}
}

// TestPrivateNetworkRotation: a rotation keeps every route and virtual network (same URNs: the routes
// are updated in place, tunnel_id is not ForceNew) and points the routes at the new tunnel.
func TestPrivateNetworkRotation(t *testing.T) {
	gen := func(rotation string) *dryrun.Result {
		a := privateArgs()
		a.Rotation = rotation
		return run(t, a)
	}
	old, next := gen(""), gen("2026-12")
	for _, res := range []*dryrun.Result{old, next} {
		id := res.Must(t, tTunnel, "edge-tunnel").ID
		for _, r := range res.OfType(tRoute) {
			if got := plain(&r)["tunnelId"]; got != id {
				t.Errorf("%s points at %v, want its tunnel %s", r.Name, got, id)
			}
		}
	}
	if old.Must(t, tTunnel, "edge-tunnel").ID == next.Must(t, tTunnel, "edge-tunnel").ID {
		t.Fatal("rotation kept the tunnel")
	}
	for _, typ := range []string{tRoute, tVnet} {
		for _, r := range old.OfType(typ) {
			if n := next.Get(typ, r.Name); n == nil || n.URN != r.URN {
				t.Errorf("%s: not kept across the rotation", r.URN)
			} else if typ == tVnet && n.ID != r.ID {
				t.Errorf("%s: virtual network replaced", r.Name)
			}
		}
	}
}

func TestPrivateNetworkPreview(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnel(ctx, "edge", privateArgs())
		return err
	}, dryrun.Preview())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.OfType(tRoute)); n != 3 {
		t.Errorf("%d routes in preview", n)
	}
}
