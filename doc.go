// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, the token in Vault KV v2, cloudflared on Kubernetes (its own Deployment or a sidecar in
// the app's pod) reading the token as a file from the Vault Agent Injector, and a least-privilege network
// policy around it. Nothing listens for inbound traffic: cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes), network (the policy) and vaultkv (where the token lives in
// Vault). Ingress only wires their facts together: the tunnel's Vault location is where the workload's
// agent reads (vaultkv.Location), the workload reports its pods (workload.ConnectorArgs.PolicyPods:
// namespace, selector, layout, metrics port, region, Vault agent) and the tunnel its routes' origin hosts,
// Access teams and Kubernetes Services (Tunnel.OriginServices: a Service of the program as its outputs,
// an existing one as the tunnel read it), which the policy takes as they are; IngressArgs.NetworkPolicy
// is the policy's own network.Settings, so every setting is reachable. The cluster domain is one for
// both: Tunnel.ClusterDomain or NetworkPolicy.ClusterDomain (either is given to the other; two
// different ones are an error).
//
// # Layouts
//
// The connector runs in the app's pod (App) or in pods of its own (Connector). Pods of its own can
// serve any number of apps in any namespaces through one tunnel: route to their Services
// (tunnel.Route.KubernetesService, see package origin) and the policy allows exactly those Services'
// pods on their target ports; NetworkPolicy.OriginNamespaces restricts the namespaces it may reach,
// NetworkPolicy.OriginIngress lets it in where apps' namespaces deny ingress by default
// (examples/shared: one connector for the whole cluster, two apps in two namespaces).
//
// # Validation and options
//
// NewIngress checks every input, with the component's name, before it registers anything (not even
// the component): the errors name the field path as written in IngressArgs ("app.containers[0].
// securityContext.privileged", "networkPolicy.httpsCidrs", "tunnel.routes[1].kubernetesService.port").
// Inputs that are outputs of other resources are checked once known, before a resource uses them, by
// the child that uses them, under its own field path ("tunnelgate:tunnel:Tunnel: ...
// routes[1].kubernetesService.port 8080: not a port of Service shop/web", "tunnelgate:network:Policy:
// ... routes.services[0].selector", the k-th distinct Service of the routes). The caller's options reach every resource: providers and Protect through the
// parent, DependsOn, RetainOnDelete, DeletedWith and custom timeouts passed to each child.
//
// # Resource names (state addresses)
//
// NewIngress(ctx, "web", ...) registers, all named "web" and parented to the Ingress:
//
//	tunnelgate:index:Ingress web
//	  tunnelgate:tunnel:Tunnel web        (children: web-secret, web-tunnel, web-config, web-dns-<host>, web-vault,
//	                                       and web-service-<namespace>.<name>, a read of each existing Service a route names)
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout)
//	  tunnelgate:network:Policy web       (unless DisableNetworkPolicy; children web-cnp or web-netpol, and
//	                                       web-origin-<k> with NetworkPolicy.OriginIngress)
//
// Renaming the component or moving it under another parent changes every address below it: use
// pulumi.Aliases.
//
// # Ordering
//
// DNS records depend on the tunnel (their content is its CNAME target); the workload depends on every
// resource of the tunnel (Tunnel.Children), so the Vault secret exists before the Deployment's pods ask
// the injector for it; the
// pod template carries the tunnel id, so a new tunnel (rotation) rolls the pods.
//
// # Secrets
//
// The tunnel secret and token are Pulumi secrets end to end: ciphertext in state, never in argv, env,
// names, ids or labels. The token reaches cloudflared only as a file.
package tunnelgate
