package tunnel_test

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// A tunnel for an app and its API, with the token in Vault. Run here on the mock engine; in a Pulumi
// program only the body of the RunFunc is needed.
func ExampleNewTunnel() {
	program := func(ctx *pulumi.Context) error {
		edge, err := tunnel.NewTunnel(ctx, "edge", &tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			ZoneName:  "example.com",
			Routes: []tunnel.Route{
				{Hostname: "app.example.com", Path: "^/api/", Service: "http://api.default.svc:8080"},
				{Hostname: "app.example.com", Service: "http://web.default.svc:80"},
				{Hostname: "*.example.com", Service: "http://tenants.default.svc:80"},
			},
			Vault: &vaultkv.Location{Path: "prod/my_app/cloudflared"},
		})
		if err != nil {
			return err
		}
		ctx.Export("cname", edge.CNAME)
		ctx.Export("token", edge.Token) // a secret
		return nil
	}
	res, err := dryrun.Run(program)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	// Output:
	// tunnelgate:tunnel:Tunnel edge
	//   cloudflare:index/record:Record edge-dns-*.example.com
	//   cloudflare:index/record:Record edge-dns-app.example.com
	//   cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
	//   cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
	//   random:index/randomPassword:RandomPassword edge-secret
	//   vault:kv/secretV2:SecretV2 edge-vault
}

// The connectors registered between the tunnel and its DNS records: the records wait for the connector
// Deployment's Ready pods, and a rotation starts a second Deployment for the new tunnel next to the old one
// (its Generation), so that no hostname ever points at a tunnel without connectors.
func ExampleNewTunnelWithConnectors() {
	args := &tunnel.Args{
		AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
		ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
		Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.default.svc:80"}},
		Vault:     &vaultkv.Location{Path: "prod/my_app/cloudflared"},
		Rotation:  "2026-11",
	}
	program := func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnelWithConnectors(ctx, "edge", args, func(t *tunnel.Tunnel) ([]pulumi.Resource, error) {
			c, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
				Namespace:  pulumi.String("default"),
				TunnelID:   t.TunnelID,
				Generation: args.Rotation,
				Token: workload.TokenSource{Vault: &workload.VaultToken{
					Secret: *args.Vault, Agent: workload.VaultAgent{Role: "edge"},
				}},
			}, pulumi.DependsOn(t.Children)) // the token is in Vault before a pod starts
			if err != nil {
				return nil, err
			}
			return []pulumi.Resource{c.Deployment}, nil
		})
		return err
	}
	res, err := dryrun.Run(program)
	if err != nil {
		fmt.Println(err)
		return
	}
	dep := res.Get("kubernetes:apps/v1:Deployment", "edge-deployment")
	rec := res.Get("cloudflare:index/record:Record", "edge-dns-app.example.com")
	fmt.Println("Deployment:", dryrun.Plain(dep.Inputs)["metadata"].(map[string]any)["name"])
	fmt.Println("record waits for the Deployment:", slices.Contains(rec.Dependencies, dep.URN))
	// Output:
	// Deployment: edge-2026-11
	// record waits for the Deployment: true
}

// Validate reports every mistake at once, each with its field path and value, before anything exists.
func ExampleArgs_Validate() {
	args := &tunnel.Args{
		AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
		ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
		ZoneName:  "example.com",
		Routes: []tunnel.Route{
			{Hostname: "*.example.com", Service: "http://tenants:80"},
			{Hostname: "admin.example.com", Service: "http://admin:80"},
			{Hostname: "app.example.com", Path: "^/api/(v1", Service: "http://api:8080"},
		},
		Vault: &vaultkv.Location{Path: "data/prod/edge"},
	}
	fmt.Println(args.Validate())
	// Output:
	// tunnelgate:tunnel:Tunnel: invalid arguments
	//   - routes[1].hostname "admin.example.com": shadowed by routes[0] ("*.example.com", path ""), which matches every request this rule matches: cloudflared takes the first match (a leading * spans dots), so this rule would never match; put the more specific rule first
	//   - routes[2].path "^/api/(v1": not a regular expression (Go RE2 syntax): error parsing regexp: missing closing ): `^/api/(v1`
	//   - vault.path "data/prod/edge": give the path without "data/": the KV v2 API adds it ("prod/edge" is read at secret/data/prod/edge)
}

// Rules is the exact rule list sent to Cloudflare, in match order, with the catch-all appended.
func ExampleArgs_Rules() {
	args := &tunnel.Args{
		OriginDefaults: &tunnel.OriginRequest{ConnectTimeout: "10s"},
		Routes: []tunnel.Route{
			{Hostname: "app.example.com", Path: "^/api/", Service: "http://api:8080"},
			{Hostname: "app.example.com", Service: "http://web:80"},
		},
	}
	for i, r := range args.Rules() {
		fmt.Printf("%d %q %q %s timeout=%s\n", i, r.Hostname, r.Path, r.Service, r.Origin.ConnectTimeout)
	}
	// Output:
	// 0 "app.example.com" "^/api/" http://api:8080 timeout=10s
	// 1 "app.example.com" "" http://web:80 timeout=10s
	// 2 "" "" http_status:404 timeout=10s
}

// The plain data a workload and a network policy need, without awaiting any output.
func ExampleArgs_OriginHosts() {
	args := &tunnel.Args{
		Routes: []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.default.svc:80", Origin: &tunnel.OriginRequest{
			Access: &tunnel.Access{Required: true, TeamName: "acme", AudTags: []string{"aud"}},
		}}},
		Vault: &vaultkv.Location{Path: "prod/my_app/cloudflared"},
	}
	loc := args.Vault.WithDefaults()
	fmt.Println(loc.ReadPath(), loc.TokenKey, loc.IDKey)
	fmt.Printf("%+v\n", args.Origins())
	fmt.Println(args.OriginHosts(), args.AccessTeams())
	// Output:
	// secret/data/prod/my_app/cloudflared tunnel_token tunnel_id
	// [{Scheme:http Host:web.default.svc Port:80 SocketPath:}]
	// [web.default.svc] [acme]
}

// A tunnel that also serves private ranges to Cloudflare One (WARP) clients: the office network in the
// account's default virtual network and a lab range in a virtual network of its own. The network policy
// allows the connector egress to exactly these ranges (PrivateCIDRs).
func ExampleArgs_PrivateCIDRs() {
	args := &tunnel.Args{
		AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
		ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
		Routes:    []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.default.svc:80"}},
		PrivateNetwork: &tunnel.PrivateNetwork{
			VirtualNetworks: []tunnel.VirtualNetwork{{Name: "lab", Comment: "test benches"}},
			Routes: []tunnel.PrivateRoute{
				{CIDR: "10.20.0.0/16", Comment: "office"},
				{CIDR: "2001:db8:1::/48", VirtualNetwork: "lab"},
			},
		},
	}
	fmt.Println(args.PrivateCIDRs())
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnel(ctx, "edge", args)
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	// Output:
	// [10.20.0.0/16 2001:db8:1::/48]
	// tunnelgate:tunnel:Tunnel edge
	//   cloudflare:index/record:Record edge-dns-app.example.com
	//   cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
	//   cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
	//   cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute edge-route-10.20.0.0/16
	//   cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute edge-route-2001-db8-1--/48
	//   cloudflare:index/zeroTrustTunnelVirtualNetwork:ZeroTrustTunnelVirtualNetwork edge-vnet-lab
	//   random:index/randomPassword:RandomPassword edge-secret
}

// Cloudflare Access in front of one route, from one field: an Access application for admin.example.com,
// an allow policy for people at example.com, a Service Auth policy and a service token for the "ci"
// client, and cloudflared's JWT check on the route. The other route stays public.
func ExampleNewTunnel_access() {
	program := func(ctx *pulumi.Context) error {
		edge, err := tunnel.NewTunnel(ctx, "edge", &tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"),
			ZoneID:    pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes: []tunnel.Route{
				{Hostname: "admin.example.com", Service: "http://admin.default.svc:80", Access: &tunnel.AccessPolicy{
					TeamName: "acme", EmailDomains: []string{"example.com"}, ServiceTokens: []string{"ci"},
				}},
				{Hostname: "www.example.com", Service: "http://web.default.svc:80"},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("audiences", edge.AccessAudiences)
		ctx.Export("ciSecret", edge.ServiceTokenSecrets) // a secret
		return nil
	}
	res, err := dryrun.Run(program)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	app := dryrun.Plain(res.Get("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "edge-access-admin.example.com").Outputs)
	config := dryrun.Plain(res.Get("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "edge-config").Inputs)
	for _, r := range config["config"].(map[string]any)["ingressRules"].([]any) {
		rule := r.(map[string]any)
		origin, _ := rule["originRequest"].(map[string]any)
		access, _ := origin["access"].(map[string]any)
		switch {
		case access == nil:
			fmt.Printf("%v: public\n", rule["service"])
		default:
			fmt.Printf("%v: required=%v team=%v aud is the application's: %v\n", rule["hostname"], access["required"],
				access["teamName"], access["audTags"].([]any)[0] == app["aud"])
		}
	}
	// Output:
	// tunnelgate:tunnel:Tunnel edge
	//   cloudflare:index/record:Record edge-dns-admin.example.com
	//   cloudflare:index/record:Record edge-dns-www.example.com
	//   cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication edge-access-admin.example.com
	//   cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-admin.example.com-allow
	//   cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-admin.example.com-service
	//   cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken edge-token-ci
	//   cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
	//   cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
	//   random:index/randomPassword:RandomPassword edge-secret
	// admin.example.com: required=true team=acme aud is the application's: true
	// http://web.default.svc:80: public
	// http_status:404: public
}
