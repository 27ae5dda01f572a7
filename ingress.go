package tunnelgate

import (
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/workload"
)

// IngressType is the type token of the Ingress component.
const IngressType = "tunnelgate:index:Ingress"

// IngressArgs configures an Ingress: the Cloudflare side (Tunnel), where cloudflared runs (exactly one of
// Connector or App), how it gets its token (Token) and the network policy around it (NetworkPolicy).
// What one part needs from another (the Vault secret's location, the pods' labels and metrics port, the
// routes' origins and Access teams) is passed along, not asked for twice.
type IngressArgs struct {
	// Tunnel is the Cloudflare side: account, zone, routes, rotation and the Vault secret that receives the
	// token (see tunnel.Args). Required.
	Tunnel tunnel.Args `pulumi:"tunnel"`
	// Namespace of every Kubernetes object (required). It may be another resource's output.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// Connector runs cloudflared in a Deployment of its own (the own-pod layout: routes point at Services,
	// "http://web.apps.svc.cluster.local:8080"). Set this or App. The zero value gives 2 replicas, a
	// PodDisruptionBudget and spread across nodes.
	Connector *workload.Pods `pulumi:"connector,optional"`
	// App builds the app's own Deployment with cloudflared as a sidecar (the in-pod layout: routes point at
	// "http://localhost:<port>"). Set this or Connector.
	App *App `pulumi:"app,optional"`
	// Token says how the token reaches cloudflared, always as a file: from the Vault secret the tunnel
	// writes (Token.Vault, which needs Tunnel.Vault), or from an existing Kubernetes Secret.
	Token Token `pulumi:"token"`
	// Cloudflared configures the cloudflared container (image, metrics port, protocol, region, resources);
	// nil gives the defaults.
	Cloudflared *workload.Cloudflared `pulumi:"cloudflared,optional"`
	// NetworkPolicy configures the policy around the pods running cloudflared; nil gives a
	// CiliumNetworkPolicy with the defaults of network.Settings. What the policy needs from the rest
	// (namespace, pod selector, layout, metrics port, region, Vault agent, the routes' origins and Access
	// teams) is derived; these are only the choices.
	NetworkPolicy *network.Settings `pulumi:"networkPolicy,optional"`
	// DisableNetworkPolicy emits no policy (for clusters that manage policies elsewhere).
	DisableNetworkPolicy bool `pulumi:"disableNetworkPolicy,optional"`
}

// Token says how the tunnel token reaches cloudflared, always as a file: set exactly one field.
type Token struct {
	// Vault renders the token with the Vault Agent Injector from the Vault secret the tunnel writes
	// (Tunnel.Vault, which must then be set): only how the agent logs in is given here (Role is required).
	Vault *workload.VaultAgent `pulumi:"vault,optional"`
	// Secret mounts an existing Kubernetes Secret that holds the token.
	Secret *workload.SecretToken `pulumi:"secret,optional"`
}

// App is the in-pod layout: the app's containers (or whole pod spec) and the shape of its Deployment.
type App struct {
	// Containers are the app's containers (set this or PodSpec).
	Containers corev1.ContainerArray `pulumi:"containers,optional"`
	// PodSpec is the app's whole pod spec (set this or Containers).
	PodSpec *corev1.PodSpecArgs `pulumi:"podSpec,optional"`
	// Pods shapes the Deployment: replicas, disruption budget, spread, metadata, placement, service
	// account; nil gives the defaults.
	Pods *workload.Pods `pulumi:"pods,optional"`
}

// ContainerApp is the in-pod layout of the common case: an app of one container, name and image, that
// listens on port (declared as its containerPort; route to it with "http://localhost:<port>"). It is an
// ordinary *App: set its Pods, or append to Containers, before passing it to NewIngress.
func ContainerApp(name, image string, port int) *App {
	return &App{Containers: corev1.ContainerArray{corev1.ContainerArgs{
		Name:  pulumi.String(name),
		Image: pulumi.String(image),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(port)}},
	}}}
}

// Ingress is a Cloudflare Tunnel in front of in-cluster apps: the tunnel and its DNS records, the token in
// Vault, cloudflared on Kubernetes and its network policy, as one component.
type Ingress struct {
	pulumi.ResourceState

	// Tunnel is the child "<name>" of type tunnelgate:tunnel:Tunnel.
	Tunnel *tunnel.Tunnel
	// Connector is the child "<name>" of type tunnelgate:workload:Connector (own-pod layout), else nil.
	Connector *workload.Connector
	// App is the child "<name>" of type tunnelgate:workload:App (in-pod layout), else nil.
	App *workload.App
	// Policy is the child "<name>" of type tunnelgate:network:Policy, nil when disabled.
	Policy *network.Policy

	// TunnelID is the tunnel's id.
	TunnelID pulumi.StringOutput `pulumi:"tunnelId"`
	// CNAME is the DNS target of every hostname, "<tunnel id>.cfargotunnel.com".
	CNAME pulumi.StringOutput `pulumi:"cname"`
	// Hostnames are the public hostnames.
	Hostnames pulumi.StringArrayOutput `pulumi:"hostnames"`
	// Token is the connector token (secret).
	Token pulumi.StringOutput `pulumi:"token"`
}

// plan is the validated input of every child.
type plan struct {
	tunnel    tunnel.Args
	connector *workload.ConnectorArgs
	app       *workload.AppArgs
	policy    *network.Args
}

// Validate checks every input without Pulumi. Errors name the field from IngressArgs
// ("tunnel.routes[2].path", "token.vault.role", "connector.replicas", "networkPolicy.origins"). The
// Kubernetes names default to the component's name, which NewIngress checks too.
func (a *IngressArgs) Validate() error {
	_, err := a.plan("")
	return err
}

// plan validates everything the children will be given, with the component's name, so that a bad
// input anywhere is reported before anything is registered.
func (a *IngressArgs) plan(name string) (*plan, error) {
	var es check.Errors
	p := &plan{tunnel: a.Tunnel}
	settings := a.clusterDomain(&es, &p.tunnel)
	es.Merge("tunnel", a.Tunnel.Validate())
	token := a.token(&es)
	var pods network.Pods
	switch {
	case a.Connector != nil && a.App != nil:
		es.Add("app", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar), not both")
		return p, es.Err(IngressType)
	case a.Connector == nil && a.App == nil:
		es.Add("connector", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar)")
		return p, es.Err(IngressType)
	case a.App != nil:
		p.app = &workload.AppArgs{
			Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared,
			Containers: a.App.Containers, PodSpec: a.App.PodSpec, Pods: a.App.Pods,
		}
		var err error
		pods, err = p.app.PolicyPods(name)
		rebase(&es, err, "app.pods")
	default:
		p.connector = &workload.ConnectorArgs{Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared, Pods: a.Connector}
		var err error
		pods, err = p.connector.PolicyPods(name)
		rebase(&es, err, "connector")
	}
	switch {
	case a.DisableNetworkPolicy && a.NetworkPolicy != nil:
		es.Add("networkPolicy", nil, "set, but disableNetworkPolicy is true: nothing would use it")
	case !a.DisableNetworkPolicy:
		services, routes := a.Tunnel.OriginServices()
		p.policy = &network.Args{
			Pods:     pods,
			Routes:   network.Routes{OriginHosts: a.Tunnel.OriginHosts(), Services: services, AccessTeams: a.Tunnel.AccessTeams()},
			Settings: settings,
		}
		err := p.policy.Validate()
		rebase(&es, serviceErrors(err, services, routes), "")
	}
	return p, es.Err(IngressType)
}

// clusterDomain gives the tunnel (its routes to Services) and the policy (their DNS names) the same
// cluster domain: the one set on either, and it is an error to set two different ones. It returns the
// policy's settings with it (a copy: the caller's are not modified).
func (a *IngressArgs) clusterDomain(es *check.Errors, t *tunnel.Args) *network.Settings {
	s := a.NetworkPolicy
	if s == nil && t.ClusterDomain != "" && !a.DisableNetworkPolicy {
		return &network.Settings{ClusterDomain: t.ClusterDomain}
	}
	if s == nil || s.ClusterDomain == t.ClusterDomain {
		return s
	}
	switch {
	case t.ClusterDomain == "":
		t.ClusterDomain = s.ClusterDomain
	case s.ClusterDomain == "":
		c := *s
		c.ClusterDomain = t.ClusterDomain
		return &c
	default:
		es.Add("networkPolicy.clusterDomain", s.ClusterDomain, "contradicts tunnel.clusterDomain %q: the routes to Services and the policy's DNS names would name different hosts (set one of them)", t.ClusterDomain)
	}
	return s
}

// serviceErrors renames the policy's errors about its route Services ("routes.services[k]...") to the
// route they come from ("tunnel.routes[i].kubernetesService..."), and drops the ones about an existing
// Service's selector and ports, which the tunnel reads before the policy gets them.
func serviceErrors(err error, services []origin.Service, routes []int) error {
	var es check.Errors
	for _, fe := range check.Fields(err) {
		field := fe.Field
		for k := range services {
			prefix := check.Index("routes.services", k)
			rest, ok := strings.CutPrefix(field, prefix)
			if !ok || (rest != "" && rest[0] != '.') {
				continue
			}
			if services[k].Existing() && (rest == ".selector" || rest == ".ports") {
				field = ""
			} else {
				field = check.Index("tunnel.routes", routes[k]) + ".kubernetesService" + rest
			}
			break
		}
		if field != "" {
			es.Add(field, fe.Value, "%s", fe.Reason)
		}
	}
	return es.Err(network.Type)
}

// token is the workload's token source: with Vault, the location is the tunnel's own, so that the token
// is read where it is written.
func (a *IngressArgs) token(es *check.Errors) workload.TokenSource {
	t := workload.TokenSource{Secret: a.Token.Secret}
	if ag := a.Token.Vault; ag != nil {
		t.Vault = &workload.VaultToken{Agent: *ag}
		if a.Tunnel.Vault == nil {
			es.Add("tunnel.vault", nil, "required with token.vault: the injector reads the token from the Vault secret the tunnel writes (or use token.secret)")
		} else {
			t.Vault.Secret = *a.Tunnel.Vault
		}
	}
	return t
}

// rebase adds the field errors of a child's validator (workload or network) to es under the names
// IngressArgs gives the fields: the workload's "pods.*" under pods (the layout's field),
// "token.vault.agent.*" as "token.vault.*", "containers" and "podSpec" under "app", the policy's
// "settings.*" as "networkPolicy.*". Errors about what the root derives and another validator already
// checked (the Vault secret's location: tunnel.vault; the policy's pods and routes: the workload's and
// the tunnel's fields) are dropped.
func rebase(es *check.Errors, err error, pods string) {
	for _, fe := range check.Fields(err) {
		field := fe.Field
		switch top, rest, _ := strings.Cut(field, "."); {
		case strings.HasPrefix(field, "token.vault.secret"), top == "routes" || strings.HasPrefix(top, "routes["), top == "pods" && pods == "":
			continue
		case top == "tunnel":
			// the policy's errors about a route's Service, under the route (serviceErrors)
		case strings.HasPrefix(field, "token.vault.agent."):
			field = "token.vault." + strings.TrimPrefix(field, "token.vault.agent.")
		case top == "pods":
			field = check.Join(pods, rest)
		case top == "settings":
			field = check.Join("networkPolicy", rest)
		case strings.HasPrefix(top, "containers") || strings.HasPrefix(top, "podSpec"):
			field = check.Join("app", field)
		}
		es.Add(field, fe.Value, "%s", fe.Reason)
	}
}

// NewIngress validates args (a bad input anywhere, the component's name included, registers nothing)
// and registers the component and its children, all named name: the tunnel (tunnelgate:tunnel:Tunnel),
// the connector or app (tunnelgate:workload:Connector or App) and the policy (tunnelgate:network:Policy).
// opts are the component's: explicit providers (cloudflare, vault, random, kubernetes) and Protect
// reach every resource through the parent; DependsOn, RetainOnDelete, DeletedWith and custom timeouts
// are passed to each child component, which passes them to its resources (component.ChildOptions).
func NewIngress(ctx *pulumi.Context, name string, args *IngressArgs, opts ...pulumi.ResourceOption) (*Ingress, error) {
	if args == nil {
		args = &IngressArgs{}
	}
	p, err := args.plan(name)
	if err != nil {
		return nil, err
	}
	comp := &Ingress{}
	if err := ctx.RegisterComponentResource(IngressType, name, comp, opts...); err != nil {
		return nil, err
	}
	child, err := component.ChildOptions(comp, opts)
	if err != nil {
		return nil, err
	}
	tun, err := tunnel.NewTunnel(ctx, name, &p.tunnel, child...)
	if err != nil {
		return nil, err
	}
	comp.Tunnel = tun
	// The pods wait for the token to be in Vault (the injector reads it when a pod starts), and roll
	// when the tunnel changes (its id is a pod-template annotation).
	after := append(child[:len(child):len(child)], pulumi.DependsOn(tun.Children))
	if p.connector != nil {
		p.connector.TunnelID = tun.TunnelID
		comp.Connector, err = workload.NewConnector(ctx, name, p.connector, after...)
	} else {
		p.app.TunnelID = tun.TunnelID
		comp.App, err = workload.NewApp(ctx, name, p.app, after...)
	}
	if err != nil {
		return nil, err
	}
	if p.policy != nil {
		// The Services as the tunnel resolved them: existing ones read from the cluster.
		p.policy.Routes.Services = tun.OriginServices
		if comp.Policy, err = network.NewPolicy(ctx, name, p.policy, child...); err != nil {
			return nil, err
		}
	}
	comp.TunnelID, comp.CNAME, comp.Hostnames = tun.TunnelID, tun.CNAME, tun.Hostnames
	comp.Token = tun.Token
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"tunnelId": comp.TunnelID, "cname": comp.CNAME, "hostnames": comp.Hostnames, "token": comp.Token,
	})
}
