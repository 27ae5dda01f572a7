package network_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
)

// service is the Service "web" in namespace ns written out as the API server holds it, with selector
// sel (nil: none): port 80 "http" to the container port "http".
func service(ns string, sel map[string]string) origin.Service {
	return origin.Service{
		Namespace: pulumi.String(ns), Name: pulumi.String("web"),
		Selector: pulumi.ToStringMap(sel),
		Ports:    pulumi.Array{pulumi.Map{"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": pulumi.String("http")}},
	}
}

// valid returns valid args to break one field at a time.
func valid() *flat {
	return &flat{
		Namespace:   pulumi.String("apps"),
		PodSelector: map[string]string{"app": "cloudflared"},
		Origins:     []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}}},
	}
}

func TestBadInputs(t *testing.T) {
	web := map[string]string{"app": "web"}
	for _, tc := range []struct {
		name   string
		break_ func(a *flat)
		field  string
		value  any // compared with fmt's %v
		reason string
	}{
		{"no namespace", func(a *flat) { a.Namespace = nil }, "pods.namespace", nil, "required"},
		{"bad namespace", func(a *flat) { a.Namespace = pulumi.String("Apps") }, "pods.namespace", "Apps", "RFC 1123"},
		{"empty selector", func(a *flat) { a.PodSelector = nil }, "pods.selector", map[string]string(nil), "every pod of the namespace"},
		{"bad selector key", func(a *flat) { a.PodSelector = map[string]string{"bad key": "x"} }, "pods.selector.bad key", "bad key", "invalid label key"},
		{"bad selector value", func(a *flat) { a.PodSelector = map[string]string{"app": "-x-"} }, "pods.selector.app", "-x-", "invalid label value"},
		{"layout", func(a *flat) { a.Layout = "daemonset" }, "pods.layout", "daemonset", `"ownPod" or "sidecar"`},
		{"kind", func(a *flat) { a.Kind = "calico" }, "settings.kind", "calico", `"cilium" or "kubernetes"`},
		{"region", func(a *flat) { a.Region = "eu" }, "pods.region", "eu", `"global" or "us" (cloudflared's --region)`},
		{"port 0", func(a *flat) { a.Origins[0].Ports[0].Port = 0 }, "settings.origins[0].ports[0].port", 0, "1 to 65535"},
		{"port 65536", func(a *flat) { a.Origins[0].Ports[0].Port = 65536 }, "settings.origins[0].ports[0].port", 65536, "1 to 65535"},
		{"negative metrics port", func(a *flat) {
			a.Metrics = &network.Peer{Namespace: "monitoring", Ports: []network.Port{{Port: -1}}}
		}, "settings.metrics.ports[0].port", -1, "1 to 65535"},
		{"protocol ICMP", func(a *flat) { a.Origins[0].Ports[0].Protocol = "ICMP" }, "settings.origins[0].ports[0].protocol", "ICMP", "TCP, UDP or SCTP"},
		{"protocol lower case", func(a *flat) { a.Origins[0].Ports[0].Protocol = "tcp" }, "settings.origins[0].ports[0].protocol", "tcp", "upper case"},
		{"protocol ANY", func(a *flat) {
			a.DNS = &network.Peer{Namespace: "kube-system", Ports: []network.Port{{Port: 53, Protocol: "ANY"}}}
		}, "settings.dns.ports[0].protocol", "ANY", "TCP, UDP or SCTP"},
		{"origin without ports", func(a *flat) { a.Origins[0].Ports = nil }, "settings.origins[0].ports", nil, "every port"},
		{"too many ports", func(a *flat) {
			for p := 1; p <= 41; p++ {
				a.Origins[0].Ports = append(a.Origins[0].Ports, network.Port{Port: 9000 + p})
			}
		}, "settings.origins[0].ports", 42, "at most 40"},
		{"empty origin", func(a *flat) { a.Origins = append(a.Origins, network.Peer{Ports: []network.Port{{Port: 80}}}) }, "settings.origins[1]", nil, "every pod of the policy's namespace"},
		{"empty vault", func(a *flat) { a.Vault = &network.Peer{} }, "settings.vault", nil, "every pod"},
		{"empty metrics", func(a *flat) { a.Metrics = &network.Peer{} }, "settings.metrics", nil, "every pod"},
		{"empty dns", func(a *flat) { a.DNS = &network.Peer{} }, "settings.dns", nil, "every pod"},
		{"empty app ingress", func(a *flat) { a.Layout = network.LayoutSidecar; a.AppIngress = []network.Peer{{}} }, "settings.appIngress[0]", nil, "every pod"},
		{"bad peer namespace", func(a *flat) { a.Vault = &network.Peer{Namespace: "vault_ns"} }, "settings.vault.namespace", "vault_ns", "RFC 1123"},
		{"bad peer label key", func(a *flat) { a.Origins[0].Labels = map[string]string{"a/b/c": "x"} }, "settings.origins[0].labels.a/b/c", "a/b/c", "invalid label key"},
		{"bad peer label value", func(a *flat) {
			a.Metrics = &network.Peer{Labels: map[string]string{"app": strings.Repeat("x", 64)}}
		}, "settings.metrics.labels.app", strings.Repeat("x", 64), "invalid label value"},
		{"cidr does not parse", func(a *flat) { a.Vault = &network.Peer{CIDRs: []string{"10.0.0.0/33"}} }, "settings.vault.cidrs[0]", "10.0.0.0/33", "not a CIDR"},
		{"cidr without length", func(a *flat) {
			a.Origins[0] = network.Peer{CIDRs: []string{"192.0.2.10"}, Ports: []network.Port{{Port: 80}}}
		}, "settings.origins[0].cidrs[0]", "192.0.2.10", "not a CIDR"},
		{"cidr host bits", func(a *flat) { a.Vault = &network.Peer{CIDRs: []string{"10.0.0.1/8"}} }, "settings.vault.cidrs[0]", "10.0.0.1/8", "did you mean 10.0.0.0/8?"},
		{"cidrs and labels", func(a *flat) { a.Origins[0].CIDRs = []string{"10.0.0.0/8"} }, "settings.origins[0].cidrs", []string{"10.0.0.0/8"}, "not both"},
		{"bad hostname", func(a *flat) { a.Origins[0].Hostnames = []string{"web app.local"} }, "settings.origins[0].hostnames[0]", "web app.local", "not a DNS name"},
		{"ip as hostname", func(a *flat) { a.Origins[0].Hostnames = []string{"10.0.0.7"} }, "settings.origins[0].hostnames[0]", "10.0.0.7", "allow it with cidrs"},
		{"hostname on dns", func(a *flat) {
			a.DNS = &network.Peer{Namespace: "kube-system", Hostnames: []string{"kube-dns"}}
		}, "settings.dns.hostnames", []string{"kube-dns"}, "reached by address"},
		{"hostname on metrics", func(a *flat) { a.Metrics = &network.Peer{Namespace: "monitoring", Hostnames: []string{"prom"}} }, "settings.metrics.hostnames", []string{"prom"}, "only egress peers"},
		{"app ingress in own pod", func(a *flat) { a.AppIngress = []network.Peer{{Labels: web}} }, "settings.appIngress", nil, `only with layout "sidecar"`},
		{"bad access team", func(a *flat) { a.AccessTeams = []string{"acme.corp"} }, "routes.accessTeams[0]", "acme.corp", "must not contain dots"},
		{"edge cidrs with cilium", func(a *flat) { a.EdgeCIDRs = []string{"198.41.192.0/19"} }, "settings.edgeCidrs", []string{"198.41.192.0/19"}, "only with kind"},
		{"bad edge cidr", func(a *flat) { a.Kind = network.KindKubernetes; a.EdgeCIDRs = []string{"198.41.192/19"} }, "settings.edgeCidrs[0]", "198.41.192/19", "not a CIDR"},
		{"https cidrs with cilium", func(a *flat) { a.UpdateChecks = true; a.HTTPSCIDRs = []string{"104.16.0.0/13"} }, "settings.httpsCidrs", []string{"104.16.0.0/13"}, "only with kind"},
		{"fallback https without cidrs", func(a *flat) { a.Kind = network.KindKubernetes; a.AccessTeams = []string{"acme"} }, "settings.httpsCidrs", nil, "acme.cloudflareaccess.com"},
		{"fallback https cidrs unused", func(a *flat) { a.Kind = network.KindKubernetes; a.HTTPSCIDRs = []string{"104.16.0.0/13"} }, "settings.httpsCidrs", []string{"104.16.0.0/13"}, "nothing uses them"},
		// Named ports, the routes' Services and the settings about them.
		{"port and name", func(a *flat) { a.Origins[0].Ports[0].Name = "http" }, "settings.origins[0].ports[0].name", "http", "not both"},
		{"port name syntax", func(a *flat) { a.Origins[0].Ports[0] = network.Port{Name: "HTTP"} }, "settings.origins[0].ports[0].name", "HTTP", "not a port name"},
		{"named port of address blocks", func(a *flat) {
			a.Origins[0] = network.Peer{CIDRs: []string{"10.0.0.0/8"}, Ports: []network.Port{{Name: "http"}}}
		}, "settings.origins[0].ports[0].name", "http", "give a number for address blocks"},
		{"existing Service not read", func(a *flat) {
			a.Services = []origin.Service{{Namespace: pulumi.String("shop"), Name: pulumi.String("web"), Port: 80}}
		}, "routes.services[0].selector", nil, "tunnel.Tunnel.OriginServices"},
		{"Service without a selector", func(a *flat) { a.Services = []origin.Service{service("shop", nil)} }, "routes.services[0].selector", nil, "Service shop/web has no selector"},
		{"Service port not on it", func(a *flat) {
			s := service("shop", web)
			s.Port = 81
			a.Services = []origin.Service{s}
		}, "routes.services[0].port", 81, "not a port of Service shop/web, whose ports are 80 (http)"},
		{"Service in a namespace the connector may not reach", func(a *flat) {
			a.Services = []origin.Service{service("shop", web)}
			a.OriginNamespaces = []string{"apps", "blog"}
		}, "routes.services[0].namespace", "shop", "not one of settings.originNamespaces [apps blog]"},
		{"origin peer in a namespace the connector may not reach", func(a *flat) {
			a.OriginNamespaces = []string{"shop"}
		}, "settings.origins[0].namespace", "apps", "not one of settings.originNamespaces [shop]"},
		{"origin namespaces syntax", func(a *flat) { a.OriginNamespaces = []string{"apps", "Shop"} }, "settings.originNamespaces[1]", "Shop", "RFC 1123"},
		{"origin ingress without Services", func(a *flat) { a.OriginIngress = true }, "settings.originIngress", true, "no route points at a Kubernetes Service"},
		{"bad https cidr", func(a *flat) {
			a.Kind = network.KindKubernetes
			a.UpdateChecks = true
			a.HTTPSCIDRs = []string{"2606:4700::1/32"}
		}, "settings.httpsCidrs[0]", "2606:4700::1/32", "did you mean 2606:4700::/32?"},
		{"bad private cidr", func(a *flat) { a.PrivateCIDRs = []string{"10.0.0.0/8", "10.1.0.0"} }, "routes.privateCidrs[1]", "10.1.0.0", "not a CIDR"},
		{"bad cluster cidr", func(a *flat) { a.ClusterCIDRs = []string{"10.96.0.1/12"} }, "settings.clusterCidrs[0]", "10.96.0.1/12", "did you mean 10.96.0.0/12?"},
		{"private route inside the cluster", func(a *flat) {
			a.PrivateCIDRs = []string{"192.168.0.0/16", "10.244.8.0/24"}
			a.ClusterCIDRs = []string{"10.96.0.0/12", "10.244.0.0/16"}
		}, "settings.clusterCidrs[1]", "10.244.0.0/16", "private route 10.244.8.0/24 (routes.privateCidrs[1]): Cilium matches pods, Services and nodes by identity, never by CIDR"},
		{"private route containing the cluster", func(a *flat) {
			a.PrivateCIDRs = []string{"10.0.0.0/8"}
			a.ClusterCIDRs = []string{"10.244.0.0/16"}
		}, "settings.clusterCidrs[0]", "10.244.0.0/16", "the policy would block"},
		{"scraped without a scraper", func(a *flat) { a.Scraped = true }, "settings.metrics", nil, "scrapes the pods' metrics port 2000 (pods.scraped), which the policy would block"},
		{"scraper on another port", func(a *flat) {
			a.Scraped = true
			a.Metrics = &network.Peer{Namespace: "monitoring", Ports: []network.Port{{Port: 9090}}}
		}, "settings.metrics.ports", []network.Port{{Port: 9090}}, "do not include the metrics port 2000/TCP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := valid()
			tc.break_(args)
			verr := args.Validate()
			fes := check.Fields(verr)
			if len(fes) != 1 {
				t.Fatalf("Validate() = %v\nwant exactly one field error on %s", verr, tc.field)
			}
			fe := fes[0]
			if fe.Field != tc.field || fmt.Sprint(fe.Value) != fmt.Sprint(tc.value) || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("field error %q value %v reason %q\nwant field %q value %v reason containing %q", fe.Field, fe.Value, fe.Reason, tc.field, tc.value, tc.reason)
			}
			if !strings.HasPrefix(verr.Error(), network.Type+": invalid arguments: "+tc.field) {
				t.Errorf("message %q does not start with the type and the field", verr.Error())
			}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := network.NewPolicy(ctx, "edge", args.args())
				return err
			})
			if err == nil || !strings.Contains(err.Error(), verr.Error()) {
				t.Errorf("NewPolicy error %v, want the Validate error", err)
			}
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources before failing:\n%s", len(res.Resources), res.Tree())
			}
		})
	}
}

func TestValidArgsPass(t *testing.T) {
	for name, a := range map[string]*flat{
		"minimal":          {Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "cloudflared"}},
		"output namespace": {Namespace: pulumi.String("apps").ToStringOutput(), PodSelector: map[string]string{"app": "cloudflared"}},
		"fallback with https": {
			Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "cloudflared"}, Kind: network.KindKubernetes,
			UpdateChecks: true, HTTPSCIDRs: []string{"104.16.0.0/13"}, EdgeCIDRs: []string{"198.41.192.0/24"},
		},
		"sidecar, every peer kind": {
			Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "shop"}, Layout: network.LayoutSidecar,
			AppIngress:  []network.Peer{{Labels: map[string]string{"app": "shop"}}, {Namespace: "gateway"}, {CIDRs: []string{"10.0.0.0/8"}}},
			Vault:       &network.Peer{CIDRs: []string{"192.0.2.1/32"}, Hostnames: []string{"vault.example.com."}},
			AccessTeams: []string{"Acme"},
		},
		"private routes outside the cluster": {
			Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "cloudflared"},
			PrivateCIDRs: []string{"192.168.0.0/16", "2001:db8::/32"}, ClusterCIDRs: []string{"10.96.0.0/12", "10.244.0.0/16", "fd00::/8"},
		},
		// A NetworkPolicy may match in-cluster addresses by ipBlock (implementation-defined): not rejected.
		"fallback with a private route inside the cluster": {
			Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "cloudflared"}, Kind: network.KindKubernetes,
			PrivateCIDRs: []string{"10.244.8.0/24"}, ClusterCIDRs: []string{"10.244.0.0/16"},
		},
		"scraped on the metrics port": {
			Namespace: pulumi.String("apps"), PodSelector: map[string]string{"app": "cloudflared"}, Scraped: true,
			Metrics: &network.Peer{Namespace: "monitoring", Ports: []network.Port{{Port: 2000}}},
		},
	} {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDNSNamesAndHTTPSHosts(t *testing.T) {
	a := &flat{
		Region:       network.RegionUS,
		UpdateChecks: true,
		AccessTeams:  []string{"Acme", "acme", "ops"},
		Vault:        &network.Peer{Namespace: "vault", Hostnames: []string{"vault.vault.svc.cluster.local"}},
		Origins: []network.Peer{
			{Labels: map[string]string{"app": "web"}, Hostnames: []string{"web.apps.svc.cluster.local", "Web.Apps.svc.cluster.local."}},
		},
	}
	wantHTTPS := "api.cloudflare.com update.argotunnel.com acme.cloudflareaccess.com ops.cloudflareaccess.com"
	if got := strings.Join(a.HTTPSHosts(), " "); got != wantHTTPS {
		t.Errorf("HTTPSHosts() = %s\nwant %s", got, wantHTTPS)
	}
	wantDNS := "_us-v2-origintunneld._tcp.argotunnel.com us-region1.v2.argotunnel.com us-region2.v2.argotunnel.com " +
		"cfd-features.argotunnel.com " + wantHTTPS + " vault.vault.svc.cluster.local web.apps.svc.cluster.local"
	if got := strings.Join(a.DNSNames(), " "); got != wantDNS {
		t.Errorf("DNSNames() = %s\nwant %s", got, wantDNS)
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	a := &flat{
		PodSelector: map[string]string{},
		Origins:     []network.Peer{{Ports: []network.Port{{Port: 70000, Protocol: "icmp"}}}},
	}
	var fields []string
	for _, fe := range check.Fields(a.Validate()) {
		fields = append(fields, fe.Field)
	}
	want := "pods.namespace pods.selector settings.origins[0] settings.origins[0].ports[0].port settings.origins[0].ports[0].protocol"
	if got := strings.Join(fields, " "); got != want {
		t.Errorf("fields %s\nwant %s", got, want)
	}
}
