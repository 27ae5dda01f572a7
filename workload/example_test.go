package workload_test

import (
	"fmt"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// Own pod: two cloudflared replicas in "apps", the token rendered by the Vault Agent Injector.
func ExampleNewConnector() {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		c, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace: pulumi.String("apps"),
			TunnelID:  pulumi.String("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"),
			Token:     workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "cloudflared"}, Secret: vaultkv.Location{Path: "prod/web/cloudflared"}}},
			Pods:      &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "cloudflared", Create: true}},
		})
		if err == nil {
			fmt.Println("selector:", c.SelectorLabels, "metrics port:", c.MetricsPort)
		}
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	// Output:
	// selector: map[app.kubernetes.io/instance:edge app.kubernetes.io/name:cloudflared] metrics port: 2000
	// tunnelgate:workload:Connector edge
	//   kubernetes:apps/v1:Deployment edge-deployment
	//   kubernetes:core/v1:ServiceAccount edge-serviceaccount
	//   kubernetes:policy/v1:PodDisruptionBudget edge-pdb
}

// Sidecar layout: the app's Deployment with cloudflared next to it (ingress rules use localhost),
// the token from an existing Kubernetes Secret.
func ExampleNewApp() {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := workload.NewApp(ctx, "web", &workload.AppArgs{
			Namespace: pulumi.String("apps"),
			Token:     workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("cloudflared-token")}},
			Containers: corev1.ContainerArray{corev1.ContainerArgs{
				Name:  pulumi.String("web"),
				Image: pulumi.String("nginxinc/nginx-unprivileged:1.29.1"),
				Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(8080)}},
			}},
		})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := dryrun.Plain(res.Get("kubernetes:apps/v1:Deployment", "web-deployment").Inputs)["spec"].(map[string]any)
	for _, c := range spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any) {
		fmt.Println(c.(map[string]any)["name"])
	}
	// Output:
	// web
	// cloudflared
}

// The parts, for pod specs built by hand: the container's command line carries a file path, never
// the token.
func ExampleSidecar() {
	parts, err := workload.Sidecar(workload.SidecarArgs{
		Token: workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "cloudflared"}, Secret: vaultkv.Location{Path: "prod/web/cloudflared"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parts.VolumeNames[:2], parts.MetricsPort, parts.TerminationGracePeriodSeconds)
	// Output:
	// [cloudflared-tmp vault-sa-token] 2000 45
}

// The template the agent renders: exactly the token, no trailing newline.
func ExampleVaultToken_Template() {
	v := workload.VaultToken{Agent: workload.VaultAgent{Role: "cloudflared"}, Secret: vaultkv.Location{Path: "prod/web/cloudflared"}}
	fmt.Println(v.ReadPath())
	fmt.Println(v.Template())
	// Output:
	// secret/data/prod/web/cloudflared
	// {{- with secret "secret/data/prod/web/cloudflared" -}}{{ .Data.data.tunnel_token }}{{- end -}}
}

// Bad input is reported field by field, before anything is registered.
func ExampleConnectorArgs_Validate() {
	zero := 0
	args := workload.ConnectorArgs{
		Namespace: pulumi.String("apps"),
		Token:     workload.TokenSource{Vault: &workload.VaultToken{Secret: vaultkv.Location{Path: "secret/data/prod"}}},
		Pods:      &workload.Pods{MaxUnavailable: &zero},
	}
	for _, line := range strings.Split(args.Validate().Error(), "\n") {
		fmt.Println(line)
	}
	// Output:
	// tunnelgate:workload:Connector: invalid arguments
	//   - pods.maxUnavailable 0: must be at least 1: a budget that never allows an eviction makes node drains hang
	//   - token.vault.secret.path "secret/data/prod": give the path without the mount "secret": the secret would be read at secret/data/secret/data/prod
	//   - token.vault.agent.role "": must be a Vault role name (letters, digits, . _ @ -): the agent cannot log in without one
}
