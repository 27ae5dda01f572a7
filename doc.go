// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, the token in Vault KV v2, cloudflared on Kubernetes (its own Deployment or a sidecar in
// the app's pod) reading the token as a file from the Vault Agent Injector, and a least-privilege network
// policy around it. Nothing listens for inbound traffic: cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes), network (the policy) and vaultkv (where the token lives in
// Vault). Ingress only wires their facts together: the tunnel's Vault location is where the workload's
// agent reads (vaultkv.Location), the workload reports its pods (workload.ConnectorArgs.Facts:
// namespace, selector, layout, metrics port, region, Vault agent) and the tunnel its routes' origin hosts
// and Access teams, which the policy takes as they are; IngressArgs.NetworkPolicy is the policy's own
// network.Settings, so every setting is reachable.
//
// # Validation and options
//
// NewIngress checks every input, with the component's name, before it registers anything (not even
// the component): the errors name the field path as written in IngressArgs ("app.containers[0].
// securityContext.privileged", "networkPolicy.httpsCidrs"). Inputs that are outputs of other resources
// are checked once known. The caller's options reach every resource: providers and Protect through the
// parent, DependsOn, RetainOnDelete, DeletedWith and custom timeouts passed to each child.
//
// # Resource names (state addresses)
//
// NewIngress(ctx, "web", ...) registers, all named "web" and parented to the Ingress:
//
//	tunnelgate:index:Ingress web
//	  tunnelgate:tunnel:Tunnel web        (children: web-secret, web-tunnel, web-config, web-dns-<host>, web-vault)
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout)
//	  tunnelgate:network:Policy web       (unless DisableNetworkPolicy)
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
