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
// NewTunnelWithConnectors registers the caller's connectors between the tunnel (with its configuration and
// Vault secret) and the DNS records, which then wait for them: no record is created or moved to a tunnel
// before its connectors are ready (see Rotation).
//
// What other components need from the routes is plain data computed from Args without Pulumi:
// Args.OriginHosts and Args.AccessTeams (the network policy's network.Routes), Args.Vault (the
// workload's Vault source). The caller's DependsOn, RetainOnDelete, DeletedWith and custom timeouts reach
// every child; providers and Protect reach them through the parent.
//
// The token is the only secret output (Tunnel.Token, wrapped with pulumi.ToSecret); the tunnel secret
// never leaves the component (the random bytes and the tunnel's secret input are secrets, and so is the
// Vault data). The component registers its outputs with RegisterResourceOutputs.
//
// # Resources (public API: names, types and parents are state addresses)
//
// For a component named N (all children have the component as parent), in registration order (the
// records after the Vault secret, and after what NewTunnelWithConnectors's Connectors registers):
//
//	name              type token                                                                  parent
//	N                 tunnelgate:tunnel:Tunnel                                                    (caller's)
//	N-secret          random:index/randomPassword:RandomPassword                                  N
//	N-tunnel          cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared      N
//	N-config          cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig  N
//	N-vault           vault:kv/secretV2:SecretV2 (only with Args.Vault)                           N
//	N-dns-<hostname>  cloudflare:index/record:Record (one per distinct hostname)                 N
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
// therefore changes the secret's keepers and the tunnel's name together, and Pulumi's default
// create-before-delete (DeleteBeforeReplace is false on every child) makes one `pulumi up` a rotation
// in which no hostname ever points at a tunnel without connectors, when the connectors are registered
// with NewTunnelWithConnectors next to the old ones (tunnelgate.NewIngress does, see below):
//
//  1. a new secret and a NEW tunnel "<name>-<rotation>" are created next to the old ones; the ingress
//     configuration moves to the new tunnel (the provider updates it in place: its tunnel id changes)
//     and the Vault secret gets the new token and id (a new version);
//  2. Connectors registers the new connectors, which read the new token when they start (from Vault:
//     they depend on the Vault secret), next to the old ones, which keep the old token and keep
//     serving the old tunnel; the update waits until the new ones are Ready (NewIngress: a second
//     Deployment "<pods.name>-<rotation>", awaited by the kubernetes provider);
//  3. the DNS records move to the new tunnel in place (same names, new CNAME target);
//  4. at the end of the update Pulumi deletes what was replaced, dependents first: the old connectors
//     (the old Deployment; the kubernetes provider deletes it in the foreground, so its pods are gone
//     when the delete returns), then the old tunnel (the provider cleans up its connections, then
//     deletes it; Cloudflare refuses to delete a tunnel that still has connectors) and the old secret.
//
// Measured on the e2e harness (the real engine and plugins, the fake API modelling the edge, pods that
// become Ready 3 s after they start and take 1 s to stop): from the new tunnel's creation to the old
// tunnel's deletion 5.75-6.25 s, median 5.93 s over 14 rotations (the target: the readiness time plus
// 10 s), for 1 or 2 replicas in either layout, with the token in Vault or in a Secret tunnelgate
// writes; every 100 ms sample of every hostname reached a tunnel with Ready connectors (e2e
// TestRotation). The order before (records moved right after step 1, pods rolled after them) gave
// 3.3-3.4 s of error 1033: the new pods' readiness time.
//
// What the default costs: from the new Deployment's creation to the old one's deletion (about the new
// connectors' readiness time plus 2 s) the connectors run twice: twice the replicas' pods, CPU and
// memory requests and namespace quota (in the in-pod layout the app's containers too), and the cluster
// must have room for them; Vault keeps one more version of the secret (destroy deletes them all unless
// KeepVaultVersions); Cloudflare holds two tunnels for a few seconds. The simpler in-place rotation
// (tunnelgate.IngressArgs.InPlaceRotation, or an empty workload Generation) rolls the one Deployment
// onto the new token instead: no second set of pods (one surge pod at a time: 8.1 s for 2 replicas
// instead of 5.9 s), but the old tunnel loses its last connector when the rollout ends, before the
// records move: a window of error 1033 per rotation: from the last old pod stopping to the records
// moving (measured: one 100 ms sample in each of two runs, the records moving 49 and 61 ms after it:
// under 0.2 s; the kubernetes provider notices the finished rollout at once).
//
// If the new connectors never become Ready (a wrong Vault role, no room in the cluster), the update
// fails when the provider's await gives up (10 minutes by default) and the records stay on the old
// tunnel, still served by the old connectors: fix the cause and run `pulumi up` again. An update that is
// killed midway (e2e: SIGKILL once a new pod exists) leaves the old generation in place too: with a file
// backend remove its lock (`pulumi cancel`), then `pulumi up` finishes the rotation in the same order (the
// records move before anything old is deleted). A kill during the very request that creates the tunnel
// leaves a pending create that Pulumi asks you to resolve with `pulumi refresh` (not tested here).
//
// With NewTunnel (no Connectors) the records move as soon as the new configuration exists, and the old
// tunnel is deleted last: connectors started with the old token stay on the old tunnel, so visitors get
// error 1033 until connectors of the new tunnel run; start them (with the new token) before the records
// move, i.e. register them with NewTunnelWithConnectors.
//
// The token: with the Vault source the connectors read it from the Vault secret this component writes
// (step 1, before they start). With a Kubernetes Secret that tunnelgate writes (tunnelgate.Token's
// CreateSecret, workload.SecretToken.Value) it is the same: the Secret is rewritten before the new
// Deployment is created. A Kubernetes Secret of your own cannot hold the new token before the update
// creates the tunnel, so rotate like this: (1) set Rotation and point the token's Secret name at a new
// Secret that does not exist yet (e.g. "web-token-r2"), then run `pulumi up`; (2) the new tunnel is
// created and the new connectors wait for their Secret (a Secret volume that is not optional keeps the
// pods ContainerCreating) while the update waits for them and the old connectors keep serving; (3)
// meanwhile put the new tunnel's token in that Secret (`cloudflared tunnel token <name>-<rotation>`, or
// your secret store's sync); (4) the pods start, the records move, the old Deployment and tunnel go;
// delete the old Secret. (Not tested here: the simulated node mounts no volumes.)
package tunnel
