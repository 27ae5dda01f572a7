package bench

import (
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// ingress is the component side of p: what a user of tunnelgate writes.
func ingress(ctx *pulumi.Context, p Params) error {
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
