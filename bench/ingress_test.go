package bench

import (
	"strconv"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/tunnel"
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
			Vault: &tunnel.VaultSecret{Path: p.VaultPath},
		},
		Namespace: pulumi.String(p.Namespace),
		App: &tunnelgate.App{Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:  pulumi.String("app"),
			Image: pulumi.String(p.AppImage),
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(p.AppPort)}},
		}}},
		Token: workload.TokenSource{Vault: &workload.VaultToken{Role: p.VaultRole}},
	})
	return err
}
