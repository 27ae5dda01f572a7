// Package tunnelgate puts Kubernetes apps on the internet through a Cloudflare Tunnel with one call:
// NewIngress creates the tunnel secret, a remotely managed tunnel and its ingress rules, a proxied CNAME
// per hostname, the token in Vault KV v2 with the Vault policy and Kubernetes auth role that let exactly
// the pods read it, cloudflared on Kubernetes (its own Deployment or a sidecar in the app's pod) reading
// the token as a file from the Vault Agent Injector, and a least-privilege network policy around it.
// Nothing listens for inbound traffic: cloudflared dials out to Cloudflare.
//
// The parts are packages of their own, usable alone: tunnel (Cloudflare side and Vault secret),
// workload (cloudflared on Kubernetes), vaultrole (who may read the secret), network (the policy) and
// vaultkv (where the token lives in Vault, and who reads it). Ingress only wires their facts together:
// the tunnel's Vault location is where the workload's agent reads (vaultkv.Location); the workload
// reports its pods (workload.ConnectorArgs.Facts): to the policy their namespace, selector, layout,
// metrics port, region and Vault agent (network.Pods), to the Vault role who reads the token and how
// the agent logs in (vaultkv.Reader); the tunnel reports its routes' origin hosts and Access teams. The
// other parts take these facts as they are; IngressArgs.NetworkPolicy and VaultRole are the policy's
// and the role's own settings types, so every setting is reachable.
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
//	  tunnelgate:vaultrole:Role web       (children: web-policy, web-role; with Token.Vault unless DisableVaultRole)
//	  tunnelgate:workload:Connector web   (own-pod layout; or tunnelgate:workload:App web, in-pod layout;
//	                                       children web-serviceaccount, web-deployment, web-pdb)
//	  tunnelgate:network:Policy web       (unless DisableNetworkPolicy)
//
// Renaming the component or moving it under another parent changes every address below it: use
// pulumi.Aliases.
//
// # Ordering
//
// DNS records depend on the tunnel (their content is its CNAME target); the workload depends on every
// resource of the tunnel (Tunnel.Children) and of the Vault role (Role.Children), so the Vault secret
// and the role exist before the Deployment's pods' agents log in and read (and are deleted after the
// pods); the pod template carries the tunnel id, so a new tunnel (rotation) rolls the pods. A rotation
// writes the new token at the same path: the policy and the role do not change.
//
// # Secrets
//
// The tunnel secret and token are Pulumi secrets end to end: ciphertext in state, never in argv, env,
// names, ids or labels. The token reaches cloudflared only as a file.
package tunnelgate
