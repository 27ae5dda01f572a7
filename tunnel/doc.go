// Package tunnel is the Cloudflare side of tunnelgate: one component, tunnelgate:tunnel:Tunnel, that owns
// a remotely managed Cloudflare Tunnel, its secret, its ingress rules, the DNS records of its hostnames
// and, optionally, the Vault KV v2 secret from which a connector reads its token.
//
// # Contract
//
// Credentials come in, secrets go out. The caller owns the Cloudflare (and Vault) providers, the account
// and the zone; the component owns everything it creates. Args are plain data validated by
// Args.Validate before anything is registered: a bad program fails at preview and creates nothing (not
// even the component). Each error is a *check.FieldError naming the field path ("routes[2].path") and
// the offending value. AccountID and ZoneID may be outputs of other resources; they are then checked
// once known, inside an apply, before a resource uses them.
//
// What other components need from the routes is plain data computed from Args without Pulumi:
// Args.OriginHosts and Args.AccessTeams (the network policy's network.Routes), Args.Vault (the
// workload's Vault source); the routes' Kubernetes Services as the tunnel resolved them are
// Tunnel.OriginServices (network.Routes.Services; before registration Args.OriginServices). The caller's DependsOn, RetainOnDelete, DeletedWith and custom timeouts reach
// every child; providers and Protect reach them through the parent.
//
// The token is the only secret output (Tunnel.Token, wrapped with pulumi.ToSecret); the tunnel secret
// never leaves the component (the random bytes and the tunnel's secret input are secrets, and so is the
// Vault data). The component registers its outputs with RegisterResourceOutputs.
//
// # Resources (public API: names, types and parents are state addresses)
//
// For a component named N (all children have the component as parent):
//
//	name              type token                                                                  parent
//	N                 tunnelgate:tunnel:Tunnel                                                    (caller's)
//	N-secret          random:index/randomPassword:RandomPassword                                  N
//	N-tunnel          cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared      N
//	N-config          cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig  N
//	N-dns-<hostname>  cloudflare:index/record:Record (one per distinct hostname)                 N
//	N-vault           vault:kv/secretV2:SecretV2 (only with Args.Vault)                           N
//	N-service-<ns>.<name>  kubernetes:core/v1:Service, a read (one per existing Service a route names)  N
//
// N-secret is the tunnel secret: 44 random letters and digits (keepers {"rotation": Args.Rotation}),
// which is valid base64 for 33 bytes (Cloudflare requires at least 32) with about 262 bits of entropy.
// It is a RandomPassword rather than a RandomBytes because pulumi-random uses a RandomBytes' base64 value
// as its resource id, and ids are stored in plain text in the state (and shown by `pulumi up --diff`);
// a RandomPassword's id is "none" and its result is a secret. N-tunnel has config_src "cloudflare".
// N-config holds the ingress rules.
//
// Record names use the hostname as written ("edge-dns-app.example.com", "edge-dns-*.example.com",
// "edge-dns-example.com" for the apex; see RecordName) because a dots-to-dashes slug is not injective.
// Renaming any of these later needs pulumi.Aliases.
//
// Each record is a proxied CNAME (TTL 1, "automatic") from the hostname to "<tunnel id>.cfargotunnel.com".
// The zone is given by id (ZoneID: no API call) or by name with LookupZone (the getZone invoke, an API
// call even during preview, made with the component as parent so the component's provider is used).
// When ZoneName is known every hostname must be the apex or inside it.
//
// The tunnel's name is "<name>" or "<name>-<rotation>", with name defaulting to
// "<project>-<stack>-<component name>" (tunnel names are unique per Cloudflare account, so two stacks in
// one account must not share one).
//
// The Vault secret (Mount default "secret", Path required, without "data/") holds
// {"tunnel_token": <token>, "tunnel_id": <id>} (keys configurable); it is read at
// "<mount>/data/<path>" (vaultkv.Location.ReadPath; the location's one validator is shared with the
// workload package, which reads there). Every change (a rotation) writes a new version; destroy
// deletes all versions and the metadata (delete_all_versions), unless Args.KeepVaultVersions asks for
// Vault's soft delete of the latest version only.
//
// # Routes to Kubernetes Services
//
// A route's origin may be a Service of the cluster (Route.KubernetesService, see package origin)
// instead of a URL: a Service of the same program (origin.FromService, or its outputs from another
// language), or an existing one by namespace, name and port (number or name). The rule's service is
// "<scheme>://<name>.<namespace>.svc.<Args.ClusterDomain>:<port>" (the Service port, by its number),
// a literal when the Service is written out, else an output resolved and checked once the Service is
// known: a port that is not the Service's, a UDP port or a headless Service (clusterIP "None") fails
// the configuration (and what waits for it, the DNS records) with a field
// error naming the route ("routes[2].kubernetesService.port"). An existing Service is read from the
// cluster with the component's kubernetes provider, once however many routes and ports name it: the
// child N-service-<namespace>.<name> (a read: `pulumi destroy` forgets it, never deletes the Service).
// Its namespace and name must be literals. A Service that does not exist fails the read.
//
// # Rule order
//
// cloudflared evaluates the ingress rules first to last and takes the first match. The emitted order is
// exactly the order of Args.Routes, followed by the catch-all (Args.CatchAll, default "http_status:404")
// unless the last route is already a catch-all (no hostname, no path). tunnelgate does not reorder: it
// rejects rule lists where a rule can never match instead, i.e. a rule that duplicates an earlier
// hostname+path or that an earlier rule shadows (same hostname, or a wildcard: "*.example.com" also
// matches "a.b.example.com"; with no path, an identical path, or a path that provably matches every path
// such as "/" or ".*"). Put specific rules before general ones. Args.Rules returns the emitted list.
// Validation is linear in the number of routes (map lookups per hostname label).
//
// # Rotation
//
// Every tunnel input is ForceNew and tunnel names are unique per account, so replacing a tunnel under the
// same name could only be delete-before-create (an outage and a lost token). Changing Args.Rotation
// therefore changes the secret's keepers and the tunnel's name together: Pulumi's default
// create-before-delete (DeleteBeforeReplace is false on every child) then
//
//  1. creates a new secret and a NEW tunnel "<name>-<rotation>" next to the old one,
//  2. creates the new tunnel's ingress config, and only then (the records and the Vault secret depend on
//     the config) updates the DNS records (same names, new CNAME target) and the Vault secret (new token
//     and id) in place,
//  3. deletes the old config and, last, the old tunnel.
//
// What running connectors see: connectors started with the old token stay connected to the OLD tunnel
// while steps 1 and 2 run. Once step 2 points the DNS records at the new tunnel, requests reach the new
// tunnel, which has no connector until connectors are (re)started with the new token (cloudflared reads
// it once at start, from Vault or a Secret): until then visitors get Cloudflare error 1033. In step 3
// the old tunnel is deleted: connectors still running with the old token lose their tunnel and cannot
// reconnect (they retry and log errors until restarted); Cloudflare may also refuse to delete a tunnel
// that still has active connections. So restart the connectors in the same update (the workload package
// rolls its pods when the tunnel id changes): it shortens the 1033 gap and lets the old tunnel go.
//
// A zero-downtime ordering (connectors running on the new tunnel before DNS moves) can be added later
// without changing these names or this order: the old and the new tunnel already coexist during an
// update, and the DNS records and Vault secret already wait for the new tunnel's configuration.
package tunnel
