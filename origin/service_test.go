package origin_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/origin"
)

// ports builds Service.Ports as a program writes them out: "name:port:targetPort[/protocol]"
// (empty parts left out).
func ports(specs ...string) pulumi.Array {
	out := pulumi.Array{}
	for _, s := range specs {
		s, proto, _ := strings.Cut(s, "/")
		parts := strings.Split(s, ":")
		m := pulumi.Map{}
		if parts[0] != "" {
			m["name"] = pulumi.String(parts[0])
		}
		m["port"] = pulumi.Int(atoi(parts[1]))
		if len(parts) > 2 && parts[2] != "" {
			if n := atoi(parts[2]); n > 0 {
				m["targetPort"] = pulumi.Int(n)
			} else {
				m["targetPort"] = pulumi.String(parts[2])
			}
		}
		if proto != "" {
			m["protocol"] = pulumi.String(proto)
		}
		out = append(out, m)
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// web is a Service of the program described as the API server holds it: 80 "http" to the container
// port named "http", 9090 "metrics" to 9090.
func web() *origin.Service {
	return &origin.Service{
		Namespace: pulumi.String("shop"), Name: pulumi.String("web"),
		Selector: pulumi.StringMap{"app": pulumi.String("web")},
		Ports:    ports("http:80:http", "metrics:9090"),
	}
}

func TestKnown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*origin.Service)
		domain string
		want   origin.Target
	}{
		{"port by number, named target", func(s *origin.Service) { s.Port = 80 }, "", origin.Target{
			Namespace: "shop", Name: "web", Host: "web.shop.svc.cluster.local", URL: "http://web.shop.svc.cluster.local:80",
			Port: 80, TargetPortName: "http", Selector: map[string]string{"app": "web"},
		}},
		{"port by name, target defaulted to the port, https, own domain", func(s *origin.Service) {
			s.PortName, s.Scheme = "metrics", "https"
		}, "corp.internal.", origin.Target{
			Namespace: "shop", Name: "web", Host: "web.shop.svc.corp.internal", URL: "https://web.shop.svc.corp.internal:9090",
			Port: 9090, TargetPort: 9090, Selector: map[string]string{"app": "web"},
		}},
		{"the only port, numeric target, cluster IP", func(s *origin.Service) {
			s.Ports, s.ClusterIP = ports(":8000:3000"), pulumi.String("10.0.0.12")
		}, "", origin.Target{
			Namespace: "shop", Name: "web", Host: "web.shop.svc.cluster.local", URL: "http://web.shop.svc.cluster.local:8000",
			Port: 8000, TargetPort: 3000, Selector: map[string]string{"app": "web"},
		}},
		// A Service the provider has not created yet has no cluster IP in a preview: not an error.
		{"cluster IP not assigned yet", func(s *origin.Service) {
			s.Port, s.ClusterIP = 80, pulumi.String("")
		}, "", origin.Target{
			Namespace: "shop", Name: "web", Host: "web.shop.svc.cluster.local", URL: "http://web.shop.svc.cluster.local:80",
			Port: 80, TargetPortName: "http", Selector: map[string]string{"app": "web"},
		}},
		{"no selector (the policy's to reject)", func(s *origin.Service) {
			s.Port, s.Selector = 80, pulumi.StringMap{}
		}, "", origin.Target{
			Namespace: "shop", Name: "web", Host: "web.shop.svc.cluster.local", URL: "http://web.shop.svc.cluster.local:80",
			Port: 80, TargetPortName: "http", Selector: map[string]string{},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := web()
			tc.mutate(s)
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got, ok := s.Known(tc.domain)
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Known: %v %+v\nwant %+v", ok, got, tc.want)
			}
		})
	}
	out := web()
	out.Selector = pulumi.StringMap{"app": pulumi.String("web")}.ToStringMapOutput()
	if _, ok := out.Known(""); ok {
		t.Error("Known with a selector that is an output")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*origin.Service)
		field  string
		value  any
		reason string
	}{
		{"port not on the Service", func(s *origin.Service) { s.Port = 8080 }, "port", 8080, "not a port of Service shop/web, whose ports are 80 (http), 9090 (metrics)"},
		{"port name not on the Service", func(s *origin.Service) { s.PortName = "https" }, "portName", "https", "not a port name of Service shop/web"},
		{"several ports, none chosen", func(s *origin.Service) {}, "port", nil, "several ports (80 (http), 9090 (metrics))"},
		{"no ports", func(s *origin.Service) { s.Ports = pulumi.Array{} }, "ports", nil, "has no ports"},
		{"port and port name", func(s *origin.Service) { s.Port, s.PortName = 80, "http" }, "portName", "http", "not both"},
		{"port out of range", func(s *origin.Service) { s.Port = 70000 }, "port", 70000, "port number"},
		{"port name syntax", func(s *origin.Service) { s.PortName = "Http_1" }, "portName", "Http_1", "not a port name"},
		{"scheme", func(s *origin.Service) { s.Port, s.Scheme = 80, "tcp" }, "scheme", "tcp", "\"http\" or \"https\""},
		{"headless", func(s *origin.Service) { s.Port, s.ClusterIP = 80, pulumi.String("None") }, "clusterIp", "None", "headless"},
		{"UDP port", func(s *origin.Service) { s.Ports, s.Port = ports("dns:53:53/UDP"), 53 }, "port", 53, "is UDP: cloudflared reaches origins over TCP"},
		{"target port name", func(s *origin.Service) { s.Ports = ports("http:80:Web_Port") }, "ports", nil, "not a port name"},
		{"malformed port", func(s *origin.Service) {
			s.Port, s.Ports = 80, pulumi.Array{pulumi.Map{"name": pulumi.String("http")}}
		}, "ports[0]", map[string]any{"name": "http"}, "not a Service port"},
		{"namespace", func(s *origin.Service) { s.Port, s.Namespace = 80, pulumi.String("Shop") }, "namespace", "Shop", "RFC 1123"},
		{"name starting with a digit", func(s *origin.Service) { s.Port, s.Name = 80, pulumi.String("1web") }, "name", "1web", "DNS-1035 label"},
		{"no name", func(s *origin.Service) { s.Port, s.Name = 80, nil }, "name", nil, "required"},
		{"selector label", func(s *origin.Service) { s.Port, s.Selector = 80, pulumi.StringMap{"app": pulumi.String("-x")} }, "selector.app", "-x", "label value"},
		{"selector without ports", func(s *origin.Service) { s.Port, s.Ports = 80, nil }, "ports", nil, "required with selector"},
		{"ports without selector", func(s *origin.Service) { s.Port, s.Selector = 80, nil }, "selector", nil, "required with ports"},
		{"existing Service named by an output", func(s *origin.Service) {
			s.Port, s.Selector, s.Ports = 80, nil, nil
			s.Namespace = pulumi.String("shop").ToStringOutput()
		}, "namespace", nil, "must be literals"},
		{"cluster IP of an existing Service", func(s *origin.Service) {
			s.Port, s.Selector, s.Ports, s.ClusterIP = 80, nil, nil, pulumi.String("10.0.0.1")
		}, "clusterIp", nil, "read from the cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := web()
			tc.mutate(s)
			var found []string
			for _, fe := range check.Fields(s.Validate()) {
				found = append(found, fe.Error())
				if fe.Field == tc.field && reflect.DeepEqual(fe.Value, tc.value) && strings.Contains(fe.Reason, tc.reason) {
					return
				}
			}
			t.Errorf("no error %s = %v (%q) in %q", tc.field, tc.value, tc.reason, found)
		})
	}
}

// program registers a Service of the program (with the mock engine's API-server defaults) and
// captures what FromService resolves to.
func program(spec *corev1.ServiceSpecArgs, choose func(*origin.Service)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		svc, err := corev1.NewService(ctx, "web", &corev1.ServiceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("web"), Namespace: pulumi.String("shop")},
			Spec:     spec,
		})
		if err != nil {
			return err
		}
		o := origin.FromService(svc)
		choose(o)
		t := o.Resolve("routes[3].kubernetesService", "test:index:Component", "")
		return dryrun.Capture(ctx, "target", pulumi.Map{
			"url": t.URL(),
			"target": t.ApplyT(func(t origin.Target) map[string]any {
				return map[string]any{"host": t.Host, "port": t.Port, "targetPort": t.TargetPort, "targetPortName": t.TargetPortName, "selector": t.Selector}
			}),
		})
	}
}

func TestResolveServiceOfTheProgram(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   *corev1.ServiceSpecArgs
		choose func(*origin.Service)
		want   map[string]any
	}{
		{"named target port", &corev1.ServiceSpecArgs{
			Selector: pulumi.StringMap{"app": pulumi.String("web")},
			Ports: corev1.ServicePortArray{
				corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(80), TargetPort: pulumi.String("http")},
				corev1.ServicePortArgs{Name: pulumi.String("admin"), Port: pulumi.Int(81), TargetPort: pulumi.Int(9000)},
			},
		}, func(o *origin.Service) { o.PortName = "http" }, map[string]any{
			"url": "http://web.shop.svc.cluster.local:80",
			"target": map[string]any{
				"host": "web.shop.svc.cluster.local", "port": 80.0, "targetPort": 0.0, "targetPortName": "http",
				"selector": map[string]any{"app": "web"},
			},
		}},
		// The API server defaults the target port to the port: the output has it, the input did not.
		{"target port left to the API server", &corev1.ServiceSpecArgs{
			Selector: pulumi.StringMap{"app": pulumi.String("web"), "tier": pulumi.String("front")},
			Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Port: pulumi.Int(8080)}},
		}, func(o *origin.Service) { o.Scheme = "https" }, map[string]any{
			"url": "https://web.shop.svc.cluster.local:8080",
			"target": map[string]any{
				"host": "web.shop.svc.cluster.local", "port": 8080.0, "targetPort": 8080.0, "targetPortName": "",
				"selector": map[string]any{"app": "web", "tier": "front"},
			},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dryrun.Run(program(tc.spec, tc.choose))
			if err != nil {
				t.Fatal(err)
			}
			got := dryrun.Plain(res.Must(t, dryrun.CaptureType, "target").Inputs)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("resolved %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestResolveChecksOnceKnown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   *corev1.ServiceSpecArgs
		choose func(*origin.Service)
		want   string
	}{
		{"port not on the Service", &corev1.ServiceSpecArgs{
			Selector: pulumi.StringMap{"app": pulumi.String("web")},
			Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(80)}},
		}, func(o *origin.Service) { o.Port = 8080 }, `routes[3].kubernetesService.port 8080: not a port of Service shop/web, whose ports are 80 (http)`},
		{"headless", &corev1.ServiceSpecArgs{
			ClusterIP: pulumi.String("None"),
			Selector:  pulumi.StringMap{"app": pulumi.String("web")},
			Ports:     corev1.ServicePortArray{corev1.ServicePortArgs{Port: pulumi.Int(80)}},
		}, func(*origin.Service) {}, `routes[3].kubernetesService.clusterIp "None": Service shop/web is headless`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &origin.Service{Namespace: pulumi.String("shop"), Name: pulumi.String("web")}
			s.Selector, s.Ports = pulumi.StringMap{}.ToStringMapOutput(), pulumi.Array{}.ToArrayOutput()
			if err := s.Validate(); err != nil {
				t.Fatalf("outputs are checked once known, not by Validate: %v", err)
			}
			res, err := dryrun.Run(program(tc.spec, tc.choose))
			if err == nil || !strings.Contains(err.Error(), "test:index:Component: invalid arguments: "+tc.want) {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if res.Get(dryrun.CaptureType, "target") != nil {
				t.Error("the resource using the target was registered")
			}
		})
	}
}

func TestRead(t *testing.T) {
	existing := dryrun.Existing(origin.ServiceType, "shop/web", map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{
			"selector": map[string]any{"app": "web"},
			"ports":    []any{map[string]any{"name": "http", "port": 80, "targetPort": "http"}},
		},
	})
	read := func(name string) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			s, err := origin.Read(ctx, "web-read", &origin.Service{Namespace: pulumi.String("shop"), Name: pulumi.String(name), PortName: "http"})
			if err != nil {
				return err
			}
			if s.PortName != "http" {
				t.Errorf("port name %q not kept", s.PortName)
			}
			return dryrun.Capture(ctx, "url", pulumi.Map{"url": s.Resolve("s", "test:index:C", "").URL(), "selector": s.Selector})
		}
	}
	res, err := dryrun.Run(read("web"), existing)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Must(t, origin.ServiceType, "web-read")
	if !r.Read || r.ID != "shop/web" || !r.Custom {
		t.Errorf("read %+v", r)
	}
	want := map[string]any{"url": "http://web.shop.svc.cluster.local:80", "selector": map[string]any{"app": "web"}}
	if got := dryrun.Plain(res.Must(t, dryrun.CaptureType, "url").Inputs); !reflect.DeepEqual(got, want) {
		t.Errorf("captured %v, want %v", got, want)
	}
	if m := res.Manifests(); len(m) != 0 {
		t.Errorf("a read is not an emitted object: %v", m)
	}
	if _, err := dryrun.Run(read("gone"), existing); err == nil || !strings.Contains(err.Error(), "resource 'shop/gone' does not exist") {
		t.Errorf("reading a missing Service: %v", err)
	}
}
