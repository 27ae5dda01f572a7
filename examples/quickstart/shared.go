package quickstart

import (
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

// SharedApp is one app of the Shared program: a Deployment and a Service named Name in namespace
// Namespace (the Namespace is the app's own).
type SharedApp struct {
	// Name of the Deployment and the Service, also the pods' "app" label.
	Name string
	// Namespace of the app.
	Namespace string
	// Image of its one container.
	Image string
	// ContainerPort is the port the container listens on, named "http".
	ContainerPort int
	// TargetPort is the Service port's targetPort: "http" (the container port's name) or the number.
	TargetPort any
}

// Selector are the labels of the app's pods, the Service's selector.
func (a SharedApp) Selector() map[string]string { return map[string]string{"app": a.Name} }

// origin is the app's Service as the route origin, described as the program will create it: what
// NewIngress can check before anything is registered.
func (a SharedApp) origin() *origin.Service {
	return &origin.Service{
		Namespace: pulumi.String(a.Namespace),
		Name:      pulumi.String(a.Name),
		Selector:  pulumi.ToStringMap(a.Selector()),
		Ports: pulumi.Array{pulumi.Map{
			"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": a.targetPort(),
		}},
	}
}

// targetPort is TargetPort as an input: a number or a name.
func (a SharedApp) targetPort() pulumi.Input {
	if name, ok := a.TargetPort.(string); ok {
		return pulumi.String(name)
	}
	return pulumi.Int(a.TargetPort.(int))
}

// SharedApps are the two apps of the Shared program: "shop" in namespace shopNamespace (default
// "shop"), whose Service targets the container port by name, and "blog" in blogNamespace (default
// "blog"), by number.
func (s settings) SharedApps() []SharedApp {
	return []SharedApp{
		{Name: "shop", Namespace: or(s.cfg.Get("shopNamespace"), "shop"), Image: or(s.cfg.Get("shopImage"), s.appImage), ContainerPort: 8080, TargetPort: "http"},
		{Name: "blog", Namespace: or(s.cfg.Get("blogNamespace"), "blog"), Image: or(s.cfg.Get("blogImage"), s.appImage), ContainerPort: 4000, TargetPort: 4000},
	}
}

// Shared is one cloudflared connector for the whole cluster, in a namespace of its own (namespace,
// default "cloudflared"), serving two apps in two other namespaces through one tunnel: hostname
// (e.g. www.example.com) goes to the shop's Service, except paths under /blog/, which go to the blog's;
// blogHostname (default "blog." + the parent domain of hostname) goes to the blog's Service too. The
// routes name the apps' Services (origin.FromService), so the connector's policy allows exactly their
// pods on their target ports and resolves exactly their names; with originIngress (default true) each
// app's namespace also gets the policy that lets the connector's pods in, for namespaces that deny
// ingress by default.
//
// Stack config: the keys of the package doc (namespace defaults to "cloudflared" here; appImage is
// the default image of both apps) and shopNamespace, blogNamespace, shopImage, blogImage,
// blogHostname, originIngress.
func Shared(ctx *pulumi.Context) error {
	c := load(ctx, "edge")
	c.namespace = or(c.cfg.Get("namespace"), "cloudflared")
	c.vaultPath = or(c.cfg.Get("vaultPath"), c.namespace+"/edge/cloudflared")
	apps := c.SharedApps()
	shop, blog := apps[0], apps[1]
	blogHost := c.cfg.Get("blogHostname")
	if _, parent, ok := strings.Cut(c.hostname, "."); ok && blogHost == "" {
		blogHost = "blog." + parent
	}
	// The routes, first match wins: /blog/ on the main hostname, the rest of it, the blog's hostname.
	to := []SharedApp{blog, shop, blog}
	routes := []tunnel.Route{
		{Hostname: c.hostname, Path: "^/blog/", KubernetesService: blog.origin()},
		{Hostname: c.hostname, KubernetesService: shop.origin()},
		{Hostname: blogHost, KubernetesService: blog.origin()},
	}
	args := &tunnelgate.IngressArgs{
		Tunnel:          c.tunnel(routes...),
		Connector:       c.pods(),
		InPlaceRotation: c.inPlaceRotation,
	}
	c.token(args, "edge")
	c.policy(args, nil)
	if args.NetworkPolicy != nil {
		args.NetworkPolicy.OriginIngress = true
		if v, err := c.cfg.TryBool("originIngress"); err == nil {
			args.NetworkPolicy.OriginIngress = v
		}
	}
	// Everything is checked before anything is registered, with the Services described as they will
	// be created; the routes then follow the Services the API server made.
	args.Namespace = pulumi.String(c.namespace)
	if err := args.Validate(); err != nil {
		return err
	}
	namespaces := map[string]pulumi.StringInput{}
	for _, ns := range []string{c.namespace, shop.Namespace, blog.Namespace} {
		namespaces[ns] = pulumi.String(ns)
		if c.createNamespace {
			n, err := corev1.NewNamespace(ctx, "namespace-"+ns, &corev1.NamespaceArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ns)},
			})
			if err != nil {
				return err
			}
			namespaces[ns] = n.Metadata.Name().Elem()
		}
	}
	services := map[string]*origin.Service{}
	for _, a := range apps {
		svc, err := a.Deploy(ctx, namespaces[a.Namespace])
		if err != nil {
			return err
		}
		services[a.Name] = origin.FromService(svc)
	}
	for i, a := range to {
		args.Tunnel.Routes[i].KubernetesService = services[a.Name]
	}
	args.Namespace = namespaces[c.namespace]
	_, err := tunnelgate.NewIngress(ctx, "edge", args)
	return err
}

// Deploy registers the app's Deployment "<name>" and Service "<name>-service" in namespace ns (the
// pods pass the restricted Pod Security Standard).
func (a SharedApp) Deploy(ctx *pulumi.Context, ns pulumi.StringInput) (*corev1.Service, error) {
	labels := pulumi.ToStringMap(a.Selector())
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(a.Name), Namespace: ns, Labels: labels}
	_, err := appsv1.NewDeployment(ctx, a.Name, &appsv1.DeploymentArgs{
		Metadata: meta,
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(2),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: labels},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels},
				Spec: corev1.PodSpecArgs{
					AutomountServiceAccountToken: pulumi.Bool(false),
					SecurityContext: &corev1.PodSecurityContextArgs{
						RunAsNonRoot:   pulumi.Bool(true),
						SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
					},
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:  pulumi.String(a.Name),
						Image: pulumi.String(a.Image),
						Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
							Name: pulumi.String("http"), ContainerPort: pulumi.Int(a.ContainerPort),
						}},
						SecurityContext: &corev1.SecurityContextArgs{
							AllowPrivilegeEscalation: pulumi.Bool(false),
							Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
						},
					}},
				},
			},
		},
	})
	if err != nil {
		return nil, err
	}
	return corev1.NewService(ctx, a.Name+"-service", &corev1.ServiceArgs{
		Metadata: meta,
		Spec: &corev1.ServiceSpecArgs{
			Selector: labels,
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(80), TargetPort: a.targetPort(),
			}},
		},
	})
}
