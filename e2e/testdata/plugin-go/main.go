// Command plugin-go is examples/inpod written against the Go SDK that `pulumi package gen-sdk --language
// go` generates from tunnelgate's plugin: the Ingress is a remote component, constructed by the plugin
// process, where examples/inpod calls the library in its own. BenchmarkPlugin builds it in a module of
// its own beside the generated SDK and compares the two; the stack config keys are the quickstart's.
package main

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate"
	"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/sdk/go/tunnelgate/workload"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "tunnelgate")
		namespace, hostname := cfg.Require("namespace"), cfg.Require("hostname")
		port := 4000
		ns, err := corev1.NewNamespace(ctx, "namespace", &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(namespace)},
		})
		if err != nil {
			return err
		}
		service, path, cilium := fmt.Sprintf("http://localhost:%d", port), namespace+"/web/cloudflared", "cilium"
		_, err = tunnelgate.NewIngress(ctx, "web", &tunnelgate.IngressArgs{
			Namespace: ns.Metadata.Name().Elem(),
			Tunnel: tunnel.ArgsArgs{
				AccountId: pulumi.String(cfg.Require("accountId")),
				ZoneId:    pulumi.StringPtr(cfg.Require("zoneId")),
				Routes:    []tunnel.RouteArgs{{Hostname: &hostname, Service: &service}},
				Vault:     &vaultkv.LocationArgs{Path: path},
			},
			App: &tunnelgate.AppArgs{
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:  pulumi.String("app"),
					Image: pulumi.String(cfg.Require("appImage")),
					Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(port)}},
				}},
			},
			Token:         tunnelgate.TokenArgs{Vault: &workload.VaultAgentArgs{}},
			NetworkPolicy: &network.SettingsArgs{Kind: &cilium},
		})
		return err
	})
}
