// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, optionally Cloudflare Access in front of routes (applications, policies, service tokens
// and cloudflared's JWT check, from one field: tunnel.Route.Access), the token in Vault KV v2 with the
// Vault policy and Kubernetes auth role that let exactly the pods read it, cloudflared on Kubernetes
// (its own Deployment or a sidecar in the app's pod) reading the token as a file from the Vault Agent
// Injector, and a least-privilege network policy around it. Nothing listens for inbound traffic:
// cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes), vaultrole (who may read the secret), network (the policy) and
// vaultkv (where the token lives in Vault, and who reads it). Ingress only wires their facts together:
// the tunnel's Vault location is where the workload's agent reads (vaultkv.Location); the workload
// reports its pods (workload.ConnectorArgs.Facts): to the policy their namespace, selector, layout,
// metrics port, region and Vault agent (network.Pods), to the Vault role who reads the token and how
// the agent logs in (vaultkv.Reader); the tunnel reports its routes' origin hosts, Access teams,
// private ranges (tunnel.Args.PrivateCIDRs) and Kubernetes Services (Tunnel.OriginServices: a Service
// of the program as its outputs, an existing one as the tunnel read it). The other parts take these
// facts as they are; IngressArgs.NetworkPolicy and VaultRole are the policy's and the role's own
// settings types, so every setting is reachable. The cluster domain is one for the routes and the
// policy: Tunnel.ClusterDomain or NetworkPolicy.ClusterDomain (either is given to the other; two
// different ones are an error).
//
// # The Vault side
//
// With the Vault token source (Token.Vault) the Ingress creates, unless DisableVaultRole, a policy
// that reads exactly Tunnel.Vault's read path and a Kubernetes auth role bound to exactly the pods'
// service account and namespace (package vaultrole). The role's name is the agent's Token.Vault.Role
// (default vaultrole.DefaultName: "<project>-<stack>-<component name>" in lower case, so that two
// Ingresses, stacks or projects get distinct roles and policies in one Vault), its audience the
// agent's TokenAudience (default vaultrole.DefaultAudience, "vault"): the injector's role annotation
// and the token the agent presents match the role by construction. Pods that name no service account
// (Pods.ServiceAccount, or an App's pod spec) get one of their own, created by the workload under the
// Deployment's name, so that no other pod of the namespace can log in with the role. With
// DisableVaultRole nothing of this is created or defaulted: Token.Vault.Role names a role managed
// elsewhere.
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
//	  tunnelgate:tunnel:Tunnel web        (children: web-secret, web-tunnel, web-config, web-vault, web-dns-<host>,
//	                                       web-vnet-<name>, web-route-<cidr>; with Access:
//	                                       web-token-<client>, web-access-<domain>[-allow|-service];
//	                                       web-service-<namespace>.<name>, a read of each existing Service a route names)
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout;
//	                                       children web-token with Token.CreateSecret, web-deployment, web-pdb,
//	                                       web-hpa, web-metrics, web-podmonitor or web-servicemonitor,
//	                                       web-rules: see workload)
//	  tunnelgate:vaultrole:Role web       (children: web-policy, web-role; with Token.Vault unless DisableVaultRole)
//	  tunnelgate:network:Policy web       (unless DisableNetworkPolicy; children web-cnp or web-netpol, and
//	                                       web-origin-<k> with NetworkPolicy.OriginIngress)
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
// The workload also depends on every resource of the Vault role (Role.Children), so the policy and the
// role exist before the pods' agents log in and read (and are deleted after the pods). A rotation
// writes the new token at the same path: the policy and the role do not change.
//
// # Secrets
//
// The tunnel secret and token are Pulumi secrets end to end: ciphertext in state, never in argv, env,
// names, ids or labels. The token reaches cloudflared only as a file.
package tunnelgate
