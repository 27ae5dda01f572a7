package tunnelgate

import (
	"net"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/workload"
)

// IngressType is the type token of the Ingress component.
const IngressType = "tunnelgate:index:Ingress"

// IngressArgs configures an Ingress: the Cloudflare side (Tunnel), where cloudflared runs (exactly one of
// Connector or App), how it gets its token (Token) and the network policy around it (NetworkPolicy).
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
	// Token says how the token reaches cloudflared, always as a file. With Token.Vault, Mount, Path and
	// TokenKey default to Tunnel.Vault's (which must then be set); only Role is required. With
	// Token.Secret, an existing Kubernetes Secret holds the token (Tunnel.Vault is then optional).
	Token workload.TokenSource `pulumi:"token"`
	// Cloudflared configures the cloudflared container (image, metrics port, protocol, region, resources).
	Cloudflared workload.Cloudflared `pulumi:"cloudflared,optional"`
	// NetworkPolicy configures the policy around the connector's pods. nil means a CiliumNetworkPolicy with
	// the defaults described on NetworkPolicy.
	NetworkPolicy *NetworkPolicy `pulumi:"networkPolicy,optional"`
}

// App is the in-pod layout: the app's containers (or whole pod spec) and the shape of its Deployment.
type App struct {
	// Containers are the app's containers (set this or PodSpec).
	Containers corev1.ContainerArray `pulumi:"containers,optional"`
	// PodSpec is the app's whole pod spec (set this or Containers).
	PodSpec *corev1.PodSpecArgs `pulumi:"podSpec,optional"`
	// Pods shapes the Deployment: replicas, disruption budget, spread, metadata, placement, service account.
	workload.Pods
}

// ContainerApp is the in-pod layout of the common case: an app of one container, name and image, that
// listens on port (declared as its containerPort; route to it with "http://localhost:<port>"). It is an
// ordinary *App: set its Pods fields, or append to Containers, before passing it to NewIngress.
func ContainerApp(name, image string, port int) *App {
	return &App{Containers: corev1.ContainerArray{corev1.ContainerArgs{
		Name:  pulumi.String(name),
		Image: pulumi.String(image),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(port)}},
	}}}
}

// NetworkPolicy configures the policy that the Ingress puts around the pods running cloudflared. What it
// derives from the rest of IngressArgs: the namespace, the pod selector, the layout, the region (from
// Cloudflared.Region), the Access team domains (from the routes) and, with Token.Vault, egress to Vault.
type NetworkPolicy struct {
	// Disabled emits no policy (for clusters that manage policies elsewhere).
	Disabled bool `pulumi:"disabled,optional"`
	// Kind is network.KindCilium (default) or network.KindKubernetes (a plain NetworkPolicy).
	Kind network.Kind `pulumi:"kind,optional"`
	// Region overrides the edge region derived from Cloudflared.Region (network.RegionFedRAMP for FedRAMP
	// accounts, whose tokens point at the FedRAMP edge).
	Region network.Region `pulumi:"region,optional"`
	// Vault is where Vault runs (namespace, labels, port). Default: the network package's default Vault peer.
	// Used only with Token.Vault.
	Vault *network.Peer `pulumi:"vault,optional"`
	// Origins are the pods behind the routes' Services (own-pod layout), with their ports. Required in the
	// own-pod layout when a route points at an in-cluster origin: without them the policy would block the
	// connector's way to the app.
	Origins []network.Peer `pulumi:"origins,optional"`
	// Metrics is who may scrape cloudflared's metrics port (none when nil).
	Metrics *network.Peer `pulumi:"metrics,optional"`
	// AppIngress is who may reach the app's pods directly (in-pod layout; none when empty: traffic from the
	// tunnel arrives through localhost and needs no rule).
	AppIngress []network.Peer `pulumi:"appIngress,optional"`
	// UpdateChecks allows HTTPS to api.cloudflare.com and update.argotunnel.com (off: the pinned image
	// does not update itself).
	UpdateChecks bool `pulumi:"updateChecks,optional"`
	// DNS overrides the cluster DNS peer (default kube-dns in kube-system).
	DNS *network.Peer `pulumi:"dns,optional"`
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
// ("tunnel.routes[2].path", "token.vault.role", "connector.replicas", "networkPolicy.origins").
func (a *IngressArgs) Validate() error {
	_, err := a.plan()
	return err
}

func (a *IngressArgs) plan() (*plan, error) {
	var es check.Errors
	p := &plan{tunnel: a.Tunnel}
	es.Merge("tunnel", a.Tunnel.Validate())

	token := a.token(&es)
	layout := "connector"
	switch {
	case a.Connector != nil && a.App != nil:
		es.Add("app", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar), not both")
	case a.Connector == nil && a.App == nil:
		es.Add("connector", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar)")
	case a.App != nil:
		layout = "app"
		p.app = &workload.AppArgs{
			Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared,
			Containers: a.App.Containers, PodSpec: a.App.PodSpec, Pods: a.App.Pods,
		}
		es.Merge("", rebase(layout, p.app.Validate()))
	default:
		p.connector = &workload.ConnectorArgs{Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared, Pods: *a.Connector}
		es.Merge("", rebase(layout, p.connector.Validate()))
	}

	if np := a.NetworkPolicy; np == nil || !np.Disabled {
		p.policy = a.policyArgs(&es, layout)
	}
	return p, es.Err(IngressType)
}

// token fills the Vault location from Tunnel.Vault, so that the token is read where it is written.
func (a *IngressArgs) token(es *check.Errors) workload.TokenSource {
	t := a.Token
	if t.Vault == nil {
		return t
	}
	v := *t.Vault
	loc, ok := a.Tunnel.VaultLocation()
	if !ok {
		es.Add("tunnel.vault", nil, "required with token.vault: the injector reads the token from the Vault secret the tunnel writes (or use token.secret)")
		return t
	}
	same := func(field, got, want string) string {
		if got != "" && got != want {
			es.Add("token.vault."+field, got, "differs from tunnel.vault's %q: cloudflared would read a secret nobody writes (leave it empty)", want)
		}
		return want
	}
	v.Mount = same("mount", v.Mount, loc.Mount)
	v.Path = same("path", v.Path, loc.Path)
	v.TokenKey = same("tokenKey", v.TokenKey, loc.TokenKey)
	if v.Namespace == "" {
		v.Namespace = loc.Namespace
	}
	t.Vault = &v
	return t
}

func (a *IngressArgs) policyArgs(es *check.Errors, layout string) *network.Args {
	np := a.NetworkPolicy
	if np == nil {
		np = &NetworkPolicy{}
	}
	args := &network.Args{
		Namespace: a.Namespace,
		// Placeholder until the workload reports its selector labels; the policy selects exactly those.
		PodSelector:  map[string]string{"app.kubernetes.io/name": "cloudflared"},
		Kind:         np.Kind,
		Region:       np.Region,
		DNS:          np.DNS,
		Origins:      np.Origins,
		Metrics:      np.Metrics,
		AppIngress:   np.AppIngress,
		UpdateChecks: np.UpdateChecks,
		Layout:       network.LayoutOwnPod,
	}
	if layout == "app" {
		args.Layout = network.LayoutSidecar
	}
	if args.Region == "" && strings.EqualFold(a.Cloudflared.Region, "us") {
		args.Region = network.RegionUS
	}
	for _, d := range a.Tunnel.AccessTeamDomains() {
		args.AccessTeams = append(args.AccessTeams, strings.TrimSuffix(d, ".cloudflareaccess.com"))
	}
	if m := np.Metrics; m != nil && len(m.Ports) == 0 && a.Cloudflared.MetricsPort != 0 {
		c := *m
		c.Ports = []network.Port{{Port: a.Cloudflared.MetricsPort}}
		args.Metrics = &c
	}
	if a.Token.Vault != nil {
		args.Vault = np.Vault
		if args.Vault == nil {
			args.Vault = &network.Peer{
				Namespace: DefaultVaultNamespace, Labels: DefaultVaultLabels(),
				Hostnames: []string{"vault." + DefaultVaultNamespace + ".svc." + ClusterDomain},
			}
		}
	}
	if layout == "connector" {
		// cloudflared resolves the origins' Service names: the policy's DNS rules must list them.
		var hosts []string
		for _, o := range a.Tunnel.Origins() {
			if o.Host != "" && !isLoopback(o.Host) && net.ParseIP(o.Host) == nil {
				hosts = append(hosts, fqdn(o.Host, a.Namespace))
			}
		}
		if len(args.Origins) == 0 && len(hosts) > 0 {
			es.Add("networkPolicy.origins", nil,
				"required in the own-pod layout: the routes send traffic to %s, which the policy would block (describe its pods and ports, or set networkPolicy.disabled)", hosts[0])
		}
		if len(args.Origins) > 0 && len(hosts) > 0 {
			origins := append([]network.Peer(nil), args.Origins...)
			o := origins[0]
			o.Hostnames = append(append([]string(nil), o.Hostnames...), hosts...)
			origins[0] = o
			args.Origins = origins
		}
	}
	es.Merge("networkPolicy", args.Validate())
	return args
}

// ClusterDomain is the cluster's DNS domain, used to fully qualify in-cluster names in the policy's DNS
// rules (Cilium's DNS proxy refuses names it does not list, including search-path expansions).
const ClusterDomain = "cluster.local"

// fqdn qualifies an in-cluster host name: "web" and "web.apps" and "web.apps.svc" become
// "web.apps.svc.cluster.local" (the namespace of a bare name is the Ingress's, when known).
func fqdn(host string, ns pulumi.StringInput) string {
	switch n := strings.Count(host, "."); {
	case strings.HasSuffix(host, ".svc"):
		return host + "." + ClusterDomain
	case n == 0:
		if lit, ok := ns.(pulumi.String); ok {
			return host + "." + string(lit) + ".svc." + ClusterDomain
		}
	case n == 1:
		return host + ".svc." + ClusterDomain
	}
	return host
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// DefaultVaultNamespace is where the network policy expects Vault's pods when NetworkPolicy.Vault is nil:
// the namespace the official Vault Helm chart is usually installed in.
const DefaultVaultNamespace = "vault"

// DefaultVaultLabels are the labels of the Vault server pods of the official Helm chart, which the
// network policy allows egress to when NetworkPolicy.Vault is nil.
func DefaultVaultLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "vault", "component": "server"}
}

// rebase moves the workload's own field paths under the layout's field, except the ones IngressArgs
// has at its top level too.
func rebase(layout string, err error) error {
	var es check.Errors
	for _, fe := range check.Fields(err) {
		top := fe.Field
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		field := fe.Field
		switch top {
		case "token", "cloudflared", "namespace":
		case "containers", "podSpec":
			field = check.Join("app", field)
		default:
			field = check.Join(layout, field)
		}
		es.Add(field, fe.Value, "%s", fe.Reason)
	}
	return es.Err(IngressType)
}

// NewIngress validates args (a bad input anywhere registers nothing) and registers the component and its
// children, all named name: the tunnel (tunnelgate:tunnel:Tunnel), the connector or app
// (tunnelgate:workload:Connector or App) and the policy (tunnelgate:network:Policy). opts are the
// component's: explicit providers (cloudflare, vault, random, kubernetes) reach every resource through the
// parent.
func NewIngress(ctx *pulumi.Context, name string, args *IngressArgs, opts ...pulumi.ResourceOption) (*Ingress, error) {
	if args == nil {
		args = &IngressArgs{}
	}
	p, err := args.plan()
	if err != nil {
		return nil, err
	}
	comp := &Ingress{}
	if err := ctx.RegisterComponentResource(IngressType, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	tun, err := tunnel.NewTunnel(ctx, name, &p.tunnel, parent)
	if err != nil {
		return nil, err
	}
	comp.Tunnel = tun
	// The pods wait for the token to be in Vault (the injector reads it when a pod starts), and roll
	// when the tunnel changes (its id is a pod-template annotation).
	after := pulumi.DependsOn(tun.Children)
	var selector map[string]string
	switch {
	case p.connector != nil:
		p.connector.TunnelID = tun.TunnelID
		comp.Connector, err = workload.NewConnector(ctx, name, p.connector, parent, after)
		if err == nil {
			selector = comp.Connector.SelectorLabels
		}
	default:
		p.app.TunnelID = tun.TunnelID
		comp.App, err = workload.NewApp(ctx, name, p.app, parent, after)
		if err == nil {
			selector = comp.App.SelectorLabels
		}
	}
	if err != nil {
		return nil, err
	}
	if p.policy != nil {
		p.policy.PodSelector = selector
		if comp.Policy, err = network.NewPolicy(ctx, name, p.policy, parent); err != nil {
			return nil, err
		}
	}
	comp.TunnelID, comp.CNAME, comp.Hostnames = tun.TunnelID, tun.CNAME, tun.Hostnames
	comp.Token = tun.Token
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"tunnelId": comp.TunnelID, "cname": comp.CNAME, "hostnames": comp.Hostnames, "token": comp.Token,
	})
}
