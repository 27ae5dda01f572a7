// Package component is the tunnelgate side of the benchmarks: what a user of tunnelgate writes for the
// deployment bench.Params describes (an app with cloudflared as a sidecar, the token from Vault, a
// CiliumNetworkPolicy). It lives apart from package bench so that bench (the hand-written side) stays
// free of the library; bench's TestEquivalent requires both sides to register the same resources.
package component

import (
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/bench"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// Ingress registers p with tunnelgate.NewIngress.
func Ingress(ctx *pulumi.Context, p bench.Params) error {
	routes := make([]tunnel.Route, len(p.Hostnames))
	for i, h := range p.Hostnames {
		routes[i] = tunnel.Route{Hostname: h, Service: "http://localhost:" + strconv.Itoa(p.AppPort)}
	}
	_, err := tunnelgate.NewIngress(ctx, p.Name, &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String(p.AccountID), ZoneID: pulumi.String(p.ZoneID), Routes: routes,
			Vault: &vaultkv.Location{Path: p.VaultPath},
		},
		Namespace: pulumi.String(p.Namespace),
		App:       tunnelgate.ContainerApp("app", p.AppImage, p.AppPort),
		Token:     tunnelgate.Token{Vault: &workload.VaultAgent{Role: p.VaultRole}},
	})
	return err
}
