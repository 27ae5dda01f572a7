package tunnelgate_test

// Issue 17: routes whose origin is a Kubernetes Service, and one connector for several namespaces.

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/examples/quickstart"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

const tService = "kubernetes:core/v1:Service"

func TestSharedGraph(t *testing.T) {
	res := runSeed(t, quickstart.Shared)
	want := `kubernetes:apps/v1:Deployment blog
kubernetes:apps/v1:Deployment shop
kubernetes:core/v1:Namespace namespace-apps
kubernetes:core/v1:Namespace namespace-blog
kubernetes:core/v1:Namespace namespace-shop
kubernetes:core/v1:Service blog-service
kubernetes:core/v1:Service shop-service
tunnelgate:index:Ingress edge
  tunnelgate:network:Policy edge
    kubernetes:cilium.io/v2:CiliumNetworkPolicy edge-cnp
    kubernetes:cilium.io/v2:CiliumNetworkPolicy edge-origin-0
    kubernetes:cilium.io/v2:CiliumNetworkPolicy edge-origin-1
  tunnelgate:tunnel:Tunnel edge
    cloudflare:index/record:Record edge-dns-app.example.com
    cloudflare:index/record:Record edge-dns-blog.example.com
    cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
    cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
    random:index/randomPassword:RandomPassword edge-secret
    vault:kv/secretV2:SecretV2 edge-vault
  tunnelgate:vaultrole:Role edge
    vault:index/policy:Policy edge-policy
    vault:kubernetes/authBackendRole:AuthBackendRole edge-role
  tunnelgate:workload:Connector edge
    kubernetes:apps/v1:Deployment edge-deployment
    kubernetes:core/v1:ServiceAccount edge-serviceaccount
    kubernetes:policy/v1:PodDisruptionBudget edge-pdb
`
	if got := res.Tree(); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	rules := path(dryrun.Plain(res.Must(t, tConfig, "edge-config").Inputs), "config", "ingressRules")
	if !equalJSON(rules, []any{
		map[string]any{"hostname": "app.example.com", "path": "^/blog/", "service": "http://blog.blog.svc.cluster.local:80"},
		map[string]any{"hostname": "app.example.com", "service": "http://shop.shop.svc.cluster.local:80"},
		map[string]any{"hostname": "blog.example.com", "service": "http://blog.blog.svc.cluster.local:80"},
		map[string]any{"service": "http_status:404"},
	}) {
		t.Errorf("ingress rules %v", rules)
	}
	// The connector's egress names exactly the two apps' pods on their target ports (the shop's by
	// the container port's name), and it may resolve exactly their Services' names besides its own.
	cnp := dryrun.Plain(res.Must(t, tCNP, "edge-cnp").Inputs)
	egress := path(cnp, "spec", "egress").([]any)
	if !equalJSON(egress[len(egress)-2:], []any{
		map[string]any{"toEndpoints": []any{map[string]any{"matchLabels": map[string]any{"k8s:app": "blog", "k8s:io.kubernetes.pod.namespace": "blog"}}}, "toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "4000", "protocol": "TCP"}}}}},
		map[string]any{"toEndpoints": []any{map[string]any{"matchLabels": map[string]any{"k8s:app": "shop", "k8s:io.kubernetes.pod.namespace": "shop"}}}, "toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "http", "protocol": "TCP"}}}}},
	}) {
		t.Errorf("origin egress %v", egress[len(egress)-2:])
	}
	var names []string
	for _, d := range asSlice(path(egress[0], "toPorts", 0, "rules", "dns")) {
		names = append(names, path(d, "matchName").(string))
	}
	if want := []string{"blog.blog.svc.cluster.local", "shop.shop.svc.cluster.local", "vault.vault.svc.cluster.local"}; !slices.Equal(names[4:], want) {
		t.Errorf("DNS names %v, want the region's then %v", names, want)
	}
	// Each app's namespace lets the connector's pods in, to exactly the app's pods and port.
	for name, ns := range map[string]string{"edge-origin-0": "blog", "edge-origin-1": "shop"} {
		in := dryrun.Plain(res.Must(t, tCNP, name).Inputs)
		if path(in, "metadata", "namespace") != ns || path(in, "spec", "endpointSelector", "matchLabels", "k8s:app") != ns ||
			path(in, "spec", "ingress", 0, "fromEndpoints", 0, "matchLabels", "k8s:io.kubernetes.pod.namespace") != "apps" {
			t.Errorf("%s: %v", name, in)
		}
	}
	// The routes and the policy follow the Services the program creates.
	shop := res.Must(t, tService, "shop-service").URN
	if deps := res.Must(t, tConfig, "edge-config").PropertyDependencies["config"]; !slices.Contains(deps, shop) {
		t.Errorf("the config does not wait for the shop's Service: %v", deps)
	}
	if deps := res.Must(t, tCNP, "edge-cnp").Dependencies; !slices.Contains(deps, shop) {
		t.Errorf("the policy does not wait for the shop's Service: %v", deps)
	}
}

// An existing Service is read once, by the tunnel, and the policy allows what the read found: its
// selector and the target port behind the route's Service port (a name here).
func TestIngressExistingService(t *testing.T) {
	a := sharedArgs()
	a.Tunnel.Routes[1].KubernetesService = &origin.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("cart"), PortName: "web"}
	a.Tunnel.Routes = append(a.Tunnel.Routes, tunnel.Route{
		Hostname: "admin.example.com", KubernetesService: &origin.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("cart"), Port: 9000},
	})
	a.Tunnel.ClusterDomain = "corp.internal"
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnelgate.NewIngress(ctx, "edge", a)
		return err
	}, seedConfig(), dryrun.Existing(tService, "shop/cart", map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "cart", "namespace": "shop"},
		"spec": map[string]any{
			"selector": map[string]any{"app.kubernetes.io/name": "cart"},
			"ports": []any{
				map[string]any{"name": "web", "port": 80, "targetPort": "http"},
				map[string]any{"name": "admin", "port": 9000},
			},
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	reads := res.OfType(tService)
	if len(reads) != 1 || reads[0].Name != "edge-service-shop.cart" || reads[0].Parent != res.Must(t, "tunnelgate:tunnel:Tunnel", "edge").URN {
		t.Fatalf("reads %+v, want one edge-service-shop.cart under the tunnel", reads)
	}
	rules := path(dryrun.Plain(res.Must(t, tConfig, "edge-config").Inputs), "config", "ingressRules")
	for i, want := range []string{"http://blog.blog.svc.corp.internal:80", "http://cart.shop.svc.corp.internal:80", "http://cart.shop.svc.corp.internal:9000"} {
		if got := path(rules, i, "service"); got != want {
			t.Errorf("rule %d: %v, want %s", i, got, want)
		}
	}
	egress := path(dryrun.Plain(res.Must(t, tCNP, "edge-cnp").Inputs), "spec", "egress").([]any)
	cart := map[string]any{"k8s:app.kubernetes.io/name": "cart", "k8s:io.kubernetes.pod.namespace": "shop"}
	if !equalJSON(egress[len(egress)-2:], []any{
		map[string]any{"toEndpoints": []any{map[string]any{"matchLabels": cart}}, "toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "http", "protocol": "TCP"}}}}},
		map[string]any{"toEndpoints": []any{map[string]any{"matchLabels": cart}}, "toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "9000", "protocol": "TCP"}}}}},
	}) {
		t.Errorf("egress to the read Service: %v", egress[len(egress)-2:])
	}
	// The tunnel's cluster domain is the policy's too.
	names := path(egress[0], "toPorts", 0, "rules", "dns")
	if !strings.Contains(toJSON(names), `"cart.shop.svc.corp.internal"`) || !strings.Contains(toJSON(names), `"vault.vault.svc.corp.internal"`) {
		t.Errorf("DNS names %s, want the corp.internal names", toJSON(names))
	}
}

// A port that is not on a Service of the program is found once the Service is known: the tunnel's
// config and the policy object are not registered, and the errors name the route's field and the
// Service.
func TestIngressServiceCheckedOnceKnown(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		services, err := quickstartServices(ctx)
		if err != nil {
			return err
		}
		a := sharedArgs()
		a.Tunnel.Routes[1].KubernetesService = services
		a.Tunnel.Routes[1].KubernetesService.Port = 8080
		_, err = tunnelgate.NewIngress(ctx, "edge", a)
		return err
	}, seedConfig())
	for _, want := range []string{
		"tunnelgate:tunnel:Tunnel: invalid arguments: routes[1].kubernetesService.port 8080: not a port of Service shop/shop, whose ports are 80 (http)",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant %s", err, want)
		}
	}
	if n, m := len(res.OfType(tConfig)), len(res.OfType(tCNP)); n != 0 || m != 0 {
		t.Errorf("registered %d configs and %d policies with a port the Service does not have", n, m)
	}
}

// quickstartServices registers the shop's Service as examples/shared does and returns it as an origin.
func quickstartServices(ctx *pulumi.Context) (*origin.Service, error) {
	svc, err := (quickstart.SharedApp{Name: "shop", Namespace: "shop", Image: "ghcr.io/example/shop:1.0", ContainerPort: 8080, TargetPort: "http"}).Deploy(ctx, pulumi.String("shop"))
	if err != nil {
		return nil, err
	}
	return origin.FromService(svc), nil
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
