package network_test

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
)

// printRules prints the rules of the policy objects a run emitted, one per line.
func printRules(res *dryrun.Result) {
	for _, m := range res.Manifests() {
		spec := m["spec"].(map[string]any)
		fmt.Println(m["kind"], m["metadata"].(map[string]any)["name"])
		for _, dir := range []string{"egress", "ingress"} {
			rules, _ := spec[dir].([]any)
			for _, r := range rules {
				b, _ := json.Marshal(r)
				fmt.Printf("%s %s\n", dir, b)
			}
		}
	}
}

// The connector in pods of its own, on the global edge: DNS for exactly the names cloudflared
// resolves (the route's "web" qualified in the pods' namespace), the edge by name on 7844, the origin's
// pods on their port, and metrics scrapes from the monitoring namespace. In a program, Pods come from
// the workload (workload.Connector's PolicyPods) and Routes from the tunnel's args.
func ExampleNewPolicy() {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := network.NewPolicy(ctx, "edge", &network.Args{
			Pods: network.Pods{
				Namespace: pulumi.String("apps"), Selector: map[string]string{"app": "cloudflared"}, MetricsPort: 2000,
			},
			Routes: network.Routes{OriginHosts: []string{"web"}},
			Settings: &network.Settings{
				Origins: []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}}},
				Metrics: &network.Peer{Namespace: "monitoring"},
			},
		})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	printRules(res)
	// Output:
	// tunnelgate:network:Policy edge
	//   kubernetes:cilium.io/v2:CiliumNetworkPolicy edge-cnp
	// CiliumNetworkPolicy edge-cnp-268a5ba8
	// egress {"toEndpoints":[{"matchLabels":{"k8s:io.kubernetes.pod.namespace":"kube-system","k8s:k8s-app":"kube-dns"}}],"toPorts":[{"ports":[{"port":"53","protocol":"UDP"},{"port":"53","protocol":"TCP"}],"rules":{"dns":[{"matchName":"_v2-origintunneld._tcp.argotunnel.com"},{"matchName":"region1.v2.argotunnel.com"},{"matchName":"region2.v2.argotunnel.com"},{"matchName":"cfd-features.argotunnel.com"},{"matchName":"web.apps.svc.cluster.local"}]}}]}
	// egress {"toFQDNs":[{"matchName":"region1.v2.argotunnel.com"},{"matchName":"region2.v2.argotunnel.com"}],"toPorts":[{"ports":[{"port":"7844","protocol":"TCP"},{"port":"7844","protocol":"UDP"}]}]}
	// egress {"toEndpoints":[{"matchLabels":{"k8s:app":"web"}}],"toPorts":[{"ports":[{"port":"8080","protocol":"TCP"}]}]}
	// ingress {"fromEndpoints":[{"matchLabels":{"k8s:io.kubernetes.pod.namespace":"monitoring"}}],"toPorts":[{"ports":[{"port":"2000","protocol":"TCP"}]}]}
}

// Without Cilium: a NetworkPolicy that allows the FedRAMP edge by address block, and Vault's pods.
func ExampleNewPolicy_fallback() {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := network.NewPolicy(ctx, "edge", &network.Args{
			Pods: network.Pods{
				Namespace: pulumi.String("apps"), Selector: map[string]string{"app": "cloudflared"}, MetricsPort: 2000,
				Vault: &network.VaultClient{}, // a Vault Agent at the injector's default address
			},
			Settings: &network.Settings{
				Kind:   network.KindKubernetes,
				Region: network.RegionFedRAMP,
				Vault:  &network.Peer{Namespace: "vault", Labels: map[string]string{"app.kubernetes.io/name": "vault"}},
			},
		})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	printRules(res)
	// Output:
	// NetworkPolicy edge-netpol-7f5a72b6
	// egress {"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}],"to":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}]}
	// egress {"ports":[{"port":7844,"protocol":"TCP"},{"port":7844,"protocol":"UDP"}],"to":[{"ipBlock":{"cidr":"162.159.234.0/24"}},{"ipBlock":{"cidr":"172.64.234.0/24"}},{"ipBlock":{"cidr":"2a06:98c1:4d::/48"}},{"ipBlock":{"cidr":"2606:4700:f6::/48"}}]}
	// egress {"ports":[{"port":8200,"protocol":"TCP"}],"to":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"vault"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"vault"}}}]}
}

// Errors name the field and the value, and come before anything is registered.
func ExampleArgs_Validate() {
	args := &network.Args{
		Pods: network.Pods{
			Namespace: pulumi.String("apps"), Selector: map[string]string{}, MetricsPort: 2000, Vault: &network.VaultClient{},
		},
		Settings: &network.Settings{
			Origins: []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 80, Protocol: "HTTP"}}}},
			Vault:   &network.Peer{CIDRs: []string{"10.0.0.1/8"}},
		},
	}
	fmt.Println(args.Validate())
	// Output:
	// tunnelgate:network:Policy: invalid arguments
	//   - pods.selector map[]: required: an empty selector would put every pod of the namespace under this policy
	//   - settings.vault.cidrs[0] "10.0.0.1/8": has bits set after the prefix length: did you mean 10.0.0.0/8?
	//   - settings.origins[0].ports[0].protocol "HTTP": must be TCP, UDP or SCTP (upper case)
}

// The names a US-region connector that validates Access JWTs may resolve.
func ExampleArgs_DNSNames() {
	args := &network.Args{
		Pods:   network.Pods{Namespace: pulumi.String("apps"), Region: network.RegionUS},
		Routes: network.Routes{AccessTeams: []string{"acme"}, OriginHosts: []string{"localhost", "web", "api.shop"}},
	}
	for _, n := range args.DNSNames() {
		fmt.Println(n)
	}
	// Output:
	// _us-v2-origintunneld._tcp.argotunnel.com
	// us-region1.v2.argotunnel.com
	// us-region2.v2.argotunnel.com
	// cfd-features.argotunnel.com
	// acme.cloudflareaccess.com
	// api.shop.svc.cluster.local
	// api.shop
	// web.apps.svc.cluster.local
}
