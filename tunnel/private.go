package tunnel

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Fixed values of private networks.
const (
	// MaxRouteComment is the most characters Cloudflare accepts in a route's comment.
	MaxRouteComment = 100
	// VirtualNetworkType and RouteType are the Pulumi types of the private network's children.
	VirtualNetworkType = "cloudflare:index/zeroTrustTunnelVirtualNetwork:ZeroTrustTunnelVirtualNetwork"
	// RouteType is the Pulumi type of a private route child.
	RouteType = "cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute"
)

// PrivateNetwork makes the tunnel a path into a private network for Cloudflare One clients (WARP):
// Cloudflare sends their traffic for Routes to this tunnel, and cloudflared forwards it from the pods it
// runs in to the addresses themselves, on any port and protocol. The tunnel's configuration gets warp
// routing enabled (cloudflared does not forward private traffic otherwise).
type PrivateNetwork struct {
	// Routes are the address ranges the tunnel serves. At least one; no two may share addresses (the
	// connector reaches one network, whatever virtual network a route is in).
	Routes []PrivateRoute `pulumi:"routes"`
	// VirtualNetworks are created with the tunnel (one ZeroTrustTunnelVirtualNetwork each) for routes to
	// name: a Cloudflare One client picks one virtual network and reaches the routes in it. Names are unique
	// per account. Routes that name none are in the account's default virtual network.
	VirtualNetworks []VirtualNetwork `pulumi:"virtualNetworks,optional"`
}

// PrivateRoute is one address range served by the tunnel (a ZeroTrustTunnelRoute).
type PrivateRoute struct {
	// CIDR is the range, written as Cloudflare stores it: "10.20.0.0/16", "2001:db8:1::/48" (no bits after
	// the prefix length, IPv6 in lower case and shortest form). The network policy allows egress to it.
	CIDR string `pulumi:"cidr"`
	// Comment describes the route in Cloudflare (at most MaxRouteComment characters).
	Comment string `pulumi:"comment,optional"`
	// VirtualNetwork is the Name of one of PrivateNetwork.VirtualNetworks; empty: the account's default
	// virtual network.
	VirtualNetwork string `pulumi:"virtualNetwork,optional"`
}

// VirtualNetwork is a virtual network created with the tunnel (a ZeroTrustTunnelVirtualNetwork).
type VirtualNetwork struct {
	// Name is the name clients pick; unique per account. Letters, digits, '.', '_' and '-', starting with a
	// letter or digit (it is part of the child's Pulumi name).
	Name string `pulumi:"name"`
	// Comment describes the virtual network in Cloudflare.
	Comment string `pulumi:"comment,optional"`
}

// VirtualNetworkName is the Pulumi name of the virtual network named vnet of the component named
// component: "<component>-vnet-<vnet>".
func VirtualNetworkName(component, vnet string) string { return component + "-vnet-" + vnet }

// RouteName is the Pulumi name of the route for cidr of the component named component:
// "<component>-route-<cidr>" with the colons of an IPv6 range as dashes ("edge-route-10.0.0.0/8",
// "edge-route-2001-db8--/32"): "::" separates the parts of a URN.
func RouteName(component, cidr string) string {
	return component + "-route-" + strings.ReplaceAll(cidr, ":", "-")
}

// PrivateCIDRs returns the CIDRs of the private routes in route order, or nil: the destinations the
// connector forwards private traffic to, which a network policy must allow (network.Routes.PrivateCIDRs).
func (a *Args) PrivateCIDRs() []string {
	if a.PrivateNetwork == nil {
		return nil
	}
	out := make([]string, len(a.PrivateNetwork.Routes))
	for i, r := range a.PrivateNetwork.Routes {
		out[i] = r.CIDR
	}
	return out
}

// validatePrivate checks the private network: each CIDR canonical, no two routes sharing addresses,
// comments Cloudflare accepts, virtual networks named once and the routes' virtual networks declared.
func validatePrivate(es *check.Errors, p *PrivateNetwork) {
	if p == nil {
		return
	}
	const f = "privateNetwork"
	if len(p.Routes) == 0 {
		es.Add(f+".routes", nil, "at least one route is required: a private network without routes sends nothing to the tunnel")
	}
	vnets := make(map[string]int, len(p.VirtualNetworks))
	for i, v := range p.VirtualNetworks {
		field := check.Index(f+".virtualNetworks", i)
		if !nameRe.MatchString(v.Name) {
			es.Add(field+".name", v.Name, "takes letters, digits, '.', '_' and '-', starting with a letter or digit")
			continue
		}
		if j, ok := vnets[v.Name]; ok {
			es.Add(field+".name", v.Name, "clashes with virtualNetworks[%d]: virtual network names are unique per account, Cloudflare would refuse the second", j)
			continue
		}
		vnets[v.Name] = i
	}
	prefixes := make([]netip.Prefix, len(p.Routes))
	for i, r := range p.Routes {
		field := check.Index(f+".routes", i)
		if pr, ok := es.CIDR(field+".cidr", r.CIDR); ok {
			if pr.String() != r.CIDR {
				es.Add(field+".cidr", r.CIDR, "write it as %s: Cloudflare stores that form, any other would show as a change on every refresh", pr)
			} else {
				prefixes[i] = pr
			}
		}
		if n := utf8.RuneCountInString(r.Comment); n > MaxRouteComment {
			es.Add(field+".comment", r.Comment, "%d characters: Cloudflare accepts at most %d", n, MaxRouteComment)
		}
		if r.VirtualNetwork != "" {
			if _, ok := vnets[r.VirtualNetwork]; !ok {
				es.Add(field+".virtualNetwork", r.VirtualNetwork, "not one of privateNetwork.virtualNetworks: name a virtual network declared there, or leave it empty for the account's default")
			}
		}
	}
	for _, o := range check.Overlaps(prefixes) {
		es.Add(check.Index(f+".routes", o.Index)+".cidr", p.Routes[o.Index].CIDR,
			"shares addresses with routes[%d] (%s): the connector forwards both to the one network it runs in, so one route is redundant or ambiguous", o.Other, p.Routes[o.Other].CIDR)
	}
}

// private registers the virtual networks and the routes of the private network, when set. The routes
// wait for the tunnel's configuration (opts), which enables warp routing, like the DNS records.
func (b *builder) private(opts []pulumi.ResourceOption) error {
	p := b.d.PrivateNetwork
	if p == nil {
		return nil
	}
	ids := make(map[string]pulumi.StringOutput, len(p.VirtualNetworks))
	for _, v := range p.VirtualNetworks {
		vn, err := cloudflare.NewZeroTrustTunnelVirtualNetwork(b.ctx, VirtualNetworkName(b.name, v.Name), &cloudflare.ZeroTrustTunnelVirtualNetworkArgs{
			AccountId: b.accountID,
			Name:      pulumi.String(v.Name),
			Comment:   optString(v.Comment),
		}, b.child...)
		if err != nil {
			return err
		}
		ids[v.Name] = vn.ID().ToStringOutput()
		b.comp.Children = append(b.comp.Children, vn)
	}
	for _, r := range p.Routes {
		args := &cloudflare.ZeroTrustTunnelRouteArgs{
			AccountId: b.accountID,
			TunnelId:  b.tunnelID,
			Network:   pulumi.String(r.CIDR),
			Comment:   optString(r.Comment),
		}
		if r.VirtualNetwork != "" {
			args.VirtualNetworkId = ids[r.VirtualNetwork]
		}
		route, err := cloudflare.NewZeroTrustTunnelRoute(b.ctx, RouteName(b.name, r.CIDR), args, opts...)
		if err != nil {
			return err
		}
		b.comp.Children = append(b.comp.Children, route)
	}
	b.comp.VirtualNetworkIDs = pulumi.ToStringMapOutput(ids)
	return nil
}
