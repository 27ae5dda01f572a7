package tunnel

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/literal"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

// Type is the component's Pulumi type token.
const Type = "tunnelgate:tunnel:Tunnel"

// Defaults, applied by NewTunnel and the Args helpers; each can be overridden through Args.
const (
	// DefaultCatchAll is the service of the catch-all rule appended after the routes (Args.CatchAll).
	DefaultCatchAll = "http_status:404"
)

// Fixed values of every tunnel.
const (
	// SecretLength is the length of the tunnel secret as Cloudflare receives it: 44 characters drawn
	// from letters and digits (pulumi-random's RandomPassword, about 262 bits of entropy). Every such
	// string is valid base64 and decodes to SecretBytes bytes (Cloudflare requires at least 32).
	SecretLength = 44
	// SecretBytes is the length of the decoded tunnel secret: 44 base64 characters are 33 bytes.
	SecretBytes = SecretLength / 4 * 3
	// ConfigSource is the tunnel's config_src: the ingress rules live in Cloudflare and cloudflared runs
	// from a token only ("remotely managed tunnel").
	ConfigSource = "cloudflare"
	// CNAMESuffix ends every tunnel's CNAME target, "<tunnel id>.cfargotunnel.com".
	CNAMESuffix = ".cfargotunnel.com"
)

// Args configures a Tunnel. It is plain data except the identifiers that are often outputs of other
// resources (AccountID, ZoneID), which are validated at construction when they are literals
// (pulumi.String) and inside an apply, before any resource uses them, when they are outputs.
type Args struct {
	// AccountID is the Cloudflare account id (32 hex characters). Required.
	AccountID pulumi.StringInput `pulumi:"accountId"`
	// Name is the base of the tunnel's name in Cloudflare. Tunnel names are unique per account, so the
	// default is "<project>-<stack>-<component name>" (see DefaultName); a Rotation is appended to it.
	// Letters, digits, '.', '_' and '-', starting with a letter or digit.
	Name string `pulumi:"name,optional"`
	// Routes are the ingress rules, matched by cloudflared first to last in this order. At least one
	// route with a hostname is required. A route without hostname and path is the catch-all and may only
	// be the last route (it then replaces the automatic one).
	Routes []Route `pulumi:"routes"`
	// CatchAll is the service of the catch-all rule appended after the routes. Default DefaultCatchAll
	// ("http_status:404"). Cannot be combined with a catch-all route.
	CatchAll string `pulumi:"catchAll,optional"`
	// ClusterDomain is the cluster's DNS domain, with which routes to a KubernetesService are
	// qualified ("<name>.<namespace>.svc.<domain>"). Default origin.DefaultClusterDomain
	// ("cluster.local").
	ClusterDomain string `pulumi:"clusterDomain,optional"`
	// OriginDefaults are origin options for every rule (including the catch-all); a route's own Origin
	// overrides them field by field (Access as a whole).
	OriginDefaults *OriginRequest `pulumi:"originDefaults,optional"`
	// Access puts Cloudflare Access in front of every route with a hostname that has no Access of its
	// own: an Access application per route, its policies, service tokens and the JWT check in
	// cloudflared (see AccessPolicy and the package doc). Its TeamName is required and is also the team
	// of routes whose own Access leaves it empty.
	Access *AccessPolicy `pulumi:"access,optional"`
	// ZoneID is the Cloudflare zone (32 hex characters) that receives the DNS records. No API call is
	// made. Either ZoneID, or ZoneName with LookupZone, is required.
	ZoneID pulumi.StringInput `pulumi:"zoneId,optional"`
	// ZoneName is the zone's domain ("example.com"). When set, every hostname must be inside it. With
	// LookupZone it also finds the zone id.
	ZoneName string `pulumi:"zoneName,optional"`
	// LookupZone finds the zone id from ZoneName with the cloudflare getZone invoke. That is an API call
	// that runs during preview too, hence opt-in. It uses the component's Cloudflare provider.
	LookupZone bool `pulumi:"lookupZone,optional"`
	// Vault, when set, writes the tunnel token and id to this Vault KV v2 secret (defaults: mount
	// "secret", keys "tunnel_token" and "tunnel_id"; see vaultkv.Location).
	Vault *vaultkv.Location `pulumi:"vault,optional"`
	// KeepVaultVersions keeps the Vault secret's earlier versions and metadata when the secret is
	// destroyed (Vault's soft delete of the latest version only). By default destroy deletes every
	// version and the metadata, so that no token of this tunnel stays readable (`?version=N`) after the
	// tunnel is gone. Versions written by earlier rotations stay until then either way: they hold tokens
	// of tunnels that rotation deleted, with which no connector can run. Only with Vault.
	KeepVaultVersions bool `pulumi:"keepVaultVersions,optional"`
	// Rotation is the secret generation. Changing it creates a new secret and a new tunnel named
	// "<name>-<rotation>" next to the old one, moves the DNS records and Vault to it and deletes the old
	// tunnel last (see the package doc). Lower-case letters, digits and '-', at most 32 characters, e.g.
	// "2026-11" or "r2". It is not a secret: it is part of the tunnel's name.
	Rotation string `pulumi:"rotation,optional"`
	// PrivateNetwork routes private address ranges to the tunnel for Cloudflare One (WARP) clients, in the
	// account's default virtual network or in virtual networks created with the tunnel, and enables warp
	// routing in the tunnel's configuration. nil: the tunnel serves its hostnames only.
	PrivateNetwork *PrivateNetwork `pulumi:"privateNetwork,optional"`
}

// Route is one ingress rule.
type Route struct {
	// Hostname is the public hostname ("app.example.com", the zone apex "example.com", or a wildcard
	// "*.example.com", which also matches "a.b.example.com"). Lower case. Empty only for the catch-all.
	// Cloudflare's Universal SSL certificate covers the apex and one level below it; deeper names
	// ("a.b.example.com") need an advanced certificate or visitors get TLS errors.
	Hostname string `pulumi:"hostname,optional"`
	// Path is a regular expression (Go RE2 syntax) matched anywhere in the request path, e.g. "^/api/".
	// Empty matches every path.
	Path string `pulumi:"path,optional"`
	// Service is where cloudflared sends the request: "http://svc:port", "https://svc[:port]",
	// "tcp://host:port", "ssh://host[:port]", "rdp://host[:port]", "unix:/path/to/socket",
	// "http_status:NNN" or "hello_world". URLs carry no path: cloudflared forwards the request's own path.
	// Required unless KubernetesService is set.
	Service string `pulumi:"service,optional"`
	// KubernetesService sends the requests to a Service of the cluster instead of a URL: the rule's
	// service is "<scheme>://<name>.<namespace>.svc.<ClusterDomain>:<port>", and the network policy
	// allows the pods behind it on the target port (Args.OriginServices). An existing Service (no
	// selector and ports given) is read from the cluster. See package origin.
	KubernetesService *origin.Service `pulumi:"kubernetesService,optional"`
	// Origin overrides Args.OriginDefaults for this rule.
	Origin *OriginRequest `pulumi:"origin,optional"`
	// Access puts Cloudflare Access in front of this route (it replaces Args.Access for the route, except
	// an empty TeamName, which is Args.Access's): the route's Access application, its policies, service
	// tokens and cloudflared's JWT check come from this one field (see AccessPolicy). The route needs a
	// hostname, and a path Access can express (see AccessDomain). Its originRequest.access is derived:
	// Origin.Access must then be unset.
	Access *AccessPolicy `pulumi:"access,optional"`
}

// OriginRequest are cloudflared's per-rule origin options ("originRequest"). Unset fields use
// cloudflared's defaults.
type OriginRequest struct {
	// NoTLSVerify disables verification of the origin's TLS certificate (https origins).
	NoTLSVerify *bool `pulumi:"noTlsVerify,optional"`
	// HTTPHostHeader sets the Host header sent to the origin.
	HTTPHostHeader string `pulumi:"httpHostHeader,optional"`
	// OriginServerName is the hostname expected in the origin's certificate (SNI).
	OriginServerName string `pulumi:"originServerName,optional"`
	// CAPool is the absolute path, inside the cloudflared container, of the CA bundle for the origin's
	// certificate. The workload must mount it.
	CAPool string `pulumi:"caPool,optional"`
	// ConnectTimeout is the TCP connect timeout to the origin as a Go duration ("10s"); cloudflared's
	// default is 30s.
	ConnectTimeout string `pulumi:"connectTimeout,optional"`
	// HTTP2Origin makes cloudflared speak HTTP/2 to the origin.
	HTTP2Origin *bool `pulumi:"http2Origin,optional"`
	// Access makes cloudflared check the Cloudflare Access JWT of every request.
	Access *Access `pulumi:"access,optional"`
}

// Access is the Cloudflare Access check cloudflared performs before forwarding a request, for Access
// applications made elsewhere. Routes with an AccessPolicy (Route.Access, Args.Access) get this check
// derived from the application tunnelgate creates.
type Access struct {
	// Required rejects requests without a valid Access JWT for AudTags. When false cloudflared checks
	// nothing: the block is then only informational.
	Required bool `pulumi:"required,optional"`
	// TeamName is the Zero Trust team ("<team>.cloudflareaccess.com" serves the signing keys; the
	// connector then needs egress to it). Required.
	TeamName string `pulumi:"teamName"`
	// AudTags are the Access application audience tags accepted. At least one.
	AudTags []string `pulumi:"audTags"`
}

// DefaultName is the default tunnel name base, "<project>-<stack>-<component name>": unique per account
// across the stacks and projects that share it.
func DefaultName(project, stack, component string) string {
	return project + "-" + stack + "-" + component
}

// TunnelName is the tunnel's name in Cloudflare for a name base and rotation: "<base>" or
// "<base>-<rotation>".
func TunnelName(base, rotation string) string {
	if rotation == "" {
		return base
	}
	return base + "-" + rotation
}

// ServiceReadName is the Pulumi name of the read of an existing Service that a route points at:
// "<component>-service-<namespace>.<name>", e.g. "edge-service-shop.web" (namespaces and Service names
// hold no dots, so two Services never share a name).
func ServiceReadName(component, namespace, name string) string {
	return component + "-service-" + namespace + "." + name
}

// RecordName is the Pulumi name of the DNS record child for hostname: "<component>-dns-<hostname>",
// e.g. "edge-dns-app.example.com" and "edge-dns-*.example.com". The hostname is used as is, so two
// hostnames never share a name (a dots-to-dashes slug would map "api-v2.example.com" and
// "api.v2.example.com" to the same name).
func RecordName(component, hostname string) string { return component + "-dns-" + hostname }

// withDefaults returns a copy of a with the defaults applied; name is the default name base.
func (a *Args) withDefaults(name string) Args {
	out := *a
	out.Name = cmp.Or(out.Name, name)
	if out.Vault != nil {
		v := out.Vault.WithDefaults()
		out.Vault = &v
	}
	return out
}

// Hostnames returns the distinct public hostnames of the routes, in route order: one DNS record each.
func (a *Args) Hostnames() []string {
	seen := make(map[string]bool, len(a.Routes))
	var out []string
	for _, r := range a.Routes {
		if r.Hostname != "" && !seen[r.Hostname] {
			seen[r.Hostname] = true
			out = append(out, r.Hostname)
		}
	}
	return out
}

// Rules returns the ingress rules exactly as they are emitted to Cloudflare, in match order: the
// routes in the order given, each with its effective origin options (OriginDefaults overridden by the
// route's Origin), then the catch-all (CatchAll, default "http_status:404") unless the last route
// already is one. A route behind Cloudflare Access (its own Access, or Args.Access) has Access set to
// the policy in effect and Origin.Access to the JWT check derived from it (Required, TeamName); its
// AudTags are left empty here: they are the Access application's audience tag, known once the
// application exists, which NewTunnel fills in. Call Validate first: Rules does not check anything.
func (a *Args) Rules() []Route {
	out := make([]Route, 0, len(a.Routes)+1)
	for _, r := range a.Routes {
		r.Origin = mergeOrigin(a.OriginDefaults, r.Origin)
		if p := a.accessOf(r); p != nil {
			o := OriginRequest{}
			if r.Origin != nil {
				o = *r.Origin
			}
			o.Access = &Access{Required: true, TeamName: p.TeamName}
			r.Origin, r.Access = &o, p
		}
		out = append(out, r)
	}
	if n := len(a.Routes); n == 0 || !a.Routes[n-1].isCatchAll() {
		out = append(out, Route{Service: cmp.Or(a.CatchAll, DefaultCatchAll), Origin: mergeOrigin(a.OriginDefaults, nil)})
	}
	return out
}

// Origins returns the distinct origins the rules send traffic to (services cloudflared answers itself,
// http_status and hello_world, have none), in rule order: the destinations the connector needs egress
// to. Invalid services are left out: call Validate first. Routes to a KubernetesService are not
// among them: see OriginServices.
func (a *Args) Origins() []Origin {
	seen := map[Origin]bool{}
	var out []Origin
	for _, r := range a.Rules() {
		o, ok, err := parseService(r.Service)
		if err != nil || !ok || seen[o] {
			continue
		}
		seen[o] = true
		out = append(out, o)
	}
	return out
}

// OriginHosts returns the distinct host names and addresses of the Origins, in rule order, as
// written ("web.apps.svc.cluster.local", "web", "localhost", "10.0.0.7"); unix sockets have none. A
// network policy resolves and allows them (network.Routes.OriginHosts). Each distinct service is parsed
// once.
func (a *Args) OriginHosts() []string {
	var out []string
	seen := map[string]bool{}
	add := func(service string) {
		if seen[service] {
			return
		}
		seen[service] = true
		if o, ok, err := parseService(service); err == nil && ok && o.Host != "" && !slices.Contains(out, o.Host) {
			out = append(out, o.Host)
		}
	}
	for _, r := range a.Routes {
		add(r.Service)
	}
	if n := len(a.Routes); n == 0 || !a.Routes[n-1].isCatchAll() {
		add(cmp.Or(a.CatchAll, DefaultCatchAll))
	}
	return out
}

// OriginServices returns the distinct Services the routes point at (Route.KubernetesService), in
// route order, as given (an existing Service is read by NewTunnel, which reports the Services it
// resolves as Tunnel.OriginServices). routes[k] is the index of the first route to services[k], the
// route that errors about it name. A Service is the same as an earlier one when it is the same
// pointer, or when namespace and name are equal literals and the port and scheme are equal.
func (a *Args) OriginServices() (services []origin.Service, routes []int) {
	for i, k := range a.serviceIndex() {
		if k == len(services) {
			services = append(services, *a.Routes[i].KubernetesService)
			routes = append(routes, i)
		}
	}
	return services, routes
}

// serviceIndex maps each route to the index of its Service among the distinct ones, or -1.
func (a *Args) serviceIndex() []int {
	type key struct {
		namespace, name, portName, scheme string
		port                              int
	}
	byPtr := map[*origin.Service]int{}
	byKey := map[key]int{}
	out := make([]int, len(a.Routes))
	n := 0
	for i, r := range a.Routes {
		s := r.KubernetesService
		out[i] = -1
		if s == nil {
			continue
		}
		if k, ok := byPtr[s]; ok {
			out[i] = k
			continue
		}
		ns, okNS := literal.String(s.Namespace)
		name, okName := literal.String(s.Name)
		kk := key{ns, name, s.PortName, cmp.Or(s.Scheme, origin.DefaultScheme), s.Port}
		if k, ok := byKey[kk]; ok && okNS && okName {
			out[i], byPtr[s] = k, k
			continue
		}
		if okNS && okName {
			byKey[kk] = n
		}
		byPtr[s], out[i] = n, n
		n++
	}
	return out
}

// AccessTeams returns the distinct Zero Trust team names (lower case) of the rules that require
// Cloudflare Access (an AccessPolicy in effect, or an origin Access check with Required), in rule
// order: cloudflared fetches the signing keys from
// "<team>.cloudflareaccess.com" over HTTPS, so the connector needs egress there
// (network.Routes.AccessTeams).
func (a *Args) AccessTeams() []string {
	var out []string
	add := func(o *OriginRequest) {
		if o == nil || o.Access == nil || !o.Access.Required {
			return
		}
		if t := strings.ToLower(o.Access.TeamName); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, r := range a.Routes {
		// An AccessPolicy in effect derives the check; else a route's Access replaces the defaults' as
		// a whole (mergeOrigin).
		switch p := a.accessOf(r); {
		case p != nil:
			add(&OriginRequest{Access: &Access{Required: true, TeamName: p.TeamName}})
		case r.Origin != nil && r.Origin.Access != nil:
			add(r.Origin)
		default:
			add(a.OriginDefaults)
		}
	}
	if n := len(a.Routes); n == 0 || !a.Routes[n-1].isCatchAll() {
		add(a.OriginDefaults)
	}
	return out
}

func (r Route) isCatchAll() bool { return r.Hostname == "" && r.Path == "" }

// mergeOrigin overrides defaults with o field by field; nil when both are empty.
func mergeOrigin(defaults, o *OriginRequest) *OriginRequest {
	if defaults == nil {
		return o
	}
	if o == nil {
		d := *defaults
		return &d
	}
	m := *defaults
	if o.NoTLSVerify != nil {
		m.NoTLSVerify = o.NoTLSVerify
	}
	if o.HTTPHostHeader != "" {
		m.HTTPHostHeader = o.HTTPHostHeader
	}
	if o.OriginServerName != "" {
		m.OriginServerName = o.OriginServerName
	}
	if o.CAPool != "" {
		m.CAPool = o.CAPool
	}
	if o.ConnectTimeout != "" {
		m.ConnectTimeout = o.ConnectTimeout
	}
	if o.HTTP2Origin != nil {
		m.HTTP2Origin = o.HTTP2Origin
	}
	if o.Access != nil {
		m.Access = o.Access
	}
	return &m
}
