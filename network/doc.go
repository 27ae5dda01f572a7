// Package network emits the least-privilege network policy of a cloudflared connector: a cilium.io/v2
// CiliumNetworkPolicy by default, or a networking.k8s.io/v1 NetworkPolicy for clusters without Cilium.
//
// # Contract
//
// The traffic is described as typed, plain data (Args, Peer, Port; never raw maps) in three parts:
// Args.Pods, the facts the workload package reports about the pods (workload.Workload.PolicyPods:
// namespace, selector, layout, metrics port, region, the Vault agent's address); Args.Routes, the facts
// the tunnel package reports about the routes (tunnel.Args.OriginHosts and AccessTeams, and the
// Kubernetes Services the routes name as the tunnel resolved them, tunnel.Tunnel.OriginServices); and
// Args.Settings, the caller's choices. Nothing is asked twice: the metrics port, the region, the Access
// teams' domains and the in-cluster names are derived here from those facts. The package owns the policy
// object built from it. NewPolicy validates everything first (Args.Validate, errors name the field path
// and the value, "settings.origins[0].ports[0].port") and registers nothing when anything is wrong. The
// policy selects pods by Pods.Selector in Pods.Namespace: the connector's own pods (LayoutOwnPod) or
// the app's pods that carry cloudflared as a sidecar (LayoutSidecar). It puts them in default-deny for
// both directions and allows only the traffic listed below. Other policies selecting the same pods
// add to what is allowed (both Cilium and Kubernetes take the union).
//
// # Resources (state addresses: public API)
//
// For NewPolicy(ctx, name, ...):
//
//	tunnelgate:network:Policy                          name
//	  kubernetes:cilium.io/v2:CiliumNetworkPolicy      name-cnp       (KindCilium)
//	  kubernetes:networking.k8s.io/v1:NetworkPolicy    name-netpol    (KindKubernetes)
//	  the same type as the above                       name-origin-k  (Settings.OriginIngress: one per Routes.Services[k],
//	                                                                   in the Service's namespace)
//
// The origin policies are numbered in Routes.Services order (the routes' order): a route Service
// added before others renumbers the later ones, which Pulumi then creates anew before it deletes the
// old ones (they are auto-named), so their pods are never left without one.
//
// The children are parented to the component and inherit its Kubernetes provider and Protect; they get
// the caller's DependsOn (a policy that must wait for a Cilium install waits), RetainOnDelete,
// DeletedWith and custom timeouts. Its Kubernetes name is
// auto-named by the provider ("name-cnp-<suffix>", Policy.ObjectName), so a change that replaces it
// creates the new policy before deleting the old one and the pods are never left without a policy.
// Switching Kind replaces one child by the other. Component outputs: kind, namespace, objectName.
//
// # What is allowed, and why (KindCilium)
//
// Egress, in this order:
//   - DNS to the cluster DNS pods (Settings.DNS; default kube-system, k8s-app=kube-dns, 53 UDP and TCP),
//     with a rules.dns section listing exactly Args.DNSNames: the region's SRV record
//     ("_v2-origintunneld._tcp.argotunnel.com", "_us-v2-..." or "_fed-v2-..."), which cloudflared
//     reads to find its edge; the SRV targets "region1/region2.v2.argotunnel.com" (with "us-" or
//     "fed-"), whose A/AAAA records are the edge addresses; "cfd-features.argotunnel.com" (TXT, feature
//     flags); the HTTPS hosts below; the Hostnames of Vault and the Origins; the host of the Vault
//     agent's address (default DefaultVaultService); and Routes.OriginHosts. Host names written as a
//     resolver completes them are fully qualified with Settings.ClusterDomain (default "cluster.local"):
//     "web" in the pods' namespace (also when the namespace is an output, once it is known),
//     "web.apps" and "web.apps.svc" as "web.apps.svc.cluster.local". The DNS rule is what
//     makes toFQDNs work: Cilium's DNS proxy learns the addresses from the answers. Other names are
//     refused by the proxy. That includes the search-path expansions of a short name (with ndots:5,
//     "region1.v2.argotunnel.com.apps.svc.cluster.local" is tried first): the Go resolver of
//     cloudflared and of Vault Agent moves on to the next candidate on a refusal, so list peer names
//     fully qualified.
//   - The edge: toFQDNs matchName of the two region hosts, 7844 TCP (http2) and UDP (quic).
//   - HTTPS, 443 TCP, by toFQDNs, only when needed: "api.cloudflare.com" and
//     "update.argotunnel.com" with Settings.UpdateChecks (off by default: the image runs with
//     --no-autoupdate), "<team>.cloudflareaccess.com" for each of Routes.AccessTeams (cloudflared fetches
//     the team's keys to validate Access JWTs).
//   - Vault (Settings.Vault; default the Helm chart's server pods in "vault", on the agent address's port
//     or 8200 TCP), when a Vault Agent runs in the pods (Pods.Vault): the
//     agent runs in the same pod, under the same policy.
//   - The origins (Settings.Origins) on their ports, required with LayoutOwnPod when a route with a
//     URL points at a host other than the loopback. With LayoutOwnPod these are the pods behind the
//     Services the routes point at, on the pods' target ports. With LayoutSidecar the routes point at
//     localhost, which no policy filters.
//   - The routes' Kubernetes Services (Routes.Services), after the Origins: for each, the pods of its
//     selector in its namespace on the target port behind the route's Service port (by number, or
//     by name when the Service targets a named container port: Cilium and Kubernetes resolve the name
//     in each pod), and its name "<name>.<namespace>.svc.<domain>" among the DNS names (after the
//     Origins' Hostnames). Nothing is typed twice: a route to a Service needs no Settings.Origins.
//     Selectors, ports and names that are outputs (a Service of the same program) are resolved once
//     known, and the policy objects wait for them. A Service without a selector is an error (no policy
//     could name its pods: route to it with a URL and describe it in Settings.Origins), and so is a
//     Service, or an Origins peer, in a namespace outside Settings.OriginNamespaces when that is set
//     (a connector restricted to some namespaces; empty: the whole cluster). Errors that need an
//     output are raised once it is known, before the policy object is registered
//     ("routes.services[1].selector").
//
// With Settings.OriginIngress, each route Service's namespace gets a policy of the same kind that
// selects the Service's pods and lets the policy's pods (Pods.Selector in Pods.Namespace) in on the
// target port, with no other rule: for namespaces that deny ingress by default. It has no egress
// section (Cilium) and only the Ingress policy type (Kubernetes), so the pods' egress is untouched;
// but it does put their ingress under a policy, so where no default deny exists they then accept only
// what some policy allows.
//   - The tunnel's private ranges (Routes.PrivateCIDRs, tunnel.Args.PrivateNetwork), by toCIDRSet and on
//     every port and protocol: Cloudflare One clients reach whatever the ranges hold through the connector.
//     Exactly these ranges: the tunnel package rejects overlapping or non-canonical ones, and a range that
//     shares addresses with Settings.ClusterCIDRs (the cluster's pod, Service and node ranges, when given)
//     is rejected with KindCilium, because Cilium matches pods, Services and nodes by identity, never by
//     CIDR: the policy would block that traffic.
//
// Ingress: Settings.Metrics on the pods' metrics port (Pods.MetricsPort, TCP; cloudflared's metrics server also serves
// /config and /debug/pprof, so it is not opened to anyone else; when a PodMonitor or ServiceMonitor scrapes
// the pods, Pods.Scraped, the scraper is required, or the policy would block it) and, with LayoutSidecar only, the
// app's own ingress as described by Settings.AppIngress (e.g. the same app's pods). Nothing else: with
// neither, the policy has the single empty ingress rule that denies all ingress. The kubelet's probes
// come from the pod's node, which both Cilium (by default) and NetworkPolicy always allow.
//
// Peers in another namespace are selected with the "k8s:io.kubernetes.pod.namespace" label; without
// Peer.Namespace a selector matches only the policy's namespace. Pod labels are matched as k8s-source
// labels ("k8s:<key>"). Address-block peers use toCIDRSet/fromCIDRSet. Not allowed: the DNS-over-TLS
// fallback to 1.1.1.1:853 that cloudflared tries when the SRV lookup fails, the SNI-only names
// (cftunnel.com, h2/quic.cftunnel.com, which firewalls that inspect SNI need, not Cilium),
// github.com and pqtunnels.cloudflareresearch.com (self-update and post-quantum error reports).
//
// In LayoutSidecar the policy selects the app's pods, so it also governs the app's own traffic: add
// what the app needs to Origins and AppIngress, or in another policy.
//
// # The fallback (KindKubernetes) and what it cannot express
//
// The NetworkPolicy has the same rules with these differences. It cannot name hosts: the edge is
// allowed by address block (Settings.EdgeCIDRs; default DefaultEdgeCIDRs(region): 198.41.192.0/19 and
// 2606:4700:a0::/44 for global and US, which is a superset of both, and the FedRAMP blocks), and the
// HTTPS hosts only through Settings.HTTPSCIDRs, which is then required. It cannot filter DNS names: any
// name may be resolved through the DNS pods (Hostnames are not used). The edge blocks are wider than
// the edge itself (anything Cloudflare serves from them on 7844 is reachable).
package network
