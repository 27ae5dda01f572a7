// Package vaultrole is the Vault side of the token's way to cloudflared: one component,
// tunnelgate:vaultrole:Role, that lets exactly one Kubernetes service account read exactly one Vault
// KV v2 secret, the tunnel token, with the Vault provider: a policy that grants read on the secret's
// read path and nothing else, and a Kubernetes auth role that gives that policy, for a short time, to
// the pods whose Vault Agent logs in with the role.
//
// # Contract
//
// What is granted and to whom are facts of other packages, taken as they are: Args.Secret is the
// vaultkv.Location the tunnel package writes (tunnel.Args.Vault) and Args.Reader the vaultkv.Reader the
// workload package reports for its pods (workload.Facts.VaultReader: namespace, service account, auth
// path, role name, token audience). Only Args.Settings are choices (policy name, token lifetimes). So
// the role's name is the one the injector's vault.hashicorp.com/role annotation names, its audience
// the one of the token the agent presents, and the policy's path the one the agent's template reads,
// by construction. The caller owns the Vault provider (its token needs to write policies and roles of
// the auth method) and the auth method itself (enabled and configured to review tokens with the
// cluster: see the README); the component owns the policy and the role. NewRole validates everything
// first (Args.Validate; errors name the field path and the value, "reader.serviceAccount") and
// registers nothing when anything is wrong; a namespace or service account that is another resource's
// output is checked once known.
//
// # Resources (public API: names, types and parents are state addresses)
//
// For a component named N (both children have the component as parent):
//
//	name     type token                                            parent
//	N        tunnelgate:vaultrole:Role                             (caller's)
//	N-policy vault:index/policy:Policy                             N
//	N-role   vault:kubernetes/authBackendRole:AuthBackendRole      N
//
// N-policy is named Settings.PolicyName (default: the role's name in lower case, as Vault stores
// policy names) and holds PolicyDocument(Args.Secret):
//
//	path "<mount>/data/<path>" {
//	  capabilities = ["read"]
//	}
//
// read on exactly that path: no list, no metadata endpoint (versions, custom metadata, deletion
// times), no sibling path, no write; the mount and path are validated without glob characters
// ('*', '+'), so the path names one secret. N-role is the role Reader.Role of the auth method at
// Reader.AuthPath (default "auth/kubernetes"), bound to exactly Reader.ServiceAccount in exactly
// Reader.Namespace (never "*", never the namespace's "default" account, which every pod that names no
// account runs as), with token_policies [the policy], token_ttl Settings.TTLSeconds (default 300) and
// token_max_ttl Settings.MaxTTLSeconds (default 3600), and, when Reader.TokenAudience is set, that
// audience: Vault then accepts only service-account tokens issued for it. Tokens the role issues also
// carry Vault's "default" policy (the token's own lookup, renewal and revocation, its cubbyhole),
// which Vault adds to every token unless told otherwise. With a Vault Enterprise namespace
// (Secret.Namespace, where the agent reads and logs in) both children are created in that namespace.
// The role depends on the policy (it names the policy's name output): created after it, deleted
// before it. The component's outputs are roleName, authPath and policyName; Role.Children lists both
// children, for pods that must start after the role exists.
//
// Renaming the component, a role or a policy replaces them; a rotation of the tunnel writes a new
// token at the same path and changes neither. The Vault provider creates a policy or a role by
// writing it, over one of the same name if there is one (as `vault policy write` does), and destroy
// deletes it: keep the names of roles and policies that other tools manage out of the way (the
// Ingress's defaults are "<project>-<stack>-<component>").
package vaultrole
