// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, the token in Vault KV v2, cloudflared on Kubernetes (its own Deployment or a sidecar in
// the app's pod) reading the token as a file from the Vault Agent Injector, and a least-privilege network
// policy around it. Nothing listens for inbound traffic: cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes) and network (the policy). Ingress composes them.
//
// # Resource names (state addresses)
//
// NewIngress(ctx, "web", ...) registers, all named "web" and parented to the Ingress:
//
//	tunnelgate:index:Ingress web
//	  tunnelgate:tunnel:Tunnel web        (children: web-secret, web-tunnel, web-config, web-dns-<host>, web-vault)
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout)
//	  tunnelgate:network:Policy web       (unless NetworkPolicy.Disabled)
//
// Renaming the component or moving it under another parent changes every address below it: use
// pulumi.Aliases.
//
// # Ordering
//
// DNS records depend on the tunnel (their content is its CNAME target); the workload depends on the whole
// tunnel component, so the Vault secret exists before the Deployment's pods ask the injector for it; the
// pod template carries the tunnel id, so a new tunnel (rotation) rolls the pods.
//
// # Secrets
//
// The tunnel secret and token are Pulumi secrets end to end: ciphertext in state, never in argv, env,
// names, ids or labels. The token reaches cloudflared only as a file.
package tunnelgate
