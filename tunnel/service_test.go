package tunnel_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	kube "github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

const tService = "kubernetes:core/v1:Service"

// cart is an existing Service in the cluster: 80 "http" to the container port "web", 81 "admin" to 9000.
var cart = dryrun.Existing(tService, "shop/cart", map[string]any{
	"apiVersion": "v1", "kind": "Service",
	"metadata": map[string]any{"name": "cart", "namespace": "shop"},
	"spec": map[string]any{
		"selector": map[string]any{"app": "cart"},
		"ports": []any{
			map[string]any{"name": "http", "port": 80, "targetPort": "web"},
			map[string]any{"name": "admin", "port": 81, "targetPort": 9000},
		},
	},
})

// web is a Service of the program: 8080 "http" to the container port "http".
func web(ctx *pulumi.Context) (*corev1.Service, error) {
	return corev1.NewService(ctx, "web", &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("web"), Namespace: pulumi.String("shop")},
		Spec: &corev1.ServiceSpecArgs{
			Selector: pulumi.StringMap{"app": pulumi.String("web")},
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(8080), TargetPort: pulumi.String("http"),
			}},
		},
	})
}

// serviceArgs routes to every form of Service: one of the program (twice, the same value), one
// written out, and an existing one on two of its ports.
func serviceArgs(ctx *pulumi.Context) (*tunnel.Args, error) {
	svc, err := web(ctx)
	if err != nil {
		return nil, err
	}
	w := kube.FromService(svc)
	a := baseArgs()
	a.Routes = []tunnel.Route{
		{Hostname: "app.example.com", Path: "^/cart/", KubernetesService: &kube.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("cart"), PortName: "http"}},
		{Hostname: "app.example.com", Path: "^/admin/", KubernetesService: &kube.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("cart"), Port: 81, Scheme: "https"}},
		{Hostname: "app.example.com", KubernetesService: w},
		{Hostname: "static.example.com", KubernetesService: &kube.Service{
			Namespace: pulumi.String("cdn"), Name: pulumi.String("static"),
			Selector: pulumi.StringMap{"app": pulumi.String("static")},
			Ports:    pulumi.Array{pulumi.Map{"port": pulumi.Int(80), "targetPort": pulumi.Int(8000)}},
		}},
		{Hostname: "www.example.com", KubernetesService: w},
	}
	return a, nil
}

func TestServiceRoutes(t *testing.T) {
	var services []kube.Service
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		a, err := serviceArgs(ctx)
		if err != nil {
			return err
		}
		a.ClusterDomain = "corp.internal"
		if err := a.Validate(); err != nil {
			return err
		}
		got, routes := a.OriginServices()
		if len(got) != 4 || !reflect.DeepEqual(routes, []int{0, 1, 2, 3}) {
			t.Errorf("OriginServices: %d services, first routes %v; want 4, [0 1 2 3]", len(got), routes)
		}
		c, err := tunnel.NewTunnel(ctx, "edge", a)
		if err != nil {
			return err
		}
		services = c.OriginServices
		return nil
	}, cart)
	if err != nil {
		t.Fatal(err)
	}
	svc := func(s string) string { return s + ".svc.corp.internal" }
	want := []any{
		rule{"hostname": "app.example.com", "path": "^/cart/", "service": "http://" + svc("cart.shop") + ":80"},
		rule{"hostname": "app.example.com", "path": "^/admin/", "service": "https://" + svc("cart.shop") + ":81"},
		rule{"hostname": "app.example.com", "service": "http://" + svc("web.shop") + ":8080"},
		rule{"hostname": "static.example.com", "service": "http://" + svc("static.cdn") + ":80"},
		rule{"hostname": "www.example.com", "service": "http://" + svc("web.shop") + ":8080"},
		rule{"service": "http_status:404"},
	}
	cfg := plain(res.Must(t, tConfig, "edge-config"))["config"].(map[string]any)
	if !reflect.DeepEqual(cfg["ingressRules"], want) {
		t.Errorf("rules:\n%v\nwant\n%v", cfg["ingressRules"], want)
	}
	// One read of the existing Service (two ports), a child of the component; the Service of the
	// program and the written-out one are not read.
	comp := res.Must(t, tunnel.Type, "edge")
	var reads []dryrun.Resource
	for _, r := range res.OfType(tService) {
		if r.Read {
			reads = append(reads, r)
		}
	}
	if len(reads) != 1 || reads[0].Name != "edge-service-shop.cart" || reads[0].ID != "shop/cart" || reads[0].Parent != comp.URN || len(res.OfType(tService)) != 2 {
		t.Fatalf("Services registered: %+v\nwant the program's and one read edge-service-shop.cart of shop/cart under the component", res.OfType(tService))
	}
	if len(services) != 4 || services[0].Existing() || services[0].PortName != "http" || services[1].Port != 81 || services[1].Scheme != "https" {
		t.Errorf("Tunnel.OriginServices: %+v", services)
	}
}

func TestServiceRouteCheckedOnceKnown(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		a, err := serviceArgs(ctx)
		if err != nil {
			return err
		}
		a.Routes[2].KubernetesService.Port = 80 // the Service has 8080 only
		if err := a.Validate(); err != nil {
			t.Errorf("Validate() checks outputs once known only: %v", err)
		}
		_, err = tunnel.NewTunnel(ctx, "edge", a)
		return err
	}, cart)
	want := "tunnelgate:tunnel:Tunnel: invalid arguments: routes[2].kubernetesService.port 80: not a port of Service shop/web, whose ports are 8080 (http)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v\nwant %s", err, want)
	}
	// Neither the config nor what waits for it (the records) is registered; the tunnel is.
	if n, m, k := len(res.OfType(tConfig)), len(res.OfType(tRecord)), len(res.OfType(tTunnel)); n != 0 || m != 0 || k != 1 {
		t.Errorf("registered %d configs, %d records, %d tunnels; want 0, 0, 1", n, m, k)
	}
}

func TestExistingServiceMissing(t *testing.T) {
	_, err := dryrun.Run(func(ctx *pulumi.Context) error {
		a := baseArgs()
		a.Routes = []tunnel.Route{{Hostname: "app.example.com", KubernetesService: &kube.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("gone"), Port: 80}}}
		_, err := tunnel.NewTunnel(ctx, "edge", a)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "resource 'shop/gone' does not exist") {
		t.Fatalf("error %v, want the read's", err)
	}
}

// The read of an existing Service gets the caller's DependsOn and provider; the options that do
// not apply to a read (it never deletes nor updates) are not checked on it.
func TestOptionsReachTheRead(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		opts, err := optcheck.Options(ctx)
		if err != nil {
			return err
		}
		a, err := serviceArgs(ctx)
		if err != nil {
			return err
		}
		_, err = tunnel.NewTunnel(ctx, "edge", a, opts...)
		return err
	}, cart)
	if err != nil {
		t.Fatal(err)
	}
	if n := optcheck.Check(t, res, tunnel.Type, "edge"); n != 8 {
		t.Errorf("checked %d resources, want 8 (the read among them)", n)
	}
}
