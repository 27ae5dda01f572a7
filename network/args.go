package network

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Type is the component's Pulumi type token.
const Type = "tunnelgate:network:Policy"

// Kind is the kind of policy object the component emits.
type Kind string

const (
	// KindCilium emits a cilium.io/v2 CiliumNetworkPolicy that allows the Cloudflare edge by DNS name
	// (toFQDNs) and lists the DNS names the pods may resolve. The default.
	KindCilium Kind = "cilium"
	// KindKubernetes emits a networking.k8s.io/v1 NetworkPolicy for clusters without Cilium. It allows
	// the edge by address block (ipBlock) and cannot restrict DNS names (see the package doc).
	KindKubernetes Kind = "kubernetes"
)

// Region is the Cloudflare edge region cloudflared connects to (its --region flag, or the FedRAMP edge
// that a FedRAMP account's token points at).
type Region string

const (
	// RegionGlobal is Cloudflare's global edge (region1/region2.v2.argotunnel.com). The default.
	RegionGlobal Region = "global"
	// RegionUS is the US-only edge (`--region us`: us-region1/us-region2.v2.argotunnel.com).
	RegionUS Region = "us"
	// RegionFedRAMP is the FedRAMP High edge (fed-region1/fed-region2.v2.argotunnel.com).
	RegionFedRAMP Region = "fedramp"
)

// Layout says which pods the policy selects and what they run.
type Layout string

const (
	// LayoutOwnPod: cloudflared runs in pods of its own (a Deployment); the policy selects those pods,
	// which accept no connection except metrics scrapes. The default.
	LayoutOwnPod Layout = "ownPod"
	// LayoutSidecar: cloudflared runs as a container in the app's pods; the policy selects the app's
	// pods and therefore also governs the app's own traffic (Args.AppIngress, Args.Origins).
	LayoutSidecar Layout = "sidecar"
)

// Protocol is a transport protocol of a Port.
type Protocol string

const (
	// TCP is the default protocol of a Port.
	TCP Protocol = "TCP"
	// UDP is used by cloudflared's QUIC transport (7844) and by DNS.
	UDP Protocol = "UDP"
	// SCTP is accepted for origins that use it.
	SCTP Protocol = "SCTP"
)

// Fixed values and defaults. Every default can be overridden through Args.
const (
	// EdgePort is the port of Cloudflare's tunnel edge: TCP for http2, UDP for quic. It is fixed by
	// cloudflared and the edge, so it is not configurable.
	EdgePort = 7844
	// HTTPSPort is the port of the optional HTTPS destinations (update checks, Access team domains).
	HTTPSPort = 443
	// DNSPort is the default port of the DNS peer (UDP and TCP).
	DNSPort = 53
	// DefaultVaultPort is the default port of the Vault peer (Vault's listener default), TCP.
	DefaultVaultPort = 8200
	// DefaultMetricsPort is the default metrics port allowed from the Metrics peer, TCP: the port of
	// cloudflared's `--metrics 0.0.0.0:2000` in Cloudflare's Kubernetes guide.
	DefaultMetricsPort = 2000
	// DefaultDNSNamespace is the namespace of the default DNS peer, the cluster DNS pods (kube-dns, or CoreDNS
	// deployed under the kube-dns name, as kubeadm, kind, GKE, EKS and AKS do).
	DefaultDNSNamespace = "kube-system"
	// DefaultDNSLabelKey is the label key of the default DNS peer.
	DefaultDNSLabelKey = "k8s-app"
	// DefaultDNSLabelValue is the label value of the default DNS peer.
	DefaultDNSLabelValue = "kube-dns"
	// MaxPorts is the most ports one peer may list: Cilium's schema accepts at most 40 per port rule.
	MaxPorts = 40
)

// UpdateHosts are the HTTPS destinations of cloudflared's update checks (Args.UpdateChecks). The
// cloudflared image runs with --no-autoupdate, so they are not needed by default.
var UpdateHosts = []string{"api.cloudflare.com", "update.argotunnel.com"}

// FeaturesHost is the TXT record cloudflared reads at start for its feature flags.
const FeaturesHost = "cfd-features.argotunnel.com"

// AccessDomainSuffix follows the team name in a Cloudflare Access team domain.
const AccessDomainSuffix = ".cloudflareaccess.com"

// DefaultEdgeCIDRs are the address blocks the Kubernetes fallback allows on EdgePort, per region.
// Cloudflare documents single edge addresses but publishes no tunnel-specific ranges. Global and US
// share the superset 198.41.192.0/19 and 2606:4700:a0::/44, which holds region1 (198.41.192.x,
// 2606:4700:a0::x), region2 (198.41.200.x, 2606:4700:a8::x) and US (198.41.218-219.x, 2606:4700:a1::x,
// 2606:4700:a9::x). FedRAMP gets the /24 and /48 around its documented addresses (162.159.234.x,
// 172.64.234.x, 2a06:98c1:4d::x, 2606:4700:f6::x): the smallest blocks routed on the internet, so that
// addresses added next to the documented ones stay reachable.
var DefaultEdgeCIDRs = map[Region][]string{
	RegionGlobal:  {"198.41.192.0/19", "2606:4700:a0::/44"},
	RegionUS:      {"198.41.192.0/19", "2606:4700:a0::/44"},
	RegionFedRAMP: {"162.159.234.0/24", "172.64.234.0/24", "2a06:98c1:4d::/48", "2606:4700:f6::/48"},
}

// SRVName is the SRV record cloudflared looks up to find the region's edge addresses:
// "_v2-origintunneld._tcp.argotunnel.com", with "us-" or "fed-" before "v2" for the regional edges.
func (r Region) SRVName() string { return "_" + r.prefix() + "v2-origintunneld._tcp.argotunnel.com" }

// EdgeHosts are the targets of the region's SRV record, whose A/AAAA records are the edge addresses
// cloudflared dials on EdgePort: "region1.v2.argotunnel.com" and "region2.v2.argotunnel.com", with
// the "us-" or "fed-" prefix for the regional edges.
func (r Region) EdgeHosts() []string {
	p := r.prefix()
	return []string{p + "region1.v2.argotunnel.com", p + "region2.v2.argotunnel.com"}
}

func (r Region) prefix() string {
	switch r {
	case RegionUS:
		return "us-"
	case RegionFedRAMP:
		return "fed-"
	}
	return ""
}

// Args describes the traffic of cloudflared's pods. It is plain data except Namespace, which is often
// the output of a Namespace resource: a literal (pulumi.String) is validated at construction, an
// output inside an apply before the policy object uses it.
type Args struct {
	// Namespace is the namespace of the selected pods and of the policy object. Required.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// PodSelector are the labels of the pods the policy applies to: the connector's pods
	// (LayoutOwnPod) or the app's pods (LayoutSidecar). Required and non-empty: an empty selector
	// would put every pod of the namespace under this policy.
	PodSelector map[string]string `pulumi:"podSelector"`
	// Layout is LayoutOwnPod (default) or LayoutSidecar.
	Layout Layout `pulumi:"layout,optional"`
	// Kind is KindCilium (default) or KindKubernetes.
	Kind Kind `pulumi:"kind,optional"`
	// Region is RegionGlobal (default), RegionUS or RegionFedRAMP. It must match the connector's
	// --region (or the account's FedRAMP edge), or cloudflared cannot reach its edge.
	Region Region `pulumi:"region,optional"`
	// DNS is the cluster DNS service's pods. Default: namespace DefaultDNSNamespace, labels
	// DefaultDNSLabelKey=DefaultDNSLabelValue, ports DNSPort UDP and TCP. Hostnames are not allowed
	// here (the DNS peer is reached by address).
	DNS *Peer `pulumi:"dns,optional"`
	// Vault is the Vault server that the Vault Agent in the pod (Vault Agent Injector) logs in to and
	// reads the token from; nil when the token comes from a Kubernetes Secret. Ports default to
	// DefaultVaultPort TCP. With KindCilium, list in Hostnames the name the agent resolves (the host of
	// the injector's VAULT_ADDR, fully qualified, e.g. "vault.vault.svc.cluster.local").
	Vault *Peer `pulumi:"vault,optional"`
	// Origins are the destinations the tunnel's routes point at: in LayoutOwnPod the Services' pods
	// (their labels and the pods' target ports, not the Services' ports) and, with KindCilium, the
	// Services' fully qualified names in Hostnames. In LayoutSidecar the routes usually point at
	// localhost, which needs no rule; list here whatever else the pods must reach. Ports are required.
	Origins []Peer `pulumi:"origins,optional"`
	// Metrics allows cloudflared's metrics port from the monitoring pods (e.g. namespace "monitoring",
	// labels of Prometheus). Ports default to DefaultMetricsPort TCP. nil allows no scrapes. The
	// kubelet's probes need no rule: traffic from the pod's own node is always allowed.
	Metrics *Peer `pulumi:"metrics,optional"`
	// AppIngress (LayoutSidecar only) is the app's own ingress: the peers that may connect to the
	// app's pods, e.g. the other pods of the same app. Empty Ports allow every port from that peer.
	// Traffic from cloudflared to the app stays inside the pod and needs no rule.
	AppIngress []Peer `pulumi:"appIngress,optional"`
	// AccessTeams are the Cloudflare Access team names whose JWTs cloudflared validates (routes with
	// Access required): egress to "<team>.cloudflareaccess.com" on HTTPSPort. Case-insensitive.
	AccessTeams []string `pulumi:"accessTeams,optional"`
	// UpdateChecks allows egress to UpdateHosts on HTTPSPort. Off by default: the image runs with
	// --no-autoupdate.
	UpdateChecks bool `pulumi:"updateChecks,optional"`
	// EdgeCIDRs (KindKubernetes only) replace DefaultEdgeCIDRs[Region] as the blocks allowed on
	// EdgePort.
	EdgeCIDRs []string `pulumi:"edgeCidrs,optional"`
	// HTTPSCIDRs (KindKubernetes only) are the blocks allowed on HTTPSPort in place of the host names of
	// UpdateChecks and AccessTeams, which a NetworkPolicy cannot express (e.g. Cloudflare's published
	// ranges, https://www.cloudflare.com/ips/). Required when either is set.
	HTTPSCIDRs []string `pulumi:"httpsCidrs,optional"`
}

// Peer is one side of allowed connections: pods (Namespace and/or Labels) or address blocks (CIDRs),
// and the ports of the connections.
type Peer struct {
	// Namespace of the peer pods; empty means the policy's namespace. With no Labels, every pod of
	// the namespace.
	Namespace string `pulumi:"namespace,optional"`
	// Labels of the peer pods; empty means every pod of Namespace.
	Labels map[string]string `pulumi:"labels,optional"`
	// CIDRs are address blocks ("10.0.0.0/24", "2001:db8::/64", "192.0.2.10/32") for peers outside
	// the cluster. Exclusive with Namespace and Labels.
	CIDRs []string `pulumi:"cidrs,optional"`
	// Ports of the connections, on the peer's side for egress (a pod's target port, not a Service's
	// port) and on the selected pods' side for ingress. At most MaxPorts.
	Ports []Port `pulumi:"ports,optional"`
	// Hostnames (egress peers, KindCilium) are the DNS names the pods resolve to reach this peer,
	// fully qualified ("web.apps.svc.cluster.local"). They are added to the allowed DNS names; the
	// Kubernetes fallback allows every DNS name anyway.
	Hostnames []string `pulumi:"hostnames,optional"`
}

// Port is a port number and protocol.
type Port struct {
	// Port is the port number, 1-65535.
	Port int `pulumi:"port"`
	// Protocol is TCP (default), UDP or SCTP, in upper case.
	Protocol Protocol `pulumi:"protocol,optional"`
}

// dnsName is the pattern Cilium's schema applies to toFQDNs and rules.dns matchName.
var dnsName = regexp.MustCompile(`^([-a-zA-Z0-9_]+[.]?)+$`)

// withDefaults returns a copy of a with the defaults applied. It does not modify a.
func (a *Args) withDefaults() Args {
	out := *a
	if out.Layout == "" {
		out.Layout = LayoutOwnPod
	}
	if out.Kind == "" {
		out.Kind = KindCilium
	}
	if out.Region == "" {
		out.Region = RegionGlobal
	}
	if out.DNS == nil {
		out.DNS = &Peer{Namespace: DefaultDNSNamespace, Labels: map[string]string{DefaultDNSLabelKey: DefaultDNSLabelValue}}
	}
	out.DNS = withPorts(out.DNS, Port{Port: DNSPort, Protocol: UDP}, Port{Port: DNSPort, Protocol: TCP})
	out.Vault = withPorts(out.Vault, Port{Port: DefaultVaultPort, Protocol: TCP})
	out.Metrics = withPorts(out.Metrics, Port{Port: DefaultMetricsPort, Protocol: TCP})
	out.Origins = withProtocols(out.Origins)
	out.AppIngress = withProtocols(out.AppIngress)
	if out.Kind == KindKubernetes && len(out.EdgeCIDRs) == 0 {
		out.EdgeCIDRs = DefaultEdgeCIDRs[out.Region]
	}
	teams := make([]string, 0, len(out.AccessTeams))
	for _, t := range out.AccessTeams {
		teams = appendNew(teams, strings.ToLower(t))
	}
	out.AccessTeams = teams
	return out
}

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

// HTTPSHosts returns the host names the pods may reach on HTTPSPort after defaults: UpdateHosts when
// UpdateChecks is on, then "<team>.cloudflareaccess.com" for each Access team.
func (a *Args) HTTPSHosts() []string {
	d := a.withDefaults()
	var out []string
	if d.UpdateChecks {
		out = append(out, UpdateHosts...)
	}
	for _, t := range d.AccessTeams {
		out = appendNew(out, t+AccessDomainSuffix)
	}
	return out
}

// DNSNames returns exactly the names the Cilium policy lets the pods resolve, in this order: the
// region's SRVName, its EdgeHosts, FeaturesHost, HTTPSHosts, then the Hostnames of Vault and of the
// Origins, without repeats.
func (a *Args) DNSNames() []string {
	d := a.withDefaults()
	out := []string{d.Region.SRVName()}
	out = append(out, d.Region.EdgeHosts()...)
	out = append(out, FeaturesHost)
	for _, h := range a.HTTPSHosts() {
		out = appendNew(out, h)
	}
	for _, p := range d.egressPeers() {
		for _, h := range p.Hostnames {
			out = appendNew(out, strings.ToLower(strings.TrimSuffix(h, ".")))
		}
	}
	return out
}

// egressPeers are Vault (when set) and the Origins, in that order.
func (a *Args) egressPeers() []Peer {
	var out []Peer
	if a.Vault != nil {
		out = append(out, *a.Vault)
	}
	return append(out, a.Origins...)
}

// ingressPeers are Metrics (when set) and the AppIngress peers, in that order.
func (a *Args) ingressPeers() []Peer {
	var out []Peer
	if a.Metrics != nil {
		out = append(out, *a.Metrics)
	}
	return append(out, a.AppIngress...)
}

func appendNew(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

// Validate checks a without Pulumi and returns every problem as *check.FieldError, with field paths
// in the names of the `pulumi` tags ("origins[1].ports[0].protocol").
func (a *Args) Validate() error {
	var es check.Errors
	switch ns := a.Namespace.(type) {
	case nil:
		es.Add("namespace", nil, "required")
	case pulumi.String:
		es.DNSLabel("namespace", string(ns))
	}
	if len(a.PodSelector) == 0 {
		es.Add("podSelector", a.PodSelector, "required: an empty selector would put every pod of the namespace under this policy")
	}
	es.Labels("podSelector", a.PodSelector)
	switch a.Layout {
	case "", LayoutOwnPod, LayoutSidecar:
	default:
		es.Add("layout", string(a.Layout), "must be %q or %q", LayoutOwnPod, LayoutSidecar)
	}
	switch a.Kind {
	case "", KindCilium, KindKubernetes:
	default:
		es.Add("kind", string(a.Kind), "must be %q or %q", KindCilium, KindKubernetes)
	}
	switch a.Region {
	case "", RegionGlobal, RegionUS, RegionFedRAMP:
	default:
		es.Add("region", string(a.Region), "must be %q, %q or %q", RegionGlobal, RegionUS, RegionFedRAMP)
	}
	if a.DNS != nil {
		validatePeer(&es, "dns", *a.DNS, false)
		if len(a.DNS.Hostnames) > 0 {
			es.Add("dns.hostnames", a.DNS.Hostnames, "not allowed: the DNS service is reached by address")
		}
	}
	if a.Vault != nil {
		validatePeer(&es, "vault", *a.Vault, false)
	}
	for i, o := range a.Origins {
		f := check.Index("origins", i)
		validatePeer(&es, f, o, true)
	}
	if a.Metrics != nil {
		validatePeer(&es, "metrics", *a.Metrics, false)
		validateNoHostnames(&es, "metrics", *a.Metrics)
	}
	if len(a.AppIngress) > 0 && a.Layout != LayoutSidecar {
		es.Add("appIngress", nil, "only with layout %q: the connector's own pods accept no connections but metrics", LayoutSidecar)
	}
	for i, p := range a.AppIngress {
		f := check.Index("appIngress", i)
		validatePeer(&es, f, p, false)
		validateNoHostnames(&es, f, p)
	}
	for i, t := range a.AccessTeams {
		es.DNSLabel(check.Index("accessTeams", i), strings.ToLower(t))
	}
	fallback := a.Kind == KindKubernetes
	if !fallback && len(a.EdgeCIDRs) > 0 {
		es.Add("edgeCidrs", a.EdgeCIDRs, "only with kind %q: the Cilium policy allows the edge by name", KindKubernetes)
	}
	validateCIDRs(&es, "edgeCidrs", a.EdgeCIDRs)
	needHTTPS := a.UpdateChecks || len(a.AccessTeams) > 0
	switch {
	case !fallback && len(a.HTTPSCIDRs) > 0:
		es.Add("httpsCidrs", a.HTTPSCIDRs, "only with kind %q: the Cilium policy allows the HTTPS hosts by name", KindKubernetes)
	case fallback && needHTTPS && len(a.HTTPSCIDRs) == 0:
		es.Add("httpsCidrs", nil, "required with kind %q when updateChecks or accessTeams are set: a NetworkPolicy cannot allow host names, so give the address blocks of %s (e.g. Cloudflare's published ranges)", KindKubernetes, strings.Join(a.HTTPSHosts(), ", "))
	case fallback && !needHTTPS && len(a.HTTPSCIDRs) > 0:
		es.Add("httpsCidrs", a.HTTPSCIDRs, "nothing uses them: updateChecks is off and accessTeams is empty")
	}
	validateCIDRs(&es, "httpsCidrs", a.HTTPSCIDRs)
	return es.Err(Type)
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
		es.Port(check.Join(f, "port"), port.Port)
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
		} else if len(h) > 253 || !dnsName.MatchString(h) || strings.HasPrefix(h, ".") {
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
		f := check.Index(field, i)
		p, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			es.Add(f, c, "not a CIDR (address/prefix length, e.g. 192.0.2.0/24): %v", err)
		case p.Masked() != p:
			es.Add(f, c, "has bits set after the prefix length: did you mean %s?", p.Masked())
		}
	}
}
