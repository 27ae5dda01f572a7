package network_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/network"
)

type (
	obj = map[string]any
	arr = []any
)

// run registers one Policy named "edge" and returns the run's registrations.
func run(t *testing.T, args *flat) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := network.NewPolicy(ctx, "edge", args.args())
		return err
	})
	if err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	return res
}

// child returns the inputs of the one policy object, checking its type, name and parent.
func child(t *testing.T, res *dryrun.Result, typ, name string) obj {
	t.Helper()
	comp := res.Get(network.Type, "edge")
	if comp == nil {
		t.Fatalf("component not registered:\n%s", res.Tree())
	}
	kids := res.Children(comp.URN)
	if len(kids) != 1 || kids[0].Type != typ || kids[0].Name != name {
		t.Fatalf("children of the component:\n%s\nwant exactly one %s %s", res.Tree(), typ, name)
	}
	if len(res.Resources) != 2 {
		t.Fatalf("registered %d resources, want the component and its child:\n%s", len(res.Resources), res.Tree())
	}
	return dryrun.Plain(kids[0].Inputs)
}

func spec(t *testing.T, args *flat) obj {
	t.Helper()
	res := run(t, args)
	var in obj
	if args.Kind == network.KindKubernetes {
		in = child(t, res, network.KubernetesType, "edge-netpol")
		assertJSON(t, "apiVersion", in["apiVersion"], "networking.k8s.io/v1")
		assertJSON(t, "kind", in["kind"], "NetworkPolicy")
	} else {
		in = child(t, res, network.CiliumType, "edge-cnp")
		assertJSON(t, "apiVersion", in["apiVersion"], "cilium.io/v2")
		assertJSON(t, "kind", in["kind"], "CiliumNetworkPolicy")
	}
	assertJSON(t, "metadata", in["metadata"], obj{"namespace": "apps"})
	if len(in) != 4 {
		t.Errorf("top-level fields %v, want apiVersion, kind, metadata, spec", keys(in))
	}
	return in["spec"].(obj)
}

func keys(m obj) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// assertJSON compares got and want as JSON (maps sorted by key, numbers as numbers).
func assertJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

var connector = map[string]string{"app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": "edge"}

// Cilium rules written out as the schema spells them.

func cPorts(ps ...string) arr {
	out := arr{}
	for _, p := range ps {
		port, proto, _ := strings.Cut(p, "/")
		out = append(out, obj{"port": port, "protocol": proto})
	}
	return out
}

func cNames(hosts ...string) arr {
	out := arr{}
	for _, h := range hosts {
		out = append(out, obj{"matchName": h})
	}
	return out
}

func cDNS(names ...string) obj {
	return obj{
		"toEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}},
		"toPorts":     arr{obj{"ports": cPorts("53/UDP", "53/TCP"), "rules": obj{"dns": cNames(names...)}}},
	}
}

func cEdge(hosts ...string) obj {
	return obj{"toFQDNs": cNames(hosts...), "toPorts": arr{obj{"ports": cPorts("7844/TCP", "7844/UDP")}}}
}

func cHTTPS(hosts ...string) obj {
	return obj{"toFQDNs": cNames(hosts...), "toPorts": arr{obj{"ports": cPorts("443/TCP")}}}
}

func cTo(labels obj, ports ...string) obj {
	return obj{"toEndpoints": arr{obj{"matchLabels": labels}}, "toPorts": arr{obj{"ports": cPorts(ports...)}}}
}

var (
	globalNames  = []string{"_v2-origintunneld._tcp.argotunnel.com", "region1.v2.argotunnel.com", "region2.v2.argotunnel.com", "cfd-features.argotunnel.com"}
	usNames      = []string{"_us-v2-origintunneld._tcp.argotunnel.com", "us-region1.v2.argotunnel.com", "us-region2.v2.argotunnel.com", "cfd-features.argotunnel.com"}
	fedrampNames = []string{"_fed-v2-origintunneld._tcp.argotunnel.com", "fed-region1.v2.argotunnel.com", "fed-region2.v2.argotunnel.com", "cfd-features.argotunnel.com"}
	denyIngress  = arr{obj{}}
)

func cSelector() obj {
	return obj{"matchLabels": obj{"k8s:app.kubernetes.io/name": "cloudflared", "k8s:app.kubernetes.io/instance": "edge"}}
}

func TestCiliumOwnPodFull(t *testing.T) {
	got := spec(t, &flat{
		Namespace:   pulumi.String("apps"),
		PodSelector: connector,
		Vault:       &network.Peer{Namespace: "vault", Labels: map[string]string{"app.kubernetes.io/name": "vault"}, Hostnames: []string{"vault.vault.svc.cluster.local"}},
		Origins: []network.Peer{
			{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}, Hostnames: []string{"web.apps.svc.cluster.local"}},
			{Namespace: "shop", Labels: map[string]string{"app": "api"}, Ports: []network.Port{{Port: 9000, Protocol: network.TCP}, {Port: 9001, Protocol: network.UDP}}, Hostnames: []string{"API.shop.svc.cluster.local."}},
		},
		Metrics:     &network.Peer{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}},
		AccessTeams: []string{"acme"},
	})
	want := obj{
		"endpointSelector": obj{"matchLabels": obj{"k8s:app.kubernetes.io/name": "cloudflared", "k8s:app.kubernetes.io/instance": "edge"}},
		"egress": arr{
			obj{
				"toEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}},
				"toPorts": arr{obj{
					"ports": arr{obj{"port": "53", "protocol": "UDP"}, obj{"port": "53", "protocol": "TCP"}},
					"rules": obj{"dns": arr{
						obj{"matchName": "_v2-origintunneld._tcp.argotunnel.com"},
						obj{"matchName": "region1.v2.argotunnel.com"},
						obj{"matchName": "region2.v2.argotunnel.com"},
						obj{"matchName": "cfd-features.argotunnel.com"},
						obj{"matchName": "acme.cloudflareaccess.com"},
						obj{"matchName": "vault.vault.svc.cluster.local"},
						obj{"matchName": "web.apps.svc.cluster.local"},
						obj{"matchName": "api.shop.svc.cluster.local"},
					}},
				}},
			},
			obj{
				"toFQDNs": arr{obj{"matchName": "region1.v2.argotunnel.com"}, obj{"matchName": "region2.v2.argotunnel.com"}},
				"toPorts": arr{obj{"ports": arr{obj{"port": "7844", "protocol": "TCP"}, obj{"port": "7844", "protocol": "UDP"}}}},
			},
			obj{
				"toFQDNs": arr{obj{"matchName": "acme.cloudflareaccess.com"}},
				"toPorts": arr{obj{"ports": arr{obj{"port": "443", "protocol": "TCP"}}}},
			},
			obj{
				"toEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "vault", "k8s:app.kubernetes.io/name": "vault"}}},
				"toPorts":     arr{obj{"ports": arr{obj{"port": "8200", "protocol": "TCP"}}}},
			},
			obj{
				"toEndpoints": arr{obj{"matchLabels": obj{"k8s:app": "web"}}},
				"toPorts":     arr{obj{"ports": arr{obj{"port": "8080", "protocol": "TCP"}}}},
			},
			obj{
				"toEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "shop", "k8s:app": "api"}}},
				"toPorts":     arr{obj{"ports": arr{obj{"port": "9000", "protocol": "TCP"}, obj{"port": "9001", "protocol": "UDP"}}}},
			},
		},
		"ingress": arr{obj{
			"fromEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "monitoring", "k8s:app.kubernetes.io/name": "prometheus"}}},
			"toPorts":       arr{obj{"ports": arr{obj{"port": "2000", "protocol": "TCP"}}}},
		}},
	}
	assertJSON(t, "spec", got, want)
}

func TestCiliumRegions(t *testing.T) {
	for _, tc := range []struct {
		region network.Region
		names  []string
	}{
		{"", globalNames},
		{network.RegionGlobal, globalNames},
		{network.RegionUS, usNames},
		{network.RegionFedRAMP, fedrampNames},
	} {
		t.Run(string(tc.region), func(t *testing.T) {
			got := spec(t, &flat{Namespace: pulumi.String("apps"), PodSelector: connector, Region: tc.region})
			want := obj{
				"endpointSelector": cSelector(),
				"egress":           arr{cDNS(tc.names...), cEdge(tc.names[1], tc.names[2])},
				"ingress":          denyIngress,
			}
			assertJSON(t, "spec", got, want)
		})
	}
}

// Own pod and sidecar, each region, with and without Vault, Access and update checks.
func TestCiliumVaultAccessUpdates(t *testing.T) {
	vaultRule := cTo(obj{"k8s:io.kubernetes.pod.namespace": "vault", "k8s:app.kubernetes.io/name": "vault"}, "8200/TCP")
	for _, tc := range []struct {
		name          string
		vault, access bool
		updates       bool
		region        network.Region
		dnsExtra      []string
		https         []string
		tail          arr
	}{
		{name: "none"},
		{name: "vault", vault: true, dnsExtra: []string{"vault.vault.svc.cluster.local"}, tail: arr{vaultRule}},
		{name: "access", access: true, dnsExtra: []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com"}, https: []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com"}},
		{name: "updates", updates: true, dnsExtra: []string{"api.cloudflare.com", "update.argotunnel.com"}, https: []string{"api.cloudflare.com", "update.argotunnel.com"}},
		{
			name: "vault+access+updates", vault: true, access: true, updates: true,
			dnsExtra: []string{"api.cloudflare.com", "update.argotunnel.com", "acme.cloudflareaccess.com", "ops.cloudflareaccess.com", "vault.vault.svc.cluster.local"},
			https:    []string{"api.cloudflare.com", "update.argotunnel.com", "acme.cloudflareaccess.com", "ops.cloudflareaccess.com"},
			tail:     arr{vaultRule},
		},
		{
			name: "fedramp vault+access", vault: true, access: true, region: network.RegionFedRAMP,
			dnsExtra: []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com", "vault.vault.svc.cluster.local"},
			https:    []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com"},
			tail:     arr{vaultRule},
		},
		{
			name: "us vault+access", vault: true, access: true, region: network.RegionUS,
			dnsExtra: []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com", "vault.vault.svc.cluster.local"},
			https:    []string{"acme.cloudflareaccess.com", "ops.cloudflareaccess.com"},
			tail:     arr{vaultRule},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := &flat{Namespace: pulumi.String("apps"), PodSelector: connector, UpdateChecks: tc.updates, Region: tc.region}
			if tc.vault {
				args.Vault = &network.Peer{Namespace: "vault", Labels: map[string]string{"app.kubernetes.io/name": "vault"}, Hostnames: []string{"vault.vault.svc.cluster.local"}}
			}
			if tc.access {
				args.AccessTeams = []string{"acme", "Ops", "acme"}
			}
			base := map[network.Region][]string{"": globalNames, network.RegionUS: usNames, network.RegionFedRAMP: fedrampNames}[tc.region]
			egress := arr{cDNS(append(append([]string{}, base...), tc.dnsExtra...)...), cEdge(base[1], base[2])}
			if len(tc.https) > 0 {
				egress = append(egress, cHTTPS(tc.https...))
			}
			egress = append(egress, tc.tail...)
			want := obj{"endpointSelector": cSelector(), "egress": egress, "ingress": denyIngress}
			assertJSON(t, "own pod spec", spec(t, args), want)

			// The same connector as a sidecar: the app's pods, the same egress, the app's own ingress.
			args.Layout = network.LayoutSidecar
			args.PodSelector = map[string]string{"app": "shop"}
			args.AppIngress = []network.Peer{{Labels: map[string]string{"app": "shop"}}}
			want["endpointSelector"] = obj{"matchLabels": obj{"k8s:app": "shop"}}
			want["ingress"] = arr{obj{"fromEndpoints": arr{obj{"matchLabels": obj{"k8s:app": "shop"}}}}}
			assertJSON(t, "sidecar spec", spec(t, args), want)
		})
	}
}

func TestCiliumSidecar(t *testing.T) {
	app := map[string]string{"app": "shop"}
	got := spec(t, &flat{
		Namespace:   pulumi.String("apps"),
		PodSelector: app,
		Layout:      network.LayoutSidecar,
		Region:      network.RegionUS,
		AppIngress: []network.Peer{
			{Labels: app},
			{Namespace: "gateway", Ports: []network.Port{{Port: 8080}}},
			{CIDRs: []string{"10.1.0.0/16", "fd00::/64"}, Ports: []network.Port{{Port: 8443, Protocol: network.SCTP}}},
		},
		Metrics: &network.Peer{Namespace: "monitoring", Ports: []network.Port{{Port: 2001}}},
		Origins: []network.Peer{{CIDRs: []string{"192.0.2.10/32"}, Ports: []network.Port{{Port: 5432}}}},
	})
	want := obj{
		"endpointSelector": obj{"matchLabels": obj{"k8s:app": "shop"}},
		"egress": arr{
			cDNS(usNames...),
			cEdge("us-region1.v2.argotunnel.com", "us-region2.v2.argotunnel.com"),
			obj{"toCIDRSet": arr{obj{"cidr": "192.0.2.10/32"}}, "toPorts": arr{obj{"ports": cPorts("5432/TCP")}}},
		},
		"ingress": arr{
			obj{"fromEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "monitoring"}}}, "toPorts": arr{obj{"ports": cPorts("2001/TCP")}}},
			obj{"fromEndpoints": arr{obj{"matchLabels": obj{"k8s:app": "shop"}}}},
			obj{"fromEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "gateway"}}}, "toPorts": arr{obj{"ports": cPorts("8080/TCP")}}},
			obj{"fromCIDRSet": arr{obj{"cidr": "10.1.0.0/16"}, obj{"cidr": "fd00::/64"}}, "toPorts": arr{obj{"ports": cPorts("8443/SCTP")}}},
		},
	}
	assertJSON(t, "spec", got, want)
}

func TestCiliumCustomDNSAndVaultByCIDR(t *testing.T) {
	got := spec(t, &flat{
		Namespace:   pulumi.String("apps"),
		PodSelector: connector,
		DNS:         &network.Peer{Namespace: "kube-system", Labels: map[string]string{"k8s-app": "coredns"}, Ports: []network.Port{{Port: 5353, Protocol: network.UDP}}},
		Vault:       &network.Peer{CIDRs: []string{"203.0.113.0/28"}, Ports: []network.Port{{Port: 443}}, Hostnames: []string{"vault.example.com"}},
	})
	want := obj{
		"endpointSelector": cSelector(),
		"egress": arr{
			obj{
				"toEndpoints": arr{obj{"matchLabels": obj{"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "coredns"}}},
				"toPorts":     arr{obj{"ports": cPorts("5353/UDP"), "rules": obj{"dns": cNames(append(append([]string{}, globalNames...), "vault.example.com")...)}}},
			},
			cEdge("region1.v2.argotunnel.com", "region2.v2.argotunnel.com"),
			obj{"toCIDRSet": arr{obj{"cidr": "203.0.113.0/28"}}, "toPorts": arr{obj{"ports": cPorts("443/TCP")}}},
		},
		"ingress": denyIngress,
	}
	assertJSON(t, "spec", got, want)
}

// TestCiliumPrivateRoutes: egress to exactly the private ranges, every port and protocol (no toPorts).
func TestCiliumPrivateRoutes(t *testing.T) {
	got := spec(t, &flat{
		Namespace: pulumi.String("apps"), PodSelector: connector,
		PrivateCIDRs: []string{"192.168.0.0/16", "2001:db8:1::/48"}, ClusterCIDRs: []string{"10.244.0.0/16"},
	})
	want := obj{
		"endpointSelector": cSelector(),
		"egress": arr{
			cDNS(globalNames...),
			cEdge("region1.v2.argotunnel.com", "region2.v2.argotunnel.com"),
			obj{"toCIDRSet": arr{obj{"cidr": "192.168.0.0/16"}, obj{"cidr": "2001:db8:1::/48"}}},
		},
		"ingress": denyIngress,
	}
	assertJSON(t, "spec", got, want)
}

// TestKubernetesPrivateRoutes: the same as ipBlocks without ports.
func TestKubernetesPrivateRoutes(t *testing.T) {
	got := spec(t, &flat{
		Namespace: pulumi.String("apps"), PodSelector: connector, Kind: network.KindKubernetes,
		PrivateCIDRs: []string{"192.168.0.0/16", "2001:db8:1::/48"},
	})
	want := obj{"podSelector": kSelector, "policyTypes": kTypes, "egress": arr{
		kDNS, kEdge("198.41.192.0/19", "2606:4700:a0::/44"),
		obj{"to": kBlocks("192.168.0.0/16", "2001:db8:1::/48")},
	}}
	assertJSON(t, "spec", got, want)
}

// Kubernetes NetworkPolicy rules written out as the API spells them.

func kPorts(ps ...string) arr {
	out := arr{}
	for _, p := range ps {
		port, proto, _ := strings.Cut(p, "/")
		var n int
		if err := json.Unmarshal([]byte(port), &n); err != nil {
			panic(err)
		}
		out = append(out, obj{"port": n, "protocol": proto})
	}
	return out
}

func kBlocks(cidrs ...string) arr {
	out := arr{}
	for _, c := range cidrs {
		out = append(out, obj{"ipBlock": obj{"cidr": c}})
	}
	return out
}

var (
	kDNS = obj{
		"to": arr{obj{
			"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "kube-system"}},
			"podSelector":       obj{"matchLabels": obj{"k8s-app": "kube-dns"}},
		}},
		"ports": kPorts("53/UDP", "53/TCP"),
	}
	kSelector = obj{"matchLabels": obj{"app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": "edge"}}
	kTypes    = arr{"Ingress", "Egress"}
)

func kEdge(cidrs ...string) obj {
	return obj{"to": kBlocks(cidrs...), "ports": kPorts("7844/TCP", "7844/UDP")}
}

func TestKubernetesOwnPodFull(t *testing.T) {
	got := spec(t, &flat{
		Namespace:    pulumi.String("apps"),
		PodSelector:  connector,
		Kind:         network.KindKubernetes,
		Vault:        &network.Peer{Namespace: "vault", Labels: map[string]string{"app.kubernetes.io/name": "vault"}, Hostnames: []string{"vault.vault.svc.cluster.local"}},
		Origins:      []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}}, {Namespace: "shop", Ports: []network.Port{{Port: 9000, Protocol: network.UDP}}}},
		Metrics:      &network.Peer{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}},
		AccessTeams:  []string{"acme"},
		UpdateChecks: true,
		HTTPSCIDRs:   []string{"104.16.0.0/13", "2606:4700::/32"},
	})
	want := obj{
		"podSelector": obj{"matchLabels": obj{"app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": "edge"}},
		"policyTypes": arr{"Ingress", "Egress"},
		"egress": arr{
			obj{
				"to": arr{obj{
					"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "kube-system"}},
					"podSelector":       obj{"matchLabels": obj{"k8s-app": "kube-dns"}},
				}},
				"ports": arr{obj{"port": 53, "protocol": "UDP"}, obj{"port": 53, "protocol": "TCP"}},
			},
			obj{
				"to":    arr{obj{"ipBlock": obj{"cidr": "198.41.192.0/19"}}, obj{"ipBlock": obj{"cidr": "2606:4700:a0::/44"}}},
				"ports": arr{obj{"port": 7844, "protocol": "TCP"}, obj{"port": 7844, "protocol": "UDP"}},
			},
			obj{
				"to":    arr{obj{"ipBlock": obj{"cidr": "104.16.0.0/13"}}, obj{"ipBlock": obj{"cidr": "2606:4700::/32"}}},
				"ports": arr{obj{"port": 443, "protocol": "TCP"}},
			},
			obj{
				"to": arr{obj{
					"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "vault"}},
					"podSelector":       obj{"matchLabels": obj{"app.kubernetes.io/name": "vault"}},
				}},
				"ports": arr{obj{"port": 8200, "protocol": "TCP"}},
			},
			obj{"to": arr{obj{"podSelector": obj{"matchLabels": obj{"app": "web"}}}}, "ports": arr{obj{"port": 8080, "protocol": "TCP"}}},
			obj{"to": arr{obj{"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "shop"}}}}, "ports": arr{obj{"port": 9000, "protocol": "UDP"}}},
		},
		"ingress": arr{obj{
			"from": arr{obj{
				"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "monitoring"}},
				"podSelector":       obj{"matchLabels": obj{"app.kubernetes.io/name": "prometheus"}},
			}},
			"ports": arr{obj{"port": 2000, "protocol": "TCP"}},
		}},
	}
	assertJSON(t, "spec", got, want)
}

func TestKubernetesRegions(t *testing.T) {
	for _, tc := range []struct {
		region network.Region
		edge   []string
		cidrs  []string
	}{
		{region: "", cidrs: []string{"198.41.192.0/19", "2606:4700:a0::/44"}},
		{region: network.RegionUS, cidrs: []string{"198.41.192.0/19", "2606:4700:a0::/44"}},
		{region: network.RegionFedRAMP, cidrs: []string{"162.159.234.0/24", "172.64.234.0/24", "2a06:98c1:4d::/48", "2606:4700:f6::/48"}},
		{region: network.RegionFedRAMP, edge: []string{"162.159.234.0/28"}, cidrs: []string{"162.159.234.0/28"}},
	} {
		t.Run(string(tc.region)+strings.Join(tc.edge, ","), func(t *testing.T) {
			got := spec(t, &flat{Namespace: pulumi.String("apps"), PodSelector: connector, Kind: network.KindKubernetes, Region: tc.region, EdgeCIDRs: tc.edge})
			want := obj{"podSelector": kSelector, "policyTypes": kTypes, "egress": arr{kDNS, kEdge(tc.cidrs...)}}
			assertJSON(t, "spec", got, want)
		})
	}
}

func TestKubernetesSidecar(t *testing.T) {
	app := map[string]string{"app": "shop"}
	got := spec(t, &flat{
		Namespace:   pulumi.String("apps"),
		PodSelector: app,
		Layout:      network.LayoutSidecar,
		Kind:        network.KindKubernetes,
		Vault:       &network.Peer{CIDRs: []string{"203.0.113.0/28"}},
		AppIngress:  []network.Peer{{Labels: app}, {CIDRs: []string{"10.1.0.0/16"}, Ports: []network.Port{{Port: 8443}}}},
	})
	want := obj{
		"podSelector": obj{"matchLabels": obj{"app": "shop"}},
		"policyTypes": kTypes,
		"egress": arr{
			kDNS,
			kEdge("198.41.192.0/19", "2606:4700:a0::/44"),
			obj{"to": kBlocks("203.0.113.0/28"), "ports": kPorts("8200/TCP")},
		},
		"ingress": arr{
			obj{"from": arr{obj{"podSelector": obj{"matchLabels": obj{"app": "shop"}}}}},
			obj{"from": kBlocks("10.1.0.0/16"), "ports": kPorts("8443/TCP")},
		},
	}
	assertJSON(t, "spec", got, want)
}

func TestOutputsAndTree(t *testing.T) {
	var pol *network.Policy
	var objectName, namespace string
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		var err error
		pol, err = network.NewPolicy(ctx, "edge", (&flat{Namespace: pulumi.String("apps"), PodSelector: connector}).args())
		if err != nil {
			return err
		}
		pulumi.All(pol.ObjectName, pol.Namespace).ApplyT(func(v []any) error {
			objectName, namespace = v[0].(string), v[1].(string)
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if objectName != "edge-cnp-268a5ba8" || namespace != "apps" {
		t.Errorf("outputs objectName %q namespace %q, want edge-cnp-268a5ba8 and apps", objectName, namespace)
	}
	var netpolName string
	if _, err := dryrun.Run(func(ctx *pulumi.Context) error {
		np, err := network.NewPolicy(ctx, "edge", (&flat{Namespace: pulumi.String("apps"), PodSelector: connector, Kind: network.KindKubernetes}).args())
		if err == nil {
			np.ObjectName.ApplyT(func(n string) string { netpolName = n; return n })
		}
		return err
	}); err != nil || !strings.HasPrefix(netpolName, "edge-netpol-") {
		t.Errorf("NetworkPolicy ObjectName %q (%v), want edge-netpol-<suffix>", netpolName, err)
	}
	if pol.Kind != network.KindCilium || pol.Cilium == nil || pol.Kubernetes != nil {
		t.Errorf("Kind %q, Cilium %v, Kubernetes %v: want cilium with only the Cilium child", pol.Kind, pol.Cilium, pol.Kubernetes)
	}
	tree := "tunnelgate:network:Policy edge\n  kubernetes:cilium.io/v2:CiliumNetworkPolicy edge-cnp\n"
	if got := res.Tree(); got != tree {
		t.Errorf("tree:\n%s\nwant\n%s", got, tree)
	}
	m := res.Manifests()
	if len(m) != 1 {
		t.Fatalf("%d manifests, want 1", len(m))
	}
	assertJSON(t, "metadata", m[0]["metadata"], obj{"name": "edge-cnp-268a5ba8", "namespace": "apps"})
}

func TestArgsNotModified(t *testing.T) {
	args := &flat{Namespace: pulumi.String("apps"), PodSelector: connector, Origins: []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 80}}}}}
	run(t, args)
	if args.Kind != "" || args.Region != "" || args.Layout != "" || args.DNS != nil || args.Origins[0].Ports[0].Protocol != "" {
		t.Errorf("NewPolicy changed its args: %+v", args)
	}
}

func TestNamespaceOutputValidatedOnceKnown(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		ns := pulumi.String("Not_A_Namespace").ToStringOutput()
		_, err := network.NewPolicy(ctx, "edge", (&flat{Namespace: ns, PodSelector: connector}).args())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `namespace "Not_A_Namespace"`) {
		t.Fatalf("err = %v, want a namespace field error", err)
	}
	if got := res.OfType(network.CiliumType); len(got) != 0 {
		t.Errorf("the policy object was registered with an invalid namespace: %v", got)
	}
}

func TestRegionNames(t *testing.T) {
	for r, want := range map[network.Region]string{
		network.RegionGlobal:  "_v2-origintunneld._tcp.argotunnel.com region1.v2.argotunnel.com region2.v2.argotunnel.com",
		network.RegionUS:      "_us-v2-origintunneld._tcp.argotunnel.com us-region1.v2.argotunnel.com us-region2.v2.argotunnel.com",
		network.RegionFedRAMP: "_fed-v2-origintunneld._tcp.argotunnel.com fed-region1.v2.argotunnel.com fed-region2.v2.argotunnel.com",
	} {
		if got := r.SRVName() + " " + strings.Join(r.EdgeHosts(), " "); got != want {
			t.Errorf("%s: %s, want %s", r, got, want)
		}
	}
}

// TestOptionsReachDescendants: DependsOn, RetainOnDelete, DeletedWith, Protect, custom timeouts and the
// explicit provider given to the component reach its policy object, of either kind (a policy that must
// wait for a Cilium install waits).
func TestOptionsReachDescendants(t *testing.T) {
	for _, kind := range []network.Kind{network.KindCilium, network.KindKubernetes} {
		t.Run(string(kind), func(t *testing.T) {
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				opts, err := optcheck.Options(ctx)
				if err != nil {
					return err
				}
				_, err = network.NewPolicy(ctx, "edge", (&flat{Namespace: pulumi.String("apps"), PodSelector: connector, Kind: kind}).args(), opts...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := optcheck.Check(t, res, network.Type, "edge"); n != 1 {
				t.Errorf("checked %d resources, want 1", n)
			}
		})
	}
}
