package tunnelgate

import (
	"cmp"
	"slices"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultrole"
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
	// VaultRole configures the Vault side of Token.Vault, which is created by default: a policy that
	// reads exactly the secret the tunnel writes, and a Kubernetes auth role, named as the agent's
	// Token.Vault.Role, bound to exactly the pods' service account and namespace, for tokens with the
	// agent's audience (see package vaultrole). nil gives the defaults: policy named like the role,
	// token TTL 300 s, max TTL 3600 s. Only with Token.Vault.
	VaultRole *vaultrole.Settings `pulumi:"vaultRole,optional"`
	// DisableVaultRole creates no Vault policy and role: for a Vault whose policies and roles are
	// managed elsewhere. Token.Vault.Role must then name an existing role that may read the secret
	// (README, "Real use"), and no defaults are applied to the agent's role name, audience or the
	// pods' service account. Only with Token.Vault.
	DisableVaultRole bool `pulumi:"disableVaultRole,optional"`
	// Cloudflared configures the cloudflared container (image, metrics port, protocol, region, resources);
	// nil gives the defaults.
	Cloudflared *workload.Cloudflared `pulumi:"cloudflared,optional"`
	// Metrics publishes cloudflared's metrics: a Service, and a PodMonitor or ServiceMonitor and example
	// alert rules when asked (see workload.Metrics). With a monitor the policy requires its scraper,
	// NetworkPolicy.Metrics. nil: none.
	Metrics *workload.Metrics `pulumi:"metrics,optional"`
	// NetworkPolicy configures the policy around the pods running cloudflared; nil gives a
	// CiliumNetworkPolicy with the defaults of network.Settings. What the policy needs from the rest
	// (namespace, pod selector, layout, metrics port, region, Vault agent, the routes' origins and Access
	// teams) is derived; these are only the choices.
	NetworkPolicy *network.Settings `pulumi:"networkPolicy,optional"`
	// DisableNetworkPolicy emits no policy (for clusters that manage policies elsewhere).
	DisableNetworkPolicy bool `pulumi:"disableNetworkPolicy,optional"`
	// InPlaceRotation rotates (a change of Tunnel.Rotation) by rolling the one Deployment's pods onto
	// the new tunnel instead of creating a second Deployment for it next to the old one. It saves the
	// second set of pods during the update, at the cost of a window in which visitors get Cloudflare
	// error 1033: from the last old pod stopping to the DNS records moving. Default false: no window
	// (see the package doc's Rotation section).
	InPlaceRotation bool `pulumi:"inPlaceRotation,optional"`
}

// Token says how the tunnel token reaches cloudflared, always as a file: set exactly one of Vault or
// Secret.
type Token struct {
	// Vault renders the token with the Vault Agent Injector from the Vault secret the tunnel writes
	// (Tunnel.Vault, which must then be set): only how the agent logs in is given here. While the
	// Ingress creates the Vault role (unless DisableVaultRole), the role's name is Role (default
	// vaultrole.DefaultName(project, stack, component name), "<project>-<stack>-<name>" in lower case)
	// and its audience TokenAudience (default vaultrole.DefaultAudience, "vault"); with
	// DisableVaultRole, Role is required and TokenAudience stays as given.
	Vault *workload.VaultAgent `pulumi:"vault,optional"`
	// Secret mounts a Kubernetes Secret that holds the token: an existing one (yours: a rotation needs
	// you to put the new token there, see the tunnel package doc), or with CreateSecret one the Ingress
	// writes. Its Value is the Ingress's to set: leave it unset.
	Secret *workload.SecretToken `pulumi:"secret,optional"`
	// CreateSecret makes the Ingress create the Secret that Secret names (child "<name>-token" of the
	// workload component) and keep the tunnel's token in it: written before the connectors start, and
	// rewritten on a rotation before the new connectors start, so that a rotation needs nothing from you.
	// Only with Secret.
	CreateSecret bool `pulumi:"createSecret,optional"`
}

// App is the in-pod layout: the app's containers (or whole pod spec) and the shape of its Deployment.
type App struct {
	// Containers are the app's containers (set this or PodSpec): a corev1.ContainerArray, whose
	// elements may hold outputs, or an output of a container list (see workload.AppArgs.Containers).
	Containers corev1.ContainerArrayInput `pulumi:"containers,optional" provider:"type=kubernetes@4.25.0:core/v1:Container"`
	// PodSpec is the app's whole pod spec (set this or Containers): a *corev1.PodSpecArgs, whose fields
	// may hold outputs, or an output of a pod spec (see workload.AppArgs.PodSpec). When the Ingress
	// creates the Vault role and the pod spec is an output, the pods get a service account of their
	// own unless Pods names one: the spec must then leave serviceAccountName unset.
	PodSpec corev1.PodSpecPtrInput `pulumi:"podSpec,optional" provider:"type=kubernetes@4.25.0:core/v1:PodSpec"`
	// Pods shapes the Deployment: replicas, disruption budget, spread, metadata, placement, service
	// account; nil gives the defaults.
	Pods *workload.Pods `pulumi:"pods,optional"`
}

// ContainerApp is the in-pod layout of the common case: an app of one container, name and image, that
// listens on port (declared as its containerPort; route to it with "http://localhost:<port>"). It is an
// ordinary *App: set its Pods, or add containers to its Containers (a corev1.ContainerArray), before
// passing it to NewIngress.
func ContainerApp(name, image string, port int) *App {
	return &App{Containers: corev1.ContainerArray{corev1.ContainerArgs{
		Name:  pulumi.String(name),
		Image: pulumi.String(image),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(port)}},
	}}}
}

// specAccount reports whether the app's pod spec is a literal that names the service account.
func (a *App) specAccount() bool {
	switch s := a.PodSpec.(type) {
	case *corev1.PodSpecArgs:
		return s != nil && s.ServiceAccountName != nil
	case corev1.PodSpecArgs:
		return s.ServiceAccountName != nil
	}
	return false
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
	// VaultRole is the child "<name>" of type tunnelgate:vaultrole:Role, nil unless the token comes
	// from Vault and DisableVaultRole is false.
	VaultRole *vaultrole.Role
	// Policy is the child "<name>" of type tunnelgate:network:Policy, nil when disabled.
	Policy *network.Policy

	// TunnelID is the tunnel's id.
	TunnelID pulumi.StringOutput `pulumi:"tunnelId"`
	// CNAME is the DNS target of every hostname, "<tunnel id>.cfargotunnel.com".
	CNAME pulumi.StringOutput `pulumi:"cname"`
	// Hostnames are the public hostnames.
	Hostnames pulumi.StringArrayOutput `pulumi:"hostnames"`
	// Token is the connector token (secret).
	Token pulumi.StringOutput `pulumi:"token" provider:"secret"`
	// AccessAudiences maps each Cloudflare Access application's domain to its audience tag (see
	// tunnel.Tunnel.AccessAudiences).
	AccessAudiences pulumi.StringMapOutput `pulumi:"accessAudiences"`
	// ServiceTokenIDs and ServiceTokenSecrets map each Access machine client to its service token's
	// client id and secret (secrets).
	ServiceTokenIDs     pulumi.StringMapOutput `pulumi:"serviceTokenIds" provider:"secret"`
	ServiceTokenSecrets pulumi.StringMapOutput `pulumi:"serviceTokenSecrets" provider:"secret"`
}

// plan is the validated input of every child.
type plan struct {
	tunnel    tunnel.Args
	role      *vaultrole.Args
	connector *workload.ConnectorArgs
	app       *workload.AppArgs
	policy    *network.Args
}

// Validate checks every input without Pulumi. Errors name the field from IngressArgs
// ("tunnel.routes[2].path", "token.vault.role", "connector.replicas", "networkPolicy.origins"). The
// Kubernetes names and the Vault role's name default to the component's name (and the project's and
// stack's), which NewIngress checks too.
func (a *IngressArgs) Validate() error {
	_, err := a.plan("", "", "")
	return err
}

// plan validates everything the children will be given, with the project's, stack's and component's
// names, so that a bad input anywhere is reported before anything is registered.
func (a *IngressArgs) plan(project, stack, name string) (*plan, error) {
	var es check.Errors
	p := &plan{tunnel: a.Tunnel}
	settings := a.clusterDomain(&es, &p.tunnel)
	es.Merge("tunnel", a.Tunnel.Validate())
	role := a.roleOn(&es)
	token := a.token(&es, role, vaultrole.DefaultName(project, stack, name))
	generation := a.Tunnel.Rotation // the pods of each generation get a Deployment of their own
	if a.InPlaceRotation {
		generation = ""
	}
	var facts workload.Facts
	switch {
	case a.Connector != nil && a.App != nil:
		es.Add("app", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar), not both")
		return p, es.Err(IngressType)
	case a.Connector == nil && a.App == nil:
		es.Add("connector", nil, "set either connector (cloudflared in its own Deployment) or app (cloudflared as a sidecar)")
		return p, es.Err(IngressType)
	case a.App != nil:
		p.app = &workload.AppArgs{
			Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared, Generation: generation, Metrics: a.Metrics,
			Containers: a.App.Containers, PodSpec: a.App.PodSpec, Pods: a.App.Pods,
		}
		specAccount := a.App.specAccount()
		if role && noAccount(a.App.Pods) && !specAccount {
			p.app.Pods = ownAccount(a.App.Pods)
		}
		var err error
		facts, err = p.app.Facts(name)
		rebase(&es, err, "app.pods")
		account := accountField("app.pods", a.App.Pods)
		if specAccount && noAccount(a.App.Pods) {
			account = "app.podSpec.serviceAccountName"
		}
		p.role = a.planRole(&es, facts, account)
	default:
		p.connector = &workload.ConnectorArgs{
			Namespace: a.Namespace, Token: token, Cloudflared: a.Cloudflared, Generation: generation, Pods: a.Connector, Metrics: a.Metrics,
		}
		if role && noAccount(a.Connector) {
			p.connector.Pods = ownAccount(a.Connector)
		}
		var err error
		facts, err = p.connector.Facts(name)
		rebase(&es, err, "connector")
		p.role = a.planRole(&es, facts, accountField("connector", a.Connector))
	}
	switch {
	case a.DisableNetworkPolicy && a.NetworkPolicy != nil:
		es.Add("networkPolicy", nil, "set, but disableNetworkPolicy is true: nothing would use it")
	case !a.DisableNetworkPolicy:
		services, routes := a.Tunnel.OriginServices()
		p.policy = &network.Args{
			Pods: facts.PolicyPods,
			Routes: network.Routes{
				OriginHosts: a.Tunnel.OriginHosts(), Services: services, AccessTeams: a.Tunnel.AccessTeams(), PrivateCIDRs: a.Tunnel.PrivateCIDRs(),
			},
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

// roleOn reports whether the Ingress creates the Vault role: with the Vault token source, unless
// DisableVaultRole. Settings that nothing would use are errors.
func (a *IngressArgs) roleOn(es *check.Errors) bool {
	switch {
	case a.Token.Vault == nil && a.Token.Secret != nil && a.VaultRole != nil:
		es.Add("vaultRole", nil, "set, but the token comes from a Kubernetes Secret (token.secret): there is no Vault agent to give a role to")
	case a.Token.Vault == nil && a.Token.Secret != nil && a.DisableVaultRole:
		es.Add("disableVaultRole", true, "set, but the token comes from a Kubernetes Secret (token.secret): there is no Vault role to disable")
	case a.DisableVaultRole && a.VaultRole != nil:
		es.Add("vaultRole", nil, "set, but disableVaultRole is true: nothing would use it")
	}
	return a.Token.Vault != nil && !a.DisableVaultRole
}

// token is the workload's token source: with Vault, the location is the tunnel's own, so that the token
// is read where it is written; when the Ingress creates the role, the agent's role name and audience
// default to the role's (defaultRole, vaultrole.DefaultAudience), so that both agree by construction.
func (a *IngressArgs) token(es *check.Errors, role bool, defaultRole string) workload.TokenSource {
	t := workload.TokenSource{Secret: a.Token.Secret}
	switch s := a.Token.Secret; {
	case s == nil && a.Token.CreateSecret:
		es.Add("token.createSecret", true, "only with token.secret: the Secret to create (its name and key)")
	case s != nil && s.Value != nil:
		es.Add("token.secret.value", nil, "set by the Ingress from the tunnel's token (with token.createSecret): leave it unset")
	}
	if ag := a.Token.Vault; ag != nil {
		t.Vault = &workload.VaultToken{Agent: *ag}
		if role {
			if t.Vault.Agent.Role == "" {
				t.Vault.Agent.Role = defaultRole
				var bad check.Errors
				if bad.VaultRole("token.vault.role", defaultRole); bad.Len() > 0 {
					es.Add("token.vault.role", defaultRole, "the default role name, <project>-<stack>-<component name>, is not a Vault role name (letters, digits, . _ @ -): set token.vault.role")
				}
			}
			t.Vault.Agent.TokenAudience = cmp.Or(t.Vault.Agent.TokenAudience, vaultrole.DefaultAudience)
		}
		if a.Tunnel.Vault == nil {
			es.Add("tunnel.vault", nil, "required with token.vault: the injector reads the token from the Vault secret the tunnel writes (or use token.secret)")
		} else {
			t.Vault.Secret = *a.Tunnel.Vault
		}
	}
	return t
}

// written is the workload's token source src with, when CreateSecret asks for it, the tunnel's token as
// the Secret's value (the workload then writes the Secret).
func (t Token) written(src workload.TokenSource, tun *tunnel.Tunnel) workload.TokenSource {
	if t.CreateSecret && src.Secret != nil {
		s := *src.Secret
		s.Value = tun.Token
		src.Secret = &s
	}
	return src
}

// ownAccount is pods (nil: the defaults) with a service account of their own, created by the workload
// under the Deployment's name: the Vault role binds it, so that no other pod of the namespace can log in
// with the role.
func ownAccount(pods *workload.Pods) *workload.Pods {
	var c workload.Pods
	if pods != nil {
		c = *pods
	}
	c.ServiceAccount = &workload.ServiceAccount{Create: true}
	return &c
}

// noAccount reports whether pods name no service account.
func noAccount(pods *workload.Pods) bool { return pods == nil || pods.ServiceAccount == nil }

// accountField is where the pods' service account is set in IngressArgs, under prefix (the layout's
// pods): its name, or the pods' name when the Ingress gives the pods an account of their own.
func accountField(prefix string, pods *workload.Pods) string {
	if noAccount(pods) {
		return check.Join(prefix, "name")
	}
	return check.Join(prefix, "serviceAccount.name")
}

// planRole returns the role's args, from the tunnel's location and the workload's reader, or nil when
// the Ingress creates no role. It validates them and adds their errors under IngressArgs' names: the
// settings' as "vaultRole.*", the reader's account as account (where the user set it) unless that field
// is already reported. The location and the rest of the reader were checked under tunnel.vault and
// token.vault by the tunnel and the workload.
func (a *IngressArgs) planRole(es *check.Errors, facts workload.Facts, account string) *vaultrole.Args {
	if a.Token.Vault == nil || a.DisableVaultRole || a.Tunnel.Vault == nil || facts.VaultReader == nil {
		return nil
	}
	role := &vaultrole.Args{Secret: *a.Tunnel.Vault, Reader: *facts.VaultReader, Settings: a.VaultRole}
	for _, fe := range check.Fields(role.Validate()) {
		field := fe.Field
		switch top, rest, _ := strings.Cut(field, "."); {
		case top == "settings":
			field = check.Join("vaultRole", rest)
		case field == "reader.serviceAccount" && !es.Has(account):
			field = account
			if !strings.HasSuffix(account, "serviceAccount.name") && !strings.HasSuffix(account, "serviceAccountName") {
				es.Add(field, fe.Value, "names the pods' own service account, which the Vault role binds: %s", fe.Reason)
				continue
			}
		case field == "reader.role" && !es.Has("token.vault.role"):
			field = "token.vault.role" // the policy's default name is the role's
		default:
			continue
		}
		es.Add(field, fe.Value, "%s", fe.Reason)
	}
	return role
}

// rebase adds the field errors of a child's validator (workload or network) to es under the names
// IngressArgs gives the fields: the workload's "pods.*" under pods (the layout's field),
// "token.vault.agent.*" as "token.vault.*", "containers" and "podSpec" under "app", the policy's
// "settings.*" as "networkPolicy.*". Errors about what the root derives and another validator already
// checked (the Vault secret's location: tunnel.vault; the policy's pods and routes: the workload's and
// the tunnel's fields; the workload's generation: tunnel.rotation) are dropped.
func rebase(es *check.Errors, err error, pods string) {
	for _, fe := range check.Fields(err) {
		field := fe.Field
		switch top, rest, _ := strings.Cut(field, "."); {
		case strings.HasPrefix(field, "token.vault.secret"), top == "routes" || strings.HasPrefix(top, "routes["), top == "pods" && pods == "",
			top == "generation":
			continue
		case top == "tunnel":
			// the policy's errors about a route's Service, under the route (serviceErrors)
		case strings.HasPrefix(field, "token.vault.agent."):
			field = "token.vault." + strings.TrimPrefix(field, "token.vault.agent.")
			if es.Has(field) { // the default role name, reported by token
				continue
			}
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
	p, err := args.plan(ctx.Project(), ctx.Stack(), name)
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
	// The connectors are registered between the tunnel (with its Vault secret) and its DNS records:
	// the pods wait for the token to be in Vault and for the Vault role their agent logs in with (the
	// injector's agent runs when a pod starts), and the records wait for the pods to be Ready (the
	// provider awaits the Deployment), so that no record moves to a tunnel before it has connectors. A
	// rotation (a new generation) creates a new Deployment next to the old one, which Pulumi deletes at
	// the end of the update, after the records have moved and before the old tunnel. A rotation writes
	// the new token at the same Vault path: the policy and the role do not change.
	connectors := func(tun *tunnel.Tunnel) ([]pulumi.Resource, error) {
		comp.Tunnel = tun
		before := tun.Children
		if p.role != nil {
			role, err := vaultrole.NewRole(ctx, name, p.role, child...)
			if err != nil {
				return nil, err
			}
			comp.VaultRole = role
			before = slices.Concat(before, role.Children)
		}
		after := append(child[:len(child):len(child)], pulumi.DependsOn(before))
		var w *workload.Workload
		if p.connector != nil {
			p.connector.TunnelID = tun.TunnelID
			p.connector.Token = args.Token.written(p.connector.Token, tun)
			c, err := workload.NewConnector(ctx, name, p.connector, after...)
			if err != nil {
				return nil, err
			}
			comp.Connector, w = c, &c.Workload
		} else {
			p.app.TunnelID = tun.TunnelID
			p.app.Token = args.Token.written(p.app.Token, tun)
			a, err := workload.NewApp(ctx, name, p.app, after...)
			if err != nil {
				return nil, err
			}
			comp.App, w = a, &a.Workload
		}
		return []pulumi.Resource{w.Deployment}, nil
	}
	tun, err := tunnel.NewTunnelWithConnectors(ctx, name, &p.tunnel, connectors, child...)
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
	comp.AccessAudiences, comp.ServiceTokenIDs, comp.ServiceTokenSecrets = tun.AccessAudiences, tun.ServiceTokenIDs, tun.ServiceTokenSecrets
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"tunnelId": comp.TunnelID, "cname": comp.CNAME, "hostnames": comp.Hostnames, "token": comp.Token,
		"accessAudiences": comp.AccessAudiences, "serviceTokenIds": comp.ServiceTokenIDs,
		"serviceTokenSecrets": comp.ServiceTokenSecrets,
	})
}
