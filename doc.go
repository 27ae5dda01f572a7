// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, optionally Cloudflare Access in front of routes (applications, policies, service tokens
// and cloudflared's JWT check, from one field: tunnel.Route.Access), the token in Vault KV v2,
// cloudflared on Kubernetes (its own Deployment or a sidecar in the app's pod) reading the token as a
// file from the Vault Agent Injector, and a least-privilege network policy around it. Nothing listens
// for inbound traffic: cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes), network (the policy) and vaultkv (where the token lives in
// Vault). Ingress only wires their facts together: the tunnel's Vault location is where the workload's
// agent reads (vaultkv.Location), the workload reports its pods (workload.ConnectorArgs.PolicyPods:
// namespace, selector, layout, metrics port, region, Vault agent) and the tunnel its routes' origin hosts,
// Access teams and private ranges (tunnel.Args.PrivateCIDRs), which the policy takes as they are;
// IngressArgs.NetworkPolicy is the policy's own network.Settings, so every setting is reachable.
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
//	  tunnelgate:tunnel:Tunnel web        (children: web-secret, web-tunnel, web-config, web-vault, web-dns-<host>,
//	                                       web-vnet-<name>, web-route-<cidr>; with Access:
//	                                       web-token-<client>, web-access-<domain>[-allow|-service])
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout;
//	                                       children web-token with Token.CreateSecret, web-deployment, web-pdb,
//	                                       web-hpa, web-metrics, web-podmonitor or web-servicemonitor,
//	                                       web-rules: see workload)
//	  tunnelgate:network:Policy web       (unless DisableNetworkPolicy)
//
// Renaming the component or moving it under another parent changes every address below it: use
// pulumi.Aliases.
//
// # Ordering
//
// The workload is registered between the tunnel and its DNS records (tunnel.NewTunnelWithConnectors):
// it depends on the tunnel's secret, tunnel, configuration and Vault secret (the token is in Vault before
// a pod asks the injector for it), and every DNS record depends on the workload's Deployment, which the
// kubernetes provider awaits until its pods are Ready. So no hostname points at a tunnel without
// connectors: not when it is created, and not during a rotation.
//
// # Rotation
//
// Changing Tunnel.Rotation rotates in one `pulumi up` without a window: a new tunnel and token, a
// second Deployment "<name>-<rotation>" started next to the old one (the workload's Generation is the
// rotation), the records moved once its pods are Ready, then the old Deployment and the old tunnel
// deleted. It costs a second set of pods for the length of the update (about the pods' readiness time
// plus about 2 s); InPlaceRotation rolls the one Deployment instead, with a window of error 1033 (under
// 0.2 s measured) when the rollout ends. The tunnel package's Rotation section has the order, the
// figures measured on the real-engine harness, what an interrupted update leaves, and what a token in a
// Secret of your own asks of you (Token.CreateSecret makes the Secret the Ingress's, which rotates like
// Vault).
//
// # Secrets
//
// The tunnel secret and token are Pulumi secrets end to end: ciphertext in state, never in argv, env,
// names, ids or labels. The token reaches cloudflared only as a file.
package tunnelgate
