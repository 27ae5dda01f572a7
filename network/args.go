package network

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/origin"
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
	// pods and therefore also governs the app's own traffic (Settings.AppIngress, Settings.Origins).
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

// Fixed values and defaults. Every default can be overridden through Settings.
const (
	// EdgePort is the port of Cloudflare's tunnel edge: TCP for http2, UDP for quic. It is fixed by
	// cloudflared and the edge, so it is not configurable.
	EdgePort = 7844
	// HTTPSPort is the port of the optional HTTPS destinations (update checks, Access team domains).
	HTTPSPort = 443
	// DNSPort is the default port of the DNS peer (UDP and TCP).
	DNSPort = 53
	// DefaultVaultPort is the port of the Vault peer when neither Settings.Vault nor the agent's address
	// (VaultClient.Port) names one: Vault's listener default, TCP.
	DefaultVaultPort = 8200
	// DefaultVaultNamespace is where the policy expects Vault's pods when Settings.Vault is nil: the
	// namespace the official Vault Helm chart is usually installed in.
	DefaultVaultNamespace = "vault"
	// DefaultVaultService is the in-cluster name of Vault when Settings.Vault is nil and the agent's
	// address is the injector's default: the Helm chart's Service "vault" in DefaultVaultNamespace. It is
	// qualified with the cluster domain ("vault.vault.svc.cluster.local").
	DefaultVaultService = "vault." + DefaultVaultNamespace + ".svc"
	// DefaultDNSNamespace is the namespace of the default DNS peer, the cluster DNS pods (kube-dns, or CoreDNS
	// deployed under the kube-dns name, as kubeadm, kind, GKE, EKS and AKS do).
	DefaultDNSNamespace = "kube-system"
	// DefaultDNSLabelKey is the label key of the default DNS peer.
	DefaultDNSLabelKey = "k8s-app"
	// DefaultDNSLabelValue is the label value of the default DNS peer.
	DefaultDNSLabelValue = "kube-dns"
	// DefaultClusterDomain is the cluster's DNS domain (Settings.ClusterDomain), with which in-cluster
	// names are fully qualified in the DNS rules: origin.DefaultClusterDomain, as the routes'.
	DefaultClusterDomain = origin.DefaultClusterDomain
	// MaxPorts is the most ports one peer may list: Cilium's schema accepts at most 40 per port rule.
	MaxPorts = 40
)

// UpdateHosts returns the HTTPS destinations of cloudflared's update checks (Settings.UpdateChecks).
// The cloudflared image runs with --no-autoupdate, so they are not needed by default.
func UpdateHosts() []string { return []string{"api.cloudflare.com", "update.argotunnel.com"} }

// DefaultVaultLabels returns the labels of the Vault server pods of the official Helm chart, which the
// policy allows egress to when Settings.Vault is nil.
func DefaultVaultLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "vault", "component": "server"}
}

// FeaturesHost is the TXT record cloudflared reads at start for its feature flags.
const FeaturesHost = "cfd-features.argotunnel.com"

// AccessDomainSuffix follows the team name in a Cloudflare Access team domain.
const AccessDomainSuffix = ".cloudflareaccess.com"

// DefaultEdgeCIDRs returns the address blocks the Kubernetes fallback allows on EdgePort for a region
// (Settings.EdgeCIDRs replaces them). Cloudflare documents single edge addresses but publishes no
// tunnel-specific ranges. Global and US share the superset 198.41.192.0/19 and 2606:4700:a0::/44, which
// holds region1 (198.41.192.x, 2606:4700:a0::x), region2 (198.41.200.x, 2606:4700:a8::x) and US
// (198.41.218-219.x, 2606:4700:a1::x, 2606:4700:a9::x). FedRAMP gets the /24 and /48 around its
// documented addresses (162.159.234.x, 172.64.234.x, 2a06:98c1:4d::x, 2606:4700:f6::x): the smallest
// blocks routed on the internet, so that addresses added next to the documented ones stay reachable.
func DefaultEdgeCIDRs(r Region) []string {
	if r == RegionFedRAMP {
		return []string{"162.159.234.0/24", "172.64.234.0/24", "2a06:98c1:4d::/48", "2606:4700:f6::/48"}
	}
	return []string{"198.41.192.0/19", "2606:4700:a0::/44"}
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

// Args is what the policy is built from: the pods it governs as the workload package reports them
// (Pods), what the tunnel's routes need as the tunnel package reports it (Routes), and the caller's
// own choices (Settings). The first two are facts about other components; only Settings is a choice.
type Args struct {
	// Pods are the pods the policy applies to (workload.Workload.PolicyPods, or
	// workload.ConnectorArgs.Facts(name).PolicyPods before registration). Required.
	Pods Pods `pulumi:"pods"`
	// Routes are the destinations of the tunnel's routes (tunnel.Args.OriginHosts, AccessTeams and
	// PrivateCIDRs). Required, and may be empty (a tunnel whose routes need no egress but the edge's).
	Routes Routes `pulumi:"routes"`
	// Settings are the caller's choices; nil gives the defaults (a CiliumNetworkPolicy).
	Settings *Settings `pulumi:"settings,optional"`
}

// Pods describe the pods that run cloudflared, as the workload that runs them reports them.
type Pods struct {
	// Namespace is the namespace of the pods and of the policy object. Required. It may be another
	// resource's output: a literal (pulumi.String) is validated at construction, an output inside an
	// apply before the policy object uses it.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// Selector are the labels of the pods the policy applies to: the connector's pods (LayoutOwnPod)
	// or the app's pods (LayoutSidecar). Required and non-empty: an empty selector would put every pod of
	// the namespace under this policy.
	Selector map[string]string `pulumi:"selector"`
	// Layout is LayoutOwnPod (default) or LayoutSidecar.
	Layout Layout `pulumi:"layout,optional"`
	// MetricsPort is cloudflared's metrics port (TCP), which the Settings.Metrics peer may reach.
	// Required.
	MetricsPort int `pulumi:"metricsPort"`
	// Region is the edge region cloudflared connects to (its --region): RegionGlobal (default) or
	// RegionUS.
	Region Region `pulumi:"region,optional"`
	// Vault is set when a Vault Agent in the pods logs in to Vault and reads the token (the Vault
	// Agent Injector): the policy then allows egress to Vault. nil when the token comes from a Secret.
	Vault *VaultClient `pulumi:"vault,optional"`
	// Scraped says that a Prometheus operator's PodMonitor or ServiceMonitor scrapes the pods' metrics
	// port: Settings.Metrics, the scraper, is then required (the policy would block the scrapes).
	Scraped bool `pulumi:"scraped,optional"`
}

// VaultClient is the Vault Agent in the pods: where it connects to.
type VaultClient struct {
	// Host is the host of the agent's Vault address (the injector's "service" annotation), a name or
	// an address; empty when the injector's default address is used (see Settings.Vault).
	Host string `pulumi:"host,optional"`
	// Port is the port of that address; 0 when it names none (DefaultVaultPort).
	Port int `pulumi:"port,optional"`
}

// Routes are the destinations of the tunnel's routes, as the tunnel package reports them.
type Routes struct {
	// OriginHosts are the hosts the routes send traffic to, as written ("web.apps.svc.cluster.local",
	// "web", "localhost", "10.0.0.7"). In-cluster names are added to the DNS rules fully qualified
	// ("web" with the pods' namespace and Settings.ClusterDomain); with LayoutOwnPod any host but the
	// loopback needs Settings.Origins.
	OriginHosts []string `pulumi:"originHosts,optional"`
	// Services are the Kubernetes Services the routes point at (tunnel.Tunnel.OriginServices, as the
	// tunnel resolved them; before registration tunnel.Args.OriginServices). Each is an egress peer:
	// the pods of its selector in its namespace, on the target port behind the route's Service port,
	// and its name ("<name>.<namespace>.svc.<domain>") is added to the DNS rules. Selectors, ports and
	// names that are outputs are resolved and checked once known. A Service without a selector, or
	// (Settings.OriginNamespaces) in another namespace, is an error.
	Services []origin.Service `pulumi:"services,optional"`
	// AccessTeams are the Cloudflare Access team names whose JWTs cloudflared validates (routes with
	// Access required): egress to "<team>.cloudflareaccess.com" on HTTPSPort. Case-insensitive.
	AccessTeams []string `pulumi:"accessTeams,optional"`
	// PrivateCIDRs are the address ranges of the tunnel's private routes (tunnel.Args.PrivateCIDRs):
	// cloudflared forwards Cloudflare One clients' traffic to them, so the policy allows egress to exactly
	// these ranges, on every port and protocol.
	PrivateCIDRs []string `pulumi:"privateCidrs,optional"`
}

// Settings are the caller's choices for the policy. The zero value gives a CiliumNetworkPolicy with
// the defaults below.
type Settings struct {
	// Kind is KindCilium (default) or KindKubernetes.
	Kind Kind `pulumi:"kind,optional"`
	// Region overrides the edge region of Pods.Region: RegionFedRAMP for FedRAMP accounts (whose tokens
	// point at the FedRAMP edge) when cloudflared runs without --region. Any other value must equal the
	// pods' region, or cloudflared could not reach its edge.
	Region Region `pulumi:"region,optional"`
	// DNS is the cluster DNS service's pods. Default: namespace DefaultDNSNamespace, labels
	// DefaultDNSLabelKey=DefaultDNSLabelValue, ports DNSPort UDP and TCP. Hostnames are not allowed
	// here (the DNS peer is reached by address).
	DNS *Peer `pulumi:"dns,optional"`
	// Vault is where Vault runs, which the Vault Agent in the pods (Pods.Vault) logs in to and reads
	// the token from. Default: the pods DefaultVaultLabels() in DefaultVaultNamespace. Ports default to
	// the agent's address's port, else DefaultVaultPort; Hostnames get the host of the agent's address
	// (fully qualified), or DefaultVaultService when both this and the address are left to defaults.
	// Only with Pods.Vault.
	Vault *Peer `pulumi:"vault,optional"`
	// Origins are the destinations the tunnel's routes point at: in LayoutOwnPod the Services' pods
	// (their labels and the pods' target ports, not the Services' ports), required when a route points
	// at a host other than the loopback. In LayoutSidecar the routes usually point at localhost, which
	// needs no rule; list here whatever else the pods must reach. Ports are required. The routes' host
	// names (Routes.OriginHosts) are added to the DNS rules; list other names in Hostnames.
	Origins []Peer `pulumi:"origins,optional"`
	// OriginNamespaces, when set, are the only namespaces whose pods the connector may reach: a route's
	// Service (Routes.Services) or an Origins peer in any other namespace is an error. Empty: any
	// namespace (a connector for the whole cluster; the egress rules still name exactly the origins).
	OriginNamespaces []string `pulumi:"originNamespaces,optional"`
	// OriginIngress creates, in the namespace of each route's Service (Routes.Services), a policy
	// that selects the Service's pods and lets the pods of Pods in on the target port, and nothing
	// else: for namespaces that deny ingress by default. It puts those pods under an ingress policy,
	// so in a namespace without such a default they then accept only what some policy allows. Not for
	// Origins peers (write their ingress yourself).
	OriginIngress bool `pulumi:"originIngress,optional"`
	// Metrics allows cloudflared's metrics port from the monitoring pods (e.g. namespace "monitoring",
	// labels of Prometheus). Ports default to Pods.MetricsPort, TCP. nil allows no scrapes. The
	// kubelet's probes need no rule: traffic from the pod's own node is always allowed.
	Metrics *Peer `pulumi:"metrics,optional"`
	// AppIngress (LayoutSidecar only) is the app's own ingress: the peers that may connect to the
	// app's pods, e.g. the other pods of the same app. Empty Ports allow every port from that peer.
	// Traffic from cloudflared to the app stays inside the pod and needs no rule.
	AppIngress []Peer `pulumi:"appIngress,optional"`
	// UpdateChecks allows egress to UpdateHosts() on HTTPSPort. Off by default: the image runs with
	// --no-autoupdate.
	UpdateChecks bool `pulumi:"updateChecks,optional"`
	// EdgeCIDRs (KindKubernetes only) replace DefaultEdgeCIDRs(region) as the blocks allowed on
	// EdgePort.
	EdgeCIDRs []string `pulumi:"edgeCidrs,optional"`
	// HTTPSCIDRs (KindKubernetes only) are the blocks allowed on HTTPSPort in place of the host names of
	// UpdateChecks and Routes.AccessTeams, which a NetworkPolicy cannot express (e.g. Cloudflare's
	// published ranges, https://www.cloudflare.com/ips/). Required when either is set.
	HTTPSCIDRs []string `pulumi:"httpsCidrs,optional"`
	// ClusterDomain is the cluster's DNS domain. Default DefaultClusterDomain ("cluster.local").
	ClusterDomain string `pulumi:"clusterDomain,optional"`
	// ClusterCIDRs are the cluster's own address ranges (pods, Services, nodes), which only check
	// Routes.PrivateCIDRs: with KindCilium a private range inside them is rejected, because Cilium matches
	// pods, Services and nodes by identity, never by CIDR, so the policy would block that traffic. nil:
	// not checked.
	ClusterCIDRs []string `pulumi:"clusterCidrs,optional"`
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

// Port is a port number, or the name of a pod's container port, and a protocol.
type Port struct {
	// Port is the port number, 1-65535. Set Port or Name.
	Port int `pulumi:"port,optional"`
	// Name is a named container port of the peer pods (egress) or of the selected pods (ingress), as a
	// Service's targetPort names it ("http"): the policy names it too, and Kubernetes and Cilium
	// resolve it in each pod. Only for pod peers, not with CIDRs.
	Name string `pulumi:"name,optional"`
	// Protocol is TCP (default), UDP or SCTP, in upper case.
	Protocol Protocol `pulumi:"protocol,optional"`
}
