// Package network emits the least-privilege network policy of a cloudflared connector: a cilium.io/v2
// CiliumNetworkPolicy by default, or a networking.k8s.io/v1 NetworkPolicy for clusters without Cilium.
//
// # Contract
//
// The caller describes the traffic as typed, plain data (Args, Peer, Port; never raw maps); the
// package owns the policy object built from it. NewPolicy validates everything first (Args.Validate,
// errors name the field path and the value) and registers nothing when anything is wrong. The
// policy selects pods by Args.PodSelector in Args.Namespace: the connector's own pods (LayoutOwnPod) or
// the app's pods that carry cloudflared as a sidecar (LayoutSidecar). It puts them in default-deny for
// both directions and allows only the traffic listed below. Other policies selecting the same pods
// add to what is allowed (both Cilium and Kubernetes take the union).
//
// # Resources (state addresses: public API)
//
// For NewPolicy(ctx, name, ...):
//
//	tunnelgate:network:Policy                          name
//	  kubernetes:cilium.io/v2:CiliumNetworkPolicy      name-cnp     (KindCilium)
//	  kubernetes:networking.k8s.io/v1:NetworkPolicy    name-netpol  (KindKubernetes)
//
// The child is parented to the component and inherits its Kubernetes provider. Its Kubernetes name is
// auto-named by the provider ("name-cnp-<suffix>", Policy.ObjectName), so a change that replaces it
// creates the new policy before deleting the old one and the pods are never left without a policy.
// Switching Kind replaces one child by the other. Component outputs: kind, namespace, objectName.
//
// # What is allowed, and why (KindCilium)
//
// Egress, in this order:
//   - DNS to the cluster DNS pods (Args.DNS; default kube-system, k8s-app=kube-dns, 53 UDP and TCP),
//     with a rules.dns section listing exactly Args.DNSNames: the region's SRV record
//     ("_v2-origintunneld._tcp.argotunnel.com", "_us-v2-..." or "_fed-v2-..."), which cloudflared
//     reads to find its edge; the SRV targets "region1/region2.v2.argotunnel.com" (with "us-" or
//     "fed-"), whose A/AAAA records are the edge addresses; "cfd-features.argotunnel.com" (TXT, feature
//     flags); the HTTPS hosts below; and the Hostnames of Vault and the Origins. The DNS rule is what
//     makes toFQDNs work: Cilium's DNS proxy learns the addresses from the answers. Other names are
//     refused by the proxy. That includes the search-path expansions of a short name (with ndots:5,
//     "region1.v2.argotunnel.com.apps.svc.cluster.local" is tried first): the Go resolver of
//     cloudflared and of Vault Agent moves on to the next candidate on a refusal, so list peer names
//     fully qualified.
//   - The edge: toFQDNs matchName of the two region hosts, 7844 TCP (http2) and UDP (quic).
//   - HTTPS, 443 TCP, by toFQDNs, only when needed: "api.cloudflare.com" and
//     "update.argotunnel.com" with Args.UpdateChecks (off by default: the image runs with
//     --no-autoupdate), "<team>.cloudflareaccess.com" for each of Args.AccessTeams (cloudflared fetches
//     the team's keys to validate Access JWTs).
//   - Vault (Args.Vault; default port 8200 TCP), when the Vault Agent Injector delivers the token: the
//     agent runs in the same pod, under the same policy.
//   - The origins (Args.Origins) on their ports. With LayoutOwnPod these are the pods behind the
//     Services the routes point at, on the pods' target ports. With LayoutSidecar the routes point at
//     localhost, which no policy filters.
//
// Ingress: Args.Metrics on the metrics port (default 2000 TCP; cloudflared's metrics server also serves
// /config and /debug/pprof, so it is not opened to anyone else) and, with LayoutSidecar only, the
// app's own ingress as described by Args.AppIngress (e.g. the same app's pods). Nothing else: with
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
// allowed by address block (Args.EdgeCIDRs; default DefaultEdgeCIDRs: 198.41.192.0/19 and
// 2606:4700:a0::/44 for global and US, which is a superset of both, and the FedRAMP blocks), and the
// HTTPS hosts only through Args.HTTPSCIDRs, which is then required. It cannot filter DNS names: any
// name may be resolved through the DNS pods (Hostnames are not used). The edge blocks are wider than
// the edge itself (anything Cloudflare serves from them on 7844 is reachable).
package network
