package tunnelgate_test

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// One app, cloudflared as a sidecar reaching it on localhost, the token from Vault: the Ingress also
// creates the Vault side (a policy that reads exactly the token, a Kubernetes auth role bound to the
// pods' own service account, named "<project>-<stack>-<component>") and the service account.
func ExampleNewIngress() {
	program := func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "web", &tunnelgate.IngressArgs{
			Tunnel: tunnel.Args{
				AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
				ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
				Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://localhost:4000"}},
				Vault:     &vaultkv.Location{Path: "apps/web/cloudflared"},
			},
			Namespace: pulumi.String("apps"),
			App:       tunnelgate.ContainerApp("app", "ghcr.io/example/app:1.0", 4000),
			Token:     tunnelgate.Token{Vault: &workload.VaultAgent{}},
		})
		return err
	}
	res, err := dryrun.Run(program, dryrun.Stack("shop", "prod")) // in a real program: pulumi.Run(program)
	fmt.Print(res.Tree(), err, "\n")
	role := dryrun.Plain(res.Get("vault:kubernetes/authBackendRole:AuthBackendRole", "web-role").Inputs)
	fmt.Println("role", role["roleName"], "binds", role["boundServiceAccountNamespaces"], role["boundServiceAccountNames"], "audience", role["audience"])
	// Output:
	// tunnelgate:index:Ingress web
	//   tunnelgate:network:Policy web
	//     kubernetes:cilium.io/v2:CiliumNetworkPolicy web-cnp
	//   tunnelgate:tunnel:Tunnel web
	//     cloudflare:index/record:Record web-dns-app.example.com
	//     cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared web-tunnel
	//     cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig web-config
	//     random:index/randomPassword:RandomPassword web-secret
	//     vault:kv/secretV2:SecretV2 web-vault
	//   tunnelgate:vaultrole:Role web
	//     vault:index/policy:Policy web-policy
	//     vault:kubernetes/authBackendRole:AuthBackendRole web-role
	//   tunnelgate:workload:App web
	//     kubernetes:apps/v1:Deployment web-deployment
	//     kubernetes:core/v1:ServiceAccount web-serviceaccount
	//     kubernetes:policy/v1:PodDisruptionBudget web-pdb
	// <nil>
	// role shop-prod-web binds [apps] [web] audience vault
}

// Vault managed elsewhere: DisableVaultRole creates no policy and role; the agent logs in with the
// role named in Token.Vault.Role, which must exist (see the README's manual form).
func ExampleIngressArgs_disableVaultRole() {
	args := &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://localhost:4000"}},
			Vault:     &vaultkv.Location{Path: "apps/web/cloudflared"},
		},
		Namespace:        pulumi.String("apps"),
		App:              tunnelgate.ContainerApp("app", "ghcr.io/example/app:1.0", 4000),
		Token:            tunnelgate.Token{Vault: &workload.VaultAgent{}},
		DisableVaultRole: true,
	}
	fmt.Println(args.Validate())
	args.Token.Vault.Role = "web"
	fmt.Println(args.Validate())
	// Output:
	// tunnelgate:index:Ingress: invalid arguments: token.vault.role "": must be a Vault role name (letters, digits, . _ @ -): the agent cannot log in without one
	// <nil>
}

// Two Services behind one hostname, cloudflared in a Deployment of its own; the policy lets it reach
// exactly their pods.
func ExampleNewIngress_ownPod() {
	args := &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes: []tunnel.Route{
				{Hostname: "shop.example.com", Path: "^/api/", Service: "http://api.shop.svc.cluster.local:8080"},
				{Hostname: "shop.example.com", Service: "http://web.shop.svc.cluster.local:80"},
			},
		},
		Namespace: pulumi.String("shop"),
		Connector: &workload.Pods{Replicas: pulumi.IntRef(3)},
		Token:     tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("cloudflared-token")}},
		NetworkPolicy: &network.Settings{Origins: []network.Peer{
			{Labels: map[string]string{"app": "api"}, Ports: []network.Port{{Port: 8080}}},
			{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 80}}},
		}},
	}
	fmt.Println(args.Validate())
	// Output: <nil>
}

// Bad input is reported with its path from IngressArgs, before anything is registered.
func ExampleIngressArgs_Validate() {
	args := &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://localhost:99999"}},
		},
		Namespace: pulumi.String("apps"),
		Connector: &workload.Pods{Replicas: pulumi.IntRef(2), MaxUnavailable: pulumi.IntRef(2)},
		Token:     tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("cloudflared-token")}},
	}
	fmt.Println(args.Validate())
	// Output:
	// tunnelgate:index:Ingress: invalid arguments
	//   - tunnel.routes[0].service "http://localhost:99999": port "99999": must be a port number from 1 to 65535
	//   - connector.maxUnavailable 2: must be below replicas (2): a drain could evict every connector at once
}

// ContainerApp is the one-container app; the result is an ordinary *App whose Pods can be shaped.
func ExampleContainerApp() {
	app := tunnelgate.ContainerApp("app", "ghcr.io/example/app:1.0", 4000)
	app.Pods = &workload.Pods{Replicas: pulumi.IntRef(3)}
	c := app.Containers.(corev1.ContainerArray)[0].(corev1.ContainerArgs)
	fmt.Println(c.Name, c.Image, c.Ports.(corev1.ContainerPortArray)[0].(corev1.ContainerPortArgs).ContainerPort, *app.Pods.Replicas)
	// Output: app ghcr.io/example/app:1.0 4000 3
}

// A connector that scales and is watched, and that also serves an office network to Cloudflare One
// (WARP) clients: an autoscaler from 2 to 6 connectors, a PodMonitor that kube-prometheus-stack picks up,
// the example alert rules, and a policy that lets exactly Prometheus in and the connector out to exactly
// the office range.
func ExampleNewIngress_scaledWatchedPrivate() {
	program := func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "shop", &tunnelgate.IngressArgs{
			Tunnel: tunnel.Args{
				AccountID:      pulumi.String("0123456789abcdef0123456789abcdef"),
				ZoneID:         pulumi.String("fedcba9876543210fedcba9876543210"),
				Routes:         []tunnel.Route{{Hostname: "shop.example.com", Service: "http://web.shop.svc.cluster.local:80"}},
				PrivateNetwork: &tunnel.PrivateNetwork{Routes: []tunnel.PrivateRoute{{CIDR: "192.168.10.0/24", Comment: "office"}}},
			},
			Namespace: pulumi.String("shop"),
			Connector: &workload.Pods{Autoscaling: &workload.Autoscaling{MaxReplicas: 6}},
			Token:     tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("cloudflared-token")}},
			Metrics:   &workload.Metrics{Monitor: workload.PodMonitor, Labels: map[string]string{"release": "kube-prometheus-stack"}, Alerts: true},
			NetworkPolicy: &network.Settings{
				Origins:      []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 80}}}},
				Metrics:      &network.Peer{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}},
				ClusterCIDRs: []string{"10.96.0.0/12", "10.244.0.0/16"},
			},
		})
		return err
	}
	res, err := dryrun.Run(program)
	fmt.Print(res.Tree(), err)
	// Output:
	// tunnelgate:index:Ingress shop
	//   tunnelgate:network:Policy shop
	//     kubernetes:cilium.io/v2:CiliumNetworkPolicy shop-cnp
	//   tunnelgate:tunnel:Tunnel shop
	//     cloudflare:index/record:Record shop-dns-shop.example.com
	//     cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared shop-tunnel
	//     cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig shop-config
	//     cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute shop-route-192.168.10.0/24
	//     random:index/randomPassword:RandomPassword shop-secret
	//   tunnelgate:workload:Connector shop
	//     kubernetes:apps/v1:Deployment shop-deployment
	//     kubernetes:autoscaling/v2:HorizontalPodAutoscaler shop-hpa
	//     kubernetes:core/v1:Service shop-metrics
	//     kubernetes:monitoring.coreos.com/v1:PodMonitor shop-podmonitor
	//     kubernetes:monitoring.coreos.com/v1:PrometheusRule shop-rules
	//     kubernetes:policy/v1:PodDisruptionBudget shop-pdb
	// <nil>
}
