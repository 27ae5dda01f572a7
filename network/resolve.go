package network

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
	"github.com/tunnelgate/tunnelgate/origin"
)

// policy is Args after defaults: everything the spec builders read, derived in one place.
type policy struct {
	namespace  pulumi.StringInput
	selector   map[string]string
	layout     Layout
	kind       Kind
	region     Region
	domain     string
	dns        Peer
	vault      *Peer // nil without a Vault Agent in the pods
	vaultHost  string
	origins    []Peer
	metrics    *Peer
	appIngress []Peer
	httpsHosts []string
	edgeCIDRs  []string
	httpsCIDRs []string
	// privateCIDRs are the ranges of the tunnel's private routes (Routes.PrivateCIDRs).
	privateCIDRs []string
	// dnsNames are the names the pods may resolve, except bare origin names (bare), which need the
	// namespace: they are qualified by qualified(namespace).
	dnsNames []string
	bare     []string
	// originHosts are the routes' hosts (Routes.OriginHosts).
	originHosts []string
	// services are the routes' Services; targets what they resolve to, once known (their peers are
	// then among origins and their names among dnsNames); pending is set while any is unknown.
	services      []origin.Service
	targets       []origin.Target
	pending       bool
	reach         []string // Settings.OriginNamespaces
	originIngress bool
	// ns is the pods' namespace once known (set by final).
	ns string
}

// settings returns the caller's settings, the zero value when nil.
func (a *Args) settings() Settings {
	if a.Settings == nil {
		return Settings{}
	}
	return *a.Settings
}

// resolve applies the defaults. It does not modify a.
func (a *Args) resolve() policy {
	s := a.settings()
	p := policy{
		namespace: a.Pods.Namespace,
		selector:  a.Pods.Selector,
		layout:    cmp.Or(a.Pods.Layout, LayoutOwnPod),
		kind:      cmp.Or(s.Kind, KindCilium),
		region:    cmp.Or(s.Region, a.Pods.Region, RegionGlobal),
		domain:    strings.TrimSuffix(cmp.Or(s.ClusterDomain, DefaultClusterDomain), "."),
	}
	dns := s.DNS
	if dns == nil {
		dns = &Peer{Namespace: DefaultDNSNamespace, Labels: map[string]string{DefaultDNSLabelKey: DefaultDNSLabelValue}}
	}
	p.dns = *withPorts(dns, Port{Port: DNSPort, Protocol: UDP}, Port{Port: DNSPort, Protocol: TCP})
	if c := a.Pods.Vault; c != nil {
		p.vault, p.vaultHost = vaultPeer(s.Vault, *c)
	}
	p.origins = withProtocols(s.Origins)
	p.metrics = withPorts(s.Metrics, Port{Port: a.Pods.MetricsPort, Protocol: TCP})
	p.appIngress = withProtocols(s.AppIngress)
	if s.UpdateChecks {
		p.httpsHosts = UpdateHosts()
	}
	for _, t := range a.Routes.AccessTeams {
		p.httpsHosts = appendNew(p.httpsHosts, strings.ToLower(t)+AccessDomainSuffix)
	}
	p.originHosts, p.services, p.reach, p.originIngress = a.Routes.OriginHosts, a.Routes.Services, s.OriginNamespaces, s.OriginIngress
	for _, svc := range p.services {
		t, ok := svc.Known(p.domain)
		if !ok {
			p.pending, p.targets = true, nil
			break
		}
		p.targets = append(p.targets, t)
	}
	p.origins = append(p.origins, servicePeers(p.targets)...)
	p.edgeCIDRs, p.httpsCIDRs, p.privateCIDRs = s.EdgeCIDRs, s.HTTPSCIDRs, a.Routes.PrivateCIDRs
	if p.kind == KindKubernetes && len(p.edgeCIDRs) == 0 {
		p.edgeCIDRs = DefaultEdgeCIDRs(p.region)
	}
	p.dnsNames = p.names(a.Routes.OriginHosts)
	if ns, ok := literal.String(p.namespace); ok {
		p.ns = ns
	}
	return p
}

// servicePeers are the egress peers of resolved route Services: the pods of the selector in the
// Service's namespace, on the target port (TCP), under the Service's fully qualified name.
func servicePeers(targets []origin.Target) []Peer {
	out := make([]Peer, len(targets))
	for i, t := range targets {
		port := Port{Port: t.TargetPort, Name: t.TargetPortName, Protocol: TCP}
		out[i] = Peer{Namespace: t.Namespace, Labels: t.Selector, Ports: []Port{port}, Hostnames: []string{t.Host}}
	}
	return out
}

// waits reports whether the policy needs outputs before its objects can be built: a route Service
// not known yet, or a bare origin name waiting for the namespace.
func (p *policy) waits() bool { return p.pending || len(p.bare) > 0 }

// final returns, as an output, the policy once the namespace and the routes' Services are known: the
// Services resolved and checked (a Service without a selector, or in a namespace the connector may
// not reach, fails it with a field error), their peers among the origins and their names, like the
// bare origin names, in the DNS names. Call it only when needed (waits, or an output namespace).
func (p *policy) final() pulumi.AnyOutput {
	ins := []any{p.namespace}
	if p.pending {
		for k, s := range p.services {
			ins = append(ins, s.Resolve(check.Index("routes.services", k), Type, p.domain))
		}
	}
	return pulumi.All(ins...).ApplyT(func(vs []any) (any, error) {
		q := *p
		q.ns = vs[0].(string)
		if p.pending {
			var es check.Errors
			q.targets = make([]origin.Target, len(p.services))
			for k, v := range vs[1:] {
				t := v.(origin.Target)
				field := check.Index("routes.services", k)
				if !q.reachable(t.Namespace) {
					es.Add(check.Join(field, "namespace"), t.Namespace, "%s", unreachable(q.reach))
				}
				if len(t.Selector) == 0 {
					es.Add(check.Join(field, "selector"), nil, "%s", noSelector(t.Namespace+"/"+t.Name))
				}
				q.targets[k] = t
			}
			if err := es.Err(Type); err != nil {
				return nil, err
			}
			q.origins = append(slices.Clip(p.origins), servicePeers(q.targets)...)
			q.pending, q.bare = false, nil
			q.dnsNames = q.names(q.originHosts)
		}
		q.dnsNames = q.qualified(slices.Clone(q.dnsNames), q.ns)
		return &q, nil
	}).(pulumi.AnyOutput)
}

// reachable reports whether the connector may reach pods in namespace ns (Settings.OriginNamespaces).
func (p *policy) reachable(ns string) bool { return len(p.reach) == 0 || slices.Contains(p.reach, ns) }

// vaultPeer is the Vault peer of an agent that connects to c: the caller's peer (default: the Helm
// chart's pods) with the address's port where the peer names none, and the host the agent resolves
// (the address's, or DefaultVaultService when both the peer and the address are defaults).
func vaultPeer(given *Peer, c VaultClient) (*Peer, string) {
	v := Peer{Namespace: DefaultVaultNamespace, Labels: DefaultVaultLabels()}
	if given != nil {
		v = *given
	}
	host := c.Host
	if host == "" && given == nil {
		host = DefaultVaultService
	}
	return withPorts(&v, Port{Port: cmp.Or(c.Port, DefaultVaultPort), Protocol: TCP}), host
}

// names lists the DNS names the pods may resolve, in this order: the region's SRV record, its edge
// hosts, FeaturesHost, the HTTPS hosts, the Hostnames of Vault and of the Origins, then the routes'
// origin hosts; qualified, lower case, without repeats. Bare origin names go to p.bare.
func (p *policy) names(originHosts []string) []string {
	out := []string{p.region.SRVName()}
	out = append(out, p.region.EdgeHosts()...)
	out = append(out, FeaturesHost)
	for _, h := range p.httpsHosts {
		out = appendNew(out, h)
	}
	// Hostnames of peers are written fully qualified; the hosts of the agent's address and of the
	// routes are written as cloudflared and the agent resolve them.
	var given []string
	if p.vault != nil {
		given = append(given, p.vault.Hostnames...)
	}
	for _, o := range p.origins {
		given = append(given, o.Hostnames...)
	}
	for _, h := range given {
		out = appendNew(out, strings.ToLower(strings.TrimSuffix(h, ".")))
	}
	for _, h := range append([]string{p.vaultHost}, originHosts...) {
		if !resolvable(h) {
			continue
		}
		q, ok := qualify(h, p.domain)
		if !ok {
			p.bare = appendNew(p.bare, q[0])
			continue
		}
		for _, n := range q {
			out = appendNew(out, n)
		}
	}
	if ns, ok := literal.String(p.namespace); ok {
		out = p.qualified(out, ns)
	}
	return out
}

// qualified returns names with the bare origin names qualified in namespace ns, and forgets them.
func (p *policy) qualified(names []string, ns string) []string {
	for _, h := range p.bare {
		names = appendNew(names, h+"."+ns+".svc."+p.domain)
	}
	p.bare = nil
	return names
}

// qualify returns the names under which a host is found, lower case and without a trailing dot:
// "web.apps.svc" is "web.apps.svc.cluster.local"; "web.apps" is "web.apps.svc.cluster.local" (a
// Service in namespace "apps") or, outside the cluster, "web.apps" itself (the resolver tries both, the
// search path first); names with more dots are taken as qualified. ok is false for a bare name ("web",
// returned as is), which needs the namespace.
func qualify(host, domain string) (names []string, ok bool) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case strings.HasSuffix(h, ".svc"):
		return []string{h + "." + domain}, true
	case strings.Count(h, ".") == 1:
		return []string{h + ".svc." + domain, h}, true
	case strings.Contains(h, "."):
		return []string{h}, true
	}
	return []string{h}, false
}

// resolvable reports whether cloudflared resolves host: a name that is not "localhost". Addresses
// need no DNS.
func resolvable(host string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return false
	}
	return host != "" && !strings.EqualFold(strings.TrimSuffix(host, "."), "localhost")
}

// loopback reports whether host is the pod itself: "localhost" or a loopback address, which no policy
// filters.
func loopback(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.IsLoopback()
	}
	return strings.EqualFold(strings.TrimSuffix(host, "."), "localhost")
}

// HTTPSHosts returns the host names the pods may reach on HTTPSPort after defaults: UpdateHosts() when
// Settings.UpdateChecks is on, then "<team>.cloudflareaccess.com" for each of Routes.AccessTeams.
func (a *Args) HTTPSHosts() []string { return a.resolve().httpsHosts }

// DNSNames returns exactly the names the Cilium policy lets the pods resolve, in this order: the
// region's SRVName, its EdgeHosts, FeaturesHost, HTTPSHosts, the Hostnames of Vault and of the Origins,
// then Routes.OriginHosts, fully qualified and without repeats. A bare origin name ("web") is qualified
// with Pods.Namespace; when the namespace is an output it is left out here and NewPolicy adds it once
// the namespace is known.
func (a *Args) DNSNames() []string { return a.resolve().dnsNames }

// withPorts returns a copy of p with every port's protocol defaulted to TCP, and def as its ports when
// it has none; nil stays nil.
func withPorts(p *Peer, def ...Port) *Peer {
	if p == nil {
		return nil
	}
	c := *p
	if len(c.Ports) == 0 {
		c.Ports = def
	}
	c.Ports = defaultProtocols(c.Ports)
	return &c
}

// withProtocols returns a copy of peers with every port's protocol defaulted to TCP.
func withProtocols(peers []Peer) []Peer {
	if peers == nil {
		return nil
	}
	out := make([]Peer, len(peers))
	for i, p := range peers {
		p.Ports = defaultProtocols(p.Ports)
		out[i] = p
	}
	return out
}

func defaultProtocols(ports []Port) []Port {
	if ports == nil {
		return nil
	}
	out := make([]Port, len(ports))
	for i, p := range ports {
		if p.Protocol == "" {
			p.Protocol = TCP
		}
		out[i] = p
	}
	return out
}

// egressPeers are Vault (when set) and the Origins, in that order.
func (p *policy) egressPeers() []Peer {
	var out []Peer
	if p.vault != nil {
		out = append(out, *p.vault)
	}
	return append(out, p.origins...)
}

// ingressPeers are Metrics (when set) and the AppIngress peers, in that order.
func (p *policy) ingressPeers() []Peer {
	var out []Peer
	if p.metrics != nil {
		out = append(out, *p.metrics)
	}
	return append(out, p.appIngress...)
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
