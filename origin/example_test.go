package origin_test

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/origin"
)

// A Service of the same program as a route origin: the route's URL and the policy's peer follow what
// the API server made of it (here the target port it defaulted to the port). In a program, put
// FromService(svc) in a tunnel.Route's KubernetesService; run here on the mock engine.
func ExampleFromService() {
	program := func(ctx *pulumi.Context) error {
		svc, err := corev1.NewService(ctx, "api", &corev1.ServiceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("api"), Namespace: pulumi.String("shop")},
			Spec: &corev1.ServiceSpecArgs{
				Selector: pulumi.StringMap{"app": pulumi.String("api")},
				Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(8080)}},
			},
		})
		if err != nil {
			return err
		}
		api := origin.FromService(svc) // its only port
		api.Resolve("api", "example", "").ApplyT(func(t origin.Target) error {
			fmt.Println(t.URL)
			fmt.Println(t.Selector, t.TargetPort)
			return nil
		})
		return nil
	}
	if _, err := dryrun.Run(program); err != nil {
		fmt.Println(err)
	}
	// Output:
	// http://api.shop.svc.cluster.local:8080
	// map[app:api] 8080
}

// A Service written out as the API server holds it is checked before anything is registered; an
// existing Service (namespace and name only) is read from the cluster first (tunnel.NewTunnel does).
func ExampleService_Validate() {
	web := &origin.Service{
		Namespace: pulumi.String("shop"), Name: pulumi.String("web"), Port: 8080,
		Selector: pulumi.StringMap{"app": pulumi.String("web")},
		Ports:    pulumi.Array{pulumi.Map{"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": pulumi.String("http")}},
	}
	fmt.Println(web.Validate())
	web.Port = 0
	t, ok := web.Known("")
	fmt.Println(ok, t.URL, t.TargetPortName)
	existing := &origin.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("cart"), PortName: "http"}
	fmt.Println(existing.Existing(), existing.Validate())
	// Output:
	// tunnelgate:origin:Service: invalid arguments: port 8080: not a port of Service shop/web, whose ports are 80 (http)
	// true http://web.shop.svc.cluster.local:80 http
	// true <nil>
}
