package network_test

import (
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
)

// The routes' Services of these tests: "shop/web" targets the container port named "http" behind port
// 80, "blog/blog" the number 4000 behind 80 (written out, or as Services of the program whose outputs
// the mock engine completes as the API server does).
var (
	shopSelector = map[string]string{"app": "shop"}
	blogSelector = map[string]string{"app": "blog", "tier": "web"}
)

func writtenOut() []origin.Service {
	shop := service("shop", shopSelector)
	return []origin.Service{shop, {
		Namespace: pulumi.String("blog"), Name: pulumi.String("blog"), Port: 80,
		Selector: pulumi.ToStringMap(blogSelector),
		Ports:    pulumi.Array{pulumi.Map{"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": pulumi.Int(4000)}},
	}}
}

// ofTheProgram registers the two Services and returns them as origins (FromService): selector,
// ports and names are outputs.
func ofTheProgram(ctx *pulumi.Context) ([]origin.Service, error) {
	var out []origin.Service
	for _, s := range []struct {
		ns, name string
		sel      map[string]string
		target   pulumi.Input
	}{{"shop", "web", shopSelector, pulumi.String("http")}, {"blog", "blog", blogSelector, pulumi.Int(4000)}} {
		svc, err := corev1.NewService(ctx, s.name, &corev1.ServiceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(s.name), Namespace: pulumi.String(s.ns)},
			Spec: &corev1.ServiceSpecArgs{
				Selector: pulumi.ToStringMap(s.sel),
				Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(80), TargetPort: s.target}},
			},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, *origin.FromService(svc))
	}
	return out, nil
}

// runServices registers a Policy "edge" for the connector in "apps" with the routes' Services (written
// out, or of the program), and returns the inputs of every policy object by name.
func runServices(t *testing.T, kind network.Kind, program bool, namespace pulumi.StringInput) (*dryrun.Result, map[string]obj) {
	t.Helper()
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		services := writtenOut()
		if program {
			var err error
			if services, err = ofTheProgram(ctx); err != nil {
				return err
			}
		}
		f := &flat{Namespace: namespace, PodSelector: connector, Kind: kind, Services: services, OriginIngress: true}
		_, err := network.NewPolicy(ctx, "edge", f.args())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]obj{}
	for _, r := range res.Resources {
		if r.Type == network.CiliumType || r.Type == network.KubernetesType {
			out[r.Name] = dryrun.Plain(r.Inputs)
		}
	}
	return res, out
}

func TestServicesCilium(t *testing.T) {
	// The same policy whether the Services are written out (a plain spec) or outputs of the program
	// (resolved once known), and whether the connector's namespace is known or an output.
	for _, tc := range []struct {
		name      string
		program   bool
		namespace pulumi.StringInput
	}{
		{"written out", false, pulumi.String("apps")},
		{"of the program", true, pulumi.String("apps")},
		{"of the program, namespace an output", true, pulumi.String("apps").ToStringOutput()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, objs := runServices(t, network.KindCilium, tc.program, tc.namespace)
			names := append(append([]string{}, globalNames...), "web.shop.svc.cluster.local", "blog.blog.svc.cluster.local")
			assertJSON(t, "egress", objs["edge-cnp"]["spec"].(obj)["egress"], arr{
				cDNS(names...),
				cEdge("region1.v2.argotunnel.com", "region2.v2.argotunnel.com"),
				cTo(obj{"k8s:app": "shop", "k8s:io.kubernetes.pod.namespace": "shop"}, "http/TCP"),
				cTo(obj{"k8s:app": "blog", "k8s:tier": "web", "k8s:io.kubernetes.pod.namespace": "blog"}, "4000/TCP"),
			})
			from := arr{obj{"matchLabels": obj{
				"k8s:app.kubernetes.io/name": "cloudflared", "k8s:app.kubernetes.io/instance": "edge", "k8s:io.kubernetes.pod.namespace": "apps",
			}}}
			for name, want := range map[string]obj{
				"edge-origin-0": {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": obj{"namespace": "shop"}, "spec": obj{
					"endpointSelector": obj{"matchLabels": obj{"k8s:app": "shop"}},
					"ingress":          arr{obj{"fromEndpoints": from, "toPorts": arr{obj{"ports": cPorts("http/TCP")}}}},
				}},
				"edge-origin-1": {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": obj{"namespace": "blog"}, "spec": obj{
					"endpointSelector": obj{"matchLabels": obj{"k8s:app": "blog", "k8s:tier": "web"}},
					"ingress":          arr{obj{"fromEndpoints": from, "toPorts": arr{obj{"ports": cPorts("4000/TCP")}}}},
				}},
			} {
				assertJSON(t, name, objs[name], want)
			}
			comp := res.Must(t, network.Type, "edge")
			for _, name := range []string{"edge-cnp", "edge-origin-0", "edge-origin-1"} {
				if r := res.Must(t, network.CiliumType, name); r.Parent != comp.URN {
					t.Errorf("%s: parent %s", name, r.Parent)
				}
			}
		})
	}
}

func TestServicesKubernetes(t *testing.T) {
	for _, program := range []bool{false, true} {
		_, objs := runServices(t, network.KindKubernetes, program, pulumi.String("apps"))
		egress := objs["edge-netpol"]["spec"].(obj)["egress"].(arr)
		assertJSON(t, "service egress", egress[len(egress)-2:], arr{
			obj{
				"to":    arr{obj{"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "shop"}}, "podSelector": obj{"matchLabels": obj{"app": "shop"}}}},
				"ports": arr{obj{"port": "http", "protocol": "TCP"}},
			},
			obj{
				"to":    arr{obj{"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "blog"}}, "podSelector": obj{"matchLabels": obj{"app": "blog", "tier": "web"}}}},
				"ports": arr{obj{"port": 4000, "protocol": "TCP"}},
			},
		})
		from := arr{obj{
			"namespaceSelector": obj{"matchLabels": obj{"kubernetes.io/metadata.name": "apps"}},
			"podSelector":       obj{"matchLabels": obj{"app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": "edge"}},
		}}
		assertJSON(t, "shop's ingress policy", objs["edge-origin-0"], obj{
			"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": obj{"namespace": "shop"},
			"spec": obj{
				"podSelector": obj{"matchLabels": obj{"app": "shop"}},
				"policyTypes": arr{"Ingress"},
				"ingress":     arr{obj{"from": from, "ports": arr{obj{"port": "http", "protocol": "TCP"}}}},
			},
		})
		assertJSON(t, "blog's ingress policy", objs["edge-origin-1"]["spec"].(obj)["ingress"], arr{obj{"from": from, "ports": arr{obj{"port": 4000, "protocol": "TCP"}}}})
	}
}

// A Service of the program that turns out, once known, to have no selector, or to be in a namespace
// the connector may not reach, fails the policy with the field named; no policy object is registered
// that would silently block (or open) the wrong pods.
func TestServicesCheckedOnceKnown(t *testing.T) {
	for _, tc := range []struct {
		name     string
		selector pulumi.StringMapInput
		reach    []string
		want     string
	}{
		{"no selector", nil, nil, `routes.services[0].selector: Service shop/web has no selector`},
		{"namespace not reached", pulumi.StringMap{"app": pulumi.String("shop")}, []string{"blog"}, `routes.services[0].namespace "shop": not one of settings.originNamespaces [blog]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				svc, err := corev1.NewService(ctx, "web", &corev1.ServiceArgs{
					Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("web"), Namespace: pulumi.String("shop")},
					Spec: &corev1.ServiceSpecArgs{
						Selector: tc.selector,
						Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Port: pulumi.Int(80)}},
					},
				})
				if err != nil {
					return err
				}
				f := &flat{Namespace: pulumi.String("apps"), PodSelector: connector, Services: []origin.Service{*origin.FromService(svc)}, OriginNamespaces: tc.reach}
				if err := f.Validate(); err != nil {
					t.Errorf("Validate() checks outputs once known only: %v", err)
				}
				_, err = network.NewPolicy(ctx, "edge", f.args())
				return err
			})
			if err == nil || !strings.Contains(err.Error(), network.Type+": invalid arguments: "+tc.want) {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if n := len(res.OfType(network.CiliumType)); n != 0 {
				t.Errorf("%d policy objects registered", n)
			}
		})
	}
}

// The DNS names of written-out Services are known before registration (DNSNames).
func TestServicesDNSNames(t *testing.T) {
	got := (&flat{Namespace: pulumi.String("apps"), PodSelector: connector, Services: writtenOut()}).DNSNames()
	want := append(append([]string{}, globalNames...), "web.shop.svc.cluster.local", "blog.blog.svc.cluster.local")
	assertJSON(t, "DNS names", got, want)
}

func TestOriginIngressOptions(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		opts, err := optcheck.Options(ctx)
		if err != nil {
			return err
		}
		f := &flat{Namespace: pulumi.String("apps"), PodSelector: connector, Services: writtenOut(), OriginIngress: true}
		_, err = network.NewPolicy(ctx, "edge", f.args(), opts...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := optcheck.Check(t, res, network.Type, "edge"); n != 3 {
		t.Errorf("checked %d resources, want 3", n)
	}
}
