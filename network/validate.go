package network

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// dnsName is the pattern Cilium's schema applies to toFQDNs and rules.dns matchName.
var dnsName = regexp.MustCompile(`^([-a-zA-Z0-9_]+[.]?)+$`)

// Validate checks a without Pulumi and returns every problem as *check.FieldError, with field paths
// in the names of the `pulumi` tags ("settings.origins[1].ports[0].protocol", "pods.selector").
func (a *Args) Validate() error {
	var es check.Errors
	a.Pods.validate(&es)
	a.Routes.validate(&es)
	s := a.settings()
	s.validate(&es)
	s.validateAgainst(&es, a)
	a.validateServices(&es, s)
	return es.Err(Type)
}

// validateServices checks the routes' Services: their own fields, that they carry what the policy
// needs (an existing Service must be read first: the tunnel does), and, where known, a selector and a
// namespace the connector may reach.
func (a *Args) validateServices(es *check.Errors, s Settings) {
	for k, svc := range a.Routes.Services {
		field := check.Index("routes.services", k)
		es.Merge(field, svc.Validate())
		if svc.Existing() {
			es.Add(check.Join(field, "selector"), nil, "required: the policy allows the pods behind the Service, so it needs the Service's selector and ports: pass the Services the tunnel resolved (tunnel.Tunnel.OriginServices, which read existing Services), or give them (origin.FromService)")
			continue
		}
		ns, nsOK := literal.String(svc.Namespace)
		name, _ := literal.String(svc.Name)
		if nsOK && !s.reaches(ns) {
			es.Add(check.Join(field, "namespace"), ns, "%s", unreachable(s.OriginNamespaces))
		}
		var sel map[string]string
		if svc.Selector != nil && literal.Into(svc.Selector, &sel) && len(sel) == 0 {
			es.Add(check.Join(field, "selector"), nil, "%s", noSelector(ns+"/"+name))
		}
	}
}

// reaches reports whether the connector may reach pods in namespace ns (Settings.OriginNamespaces).
func (s Settings) reaches(ns string) bool {
	return len(s.OriginNamespaces) == 0 || slices.Contains(s.OriginNamespaces, ns)
}

func unreachable(reach []string) string {
	return fmt.Sprintf("not one of settings.originNamespaces %v: the connector may not reach pods there", reach)
}

// noSelector is the error of a route's Service without a selector.
func noSelector(svc string) string {
	return "Service " + svc + " has no selector, so no policy can name the pods behind it (its endpoints are managed by hand, or it is an ExternalName): route to the destination with a URL and describe it in settings.origins, or give the Service a selector"
}

func (p Pods) validate(es *check.Errors) {
	es.Literal("pods.namespace", p.Namespace, (*check.Errors).DNSLabel)
	if len(p.Selector) == 0 {
		es.Add("pods.selector", p.Selector, "required: an empty selector would put every pod of the namespace under this policy")
	}
	es.Labels("pods.selector", p.Selector)
	switch p.Layout {
	case "", LayoutOwnPod, LayoutSidecar:
	default:
		es.Add("pods.layout", string(p.Layout), "must be %q or %q", LayoutOwnPod, LayoutSidecar)
	}
	es.Port("pods.metricsPort", p.MetricsPort)
	switch p.Region {
	case "", RegionGlobal, RegionUS:
	default:
		es.Add("pods.region", string(p.Region), "must be %q or %q (cloudflared's --region)", RegionGlobal, RegionUS)
	}
	if v := p.Vault; v != nil {
		if v.Host != "" && !validHost(v.Host) {
			es.Add("pods.vault.host", v.Host, "not a host name or address")
		}
		if v.Port != 0 {
			es.Port("pods.vault.port", v.Port)
		}
	}
}

func (r Routes) validate(es *check.Errors) {
	for i, h := range r.OriginHosts {
		if !validHost(h) {
			es.Add(check.Index("routes.originHosts", i), h, "not a host name or address")
		}
	}
	for i, t := range r.AccessTeams {
		es.DNSLabel(check.Index("routes.accessTeams", i), strings.ToLower(t))
	}
	validateCIDRs(es, "routes.privateCidrs", r.PrivateCIDRs)
}

// validHost accepts IP addresses and names that Cilium's DNS rules can list.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return len(h) <= 253 && dnsName.MatchString(h) && !strings.HasPrefix(h, ".")
}

// validate checks the settings on their own.
func (s Settings) validate(es *check.Errors) {
	const f = "settings."
	switch s.Kind {
	case "", KindCilium, KindKubernetes:
	default:
		es.Add(f+"kind", string(s.Kind), "must be %q or %q", KindCilium, KindKubernetes)
	}
	switch s.Region {
	case "", RegionGlobal, RegionUS, RegionFedRAMP:
	default:
		es.Add(f+"region", string(s.Region), "must be %q, %q or %q", RegionGlobal, RegionUS, RegionFedRAMP)
	}
	if s.DNS != nil {
		validatePeer(es, f+"dns", *s.DNS, false)
		if len(s.DNS.Hostnames) > 0 {
			es.Add(f+"dns.hostnames", s.DNS.Hostnames, "not allowed: the DNS service is reached by address")
		}
	}
	if s.Vault != nil {
		validatePeer(es, f+"vault", *s.Vault, false)
	}
	for i, o := range s.Origins {
		validatePeer(es, check.Index(f+"origins", i), o, true)
	}
	for i, ns := range s.OriginNamespaces {
		es.DNSLabel(check.Index(f+"originNamespaces", i), ns)
	}
	if s.Metrics != nil {
		validatePeer(es, f+"metrics", *s.Metrics, false)
		validateNoHostnames(es, f+"metrics", *s.Metrics)
	}
	for i, p := range s.AppIngress {
		field := check.Index(f+"appIngress", i)
		validatePeer(es, field, p, false)
		validateNoHostnames(es, field, p)
	}
	if s.Kind != KindKubernetes && len(s.EdgeCIDRs) > 0 {
		es.Add(f+"edgeCidrs", s.EdgeCIDRs, "only with kind %q: the Cilium policy allows the edge by name", KindKubernetes)
	}
	validateCIDRs(es, f+"edgeCidrs", s.EdgeCIDRs)
	validateCIDRs(es, f+"httpsCidrs", s.HTTPSCIDRs)
	validateCIDRs(es, f+"clusterCidrs", s.ClusterCIDRs)
	if d := s.ClusterDomain; d != "" && (!dnsName.MatchString(d) || strings.HasPrefix(d, ".") || len(d) > 253) {
		es.Add(f+"clusterDomain", d, "not a DNS domain such as \"cluster.local\"")
	}
}

// validateAgainst checks the settings against the pods and routes: what a setting would mean for these
// pods, and what these pods and routes require of the settings.
func (s Settings) validateAgainst(es *check.Errors, a *Args) {
	const f = "settings."
	region := a.Pods.Region
	if region == "" {
		region = RegionGlobal
	}
	if s.Region != "" && s.Region != region && (s.Region != RegionFedRAMP || region != RegionGlobal) {
		es.Add(f+"region", string(s.Region), "contradicts the pods' region %q (cloudflared's --region): cloudflared would dial an edge the policy blocks", region)
	}
	if s.Vault != nil && a.Pods.Vault == nil {
		es.Add(f+"vault", nil, "no Vault Agent runs in the pods (their token comes from a Kubernetes Secret): nothing would use this egress")
	}
	layout := a.Pods.Layout
	if s.OriginIngress && len(a.Routes.Services) == 0 {
		es.Add(f+"originIngress", true, "no route points at a Kubernetes Service (routes.services): there is nothing to let the pods in to; origins peers need ingress policies of their own")
	}
	podsNS, podsNSKnown := literal.String(a.Pods.Namespace)
	for i, o := range s.Origins {
		ns, known := o.Namespace, o.Namespace != ""
		if !known {
			ns, known = podsNS, podsNSKnown
		}
		if len(o.CIDRs) == 0 && known && !s.reaches(ns) {
			es.Add(check.Join(check.Index(f+"origins", i), "namespace"), ns, "%s", unreachable(s.OriginNamespaces))
		}
	}
	if len(s.AppIngress) > 0 && layout != LayoutSidecar {
		es.Add(f+"appIngress", nil, "only with layout %q: the connector's own pods accept no connections but metrics", LayoutSidecar)
	}
	if layout != LayoutSidecar && len(s.Origins) == 0 {
		for _, h := range a.Routes.OriginHosts {
			if !loopback(h) {
				es.Add(f+"origins", nil, "required in the own-pod layout: the routes send traffic to %s, which the policy would block (describe its pods and ports)", h)
				break
			}
		}
	}
	if a.Pods.Scraped {
		validateScraper(es, s.Metrics, a.Pods.MetricsPort)
	}
	if s.Kind != KindKubernetes {
		validateInCluster(es, s.ClusterCIDRs, a.Routes.PrivateCIDRs)
	}
	needHTTPS := s.UpdateChecks || len(a.Routes.AccessTeams) > 0
	fallback := s.Kind == KindKubernetes
	switch {
	case !fallback && len(s.HTTPSCIDRs) > 0:
		es.Add(f+"httpsCidrs", s.HTTPSCIDRs, "only with kind %q: the Cilium policy allows the HTTPS hosts by name", KindKubernetes)
	case fallback && needHTTPS && len(s.HTTPSCIDRs) == 0:
		es.Add(f+"httpsCidrs", nil, "required with kind %q when updateChecks is on or a route requires Cloudflare Access: a NetworkPolicy cannot allow host names, so give the address blocks of %s (e.g. Cloudflare's published ranges)", KindKubernetes, strings.Join(a.HTTPSHosts(), ", "))
	case fallback && !needHTTPS && len(s.HTTPSCIDRs) > 0:
		es.Add(f+"httpsCidrs", s.HTTPSCIDRs, "nothing uses them: updateChecks is off and no route requires Cloudflare Access")
	}
}

// validateScraper requires a metrics peer that may reach the metrics port, when a monitor scrapes it.
func validateScraper(es *check.Errors, m *Peer, port int) {
	const f = "settings.metrics"
	if m == nil {
		es.Add(f, nil, "required: a PodMonitor or ServiceMonitor scrapes the pods' metrics port %d (pods.scraped), which the policy would block: name the Prometheus pods (namespace, labels)", port)
		return
	}
	if len(m.Ports) > 0 && !slices.ContainsFunc(m.Ports, func(p Port) bool { return p.Port == port && (p.Protocol == "" || p.Protocol == TCP) }) {
		es.Add(f+".ports", m.Ports, "do not include the metrics port %d/TCP that the monitor scrapes: the policy would block the scrapes (leave ports empty for the metrics port)", port)
	}
}

// validateInCluster rejects private ranges inside the cluster's own ranges: a Cilium policy never selects
// pods, Services or nodes by CIDR.
func validateInCluster(es *check.Errors, cluster, private []string) {
	for i, c := range cluster {
		cp, err := netip.ParsePrefix(c)
		if err != nil {
			continue
		}
		for j, r := range private {
			if rp, err := netip.ParsePrefix(r); err == nil && cp.Overlaps(rp) {
				es.Add(check.Index("settings.clusterCidrs", i), c, "shares addresses with the private route %s (routes.privateCidrs[%d]): Cilium matches pods, Services and nodes by identity, never by CIDR, so the policy would block the connector's traffic to them; route only ranges outside the cluster", r, j)
			}
		}
	}
}

// validatePeer checks one peer; portsRequired is set for peers where no ports would mean every port.
func validatePeer(es *check.Errors, field string, p Peer, portsRequired bool) {
	if p.Namespace != "" {
		es.DNSLabel(check.Join(field, "namespace"), p.Namespace)
	}
	es.Labels(check.Join(field, "labels"), p.Labels)
	pods := p.Namespace != "" || len(p.Labels) > 0
	switch {
	case pods && len(p.CIDRs) > 0:
		es.Add(check.Join(field, "cidrs"), p.CIDRs, "a peer is either pods (namespace, labels) or address blocks (cidrs), not both")
	case !pods && len(p.CIDRs) == 0:
		es.Add(field, nil, "empty peer: it would match every pod of the policy's namespace; set namespace, labels or cidrs")
	}
	validateCIDRs(es, check.Join(field, "cidrs"), p.CIDRs)
	if portsRequired && len(p.Ports) == 0 {
		es.Add(check.Join(field, "ports"), nil, "required: without ports every port of the peer would be allowed")
	}
	if len(p.Ports) > MaxPorts {
		es.Add(check.Join(field, "ports"), len(p.Ports), "at most %d ports (Cilium's limit per rule); split the peer", MaxPorts)
	}
	for i, port := range p.Ports {
		f := check.Index(check.Join(field, "ports"), i)
		switch {
		case port.Name != "" && port.Port != 0:
			es.Add(check.Join(f, "name"), port.Name, "set port or name, not both")
		case port.Name != "" && len(p.CIDRs) > 0:
			es.Add(check.Join(f, "name"), port.Name, "a named port is looked up in the peer pods' containers: give a number for address blocks")
		case port.Name != "":
			es.PortName(check.Join(f, "name"), port.Name)
		default:
			es.Port(check.Join(f, "port"), port.Port)
		}
		switch port.Protocol {
		case "", TCP, UDP, SCTP:
		default:
			es.Add(check.Join(f, "protocol"), string(port.Protocol), "must be TCP, UDP or SCTP (upper case)")
		}
	}
	for i, h := range p.Hostnames {
		f := check.Index(check.Join(field, "hostnames"), i)
		if _, err := netip.ParseAddr(h); err == nil {
			es.Add(f, h, "an IP address is not resolved: allow it with cidrs")
		} else if !validHost(h) {
			es.Add(f, h, "not a DNS name")
		}
	}
}

func validateNoHostnames(es *check.Errors, field string, p Peer) {
	if len(p.Hostnames) > 0 {
		es.Add(check.Join(field, "hostnames"), p.Hostnames, "only egress peers (vault, origins) have host names")
	}
}

// validateCIDRs requires each CIDR to parse and to have no bits set after the prefix length (the API
// server would reject or rewrite "10.0.0.1/8"; say "10.0.0.0/8").
func validateCIDRs(es *check.Errors, field string, cidrs []string) {
	for i, c := range cidrs {
		es.CIDR(check.Index(field, i), c)
	}
}
