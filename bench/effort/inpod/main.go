// Command inpod is the seed's in-pod setup as a user writes it with tunnelgate, complete and with
// nothing hidden in helpers: one app with cloudflared as a sidecar reaching it on localhost, the
// tunnel and its DNS record, the token in Vault and read by the Vault Agent Injector, a
// CiliumNetworkPolicy. benchtable counts its non-blank, non-comment lines (the whole file) for the
// user-effort row; bench's TestEffortProgram checks that it registers what the seed needs.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

func main() { pulumi.Run(Program) }

// Program registers the in-pod setup.
func Program(ctx *pulumi.Context) error {
	_, err := tunnelgate.NewIngress(ctx, "web", &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes:    []tunnel.Route{{Hostname: "app0.example.com", Service: "http://localhost:4000"}},
			Vault:     &vaultkv.Location{Path: "apps/web/cloudflared"},
		},
		Namespace: pulumi.String("apps"),
		App:       tunnelgate.ContainerApp("app", "ghcr.io/example/web:1.0.0", 4000),
		Token:     tunnelgate.Token{Vault: &workload.VaultAgent{Role: "web"}},
	})
	return err
}
