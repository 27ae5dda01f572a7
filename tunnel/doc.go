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
// workload's Vault source); the routes' Kubernetes Services as the tunnel resolved them are
// Tunnel.OriginServices (network.Routes.Services; before registration Args.OriginServices). The caller's DependsOn, RetainOnDelete, DeletedWith and custom timeouts reach
// every child; providers and Protect reach them through the parent.
//
// The secret outputs are the token (Tunnel.Token) and the Access service tokens' client ids and secrets
// (Tunnel.ServiceTokenIDs and ServiceTokenSecrets), each wrapped with pulumi.ToSecret; the tunnel secret
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
//	N-service-<ns>.<name>  kubernetes:core/v1:Service, a read (one per existing Service a route names)  N
//	N-secret          random:index/randomPassword:RandomPassword                                  N
//	N-tunnel          cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared      N
//	N-config          cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig  N
//	N-vault           vault:kv/secretV2:SecretV2 (only with Args.Vault)                           N
//	N-dns-<hostname>  cloudflare:index/record:Record (one per distinct hostname)                 N
//	N-vnet-<name>     cloudflare:index/zeroTrustTunnelVirtualNetwork:ZeroTrustTunnelVirtualNetwork  N (one per PrivateNetwork.VirtualNetworks)
//	N-route-<cidr>    cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute                  N (one per PrivateNetwork.Routes)
//
// With Cloudflare Access (Route.Access or Args.Access, see below), also:
//
//	name                       type token                                                               parent
//	N-token-<client>           cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken  N  (one per distinct machine client)
//	N-access-<domain>-allow    cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy              N  (when the policy names people)
//	N-access-<domain>-service  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy              N  (when it names machine clients)
//	N-access-<domain>          cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication    N  (one per protected route)
//
// <domain> is what the application protects, "<hostname>" or "<hostname>/<path prefix>" (AccessDomain),
// e.g. "edge-access-app.example.com/admin-allow"; see AccessName and ServiceTokenName.
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
// # Private network
//
// Args.PrivateNetwork makes the tunnel a path into the network its connector runs in, for Cloudflare One
// (WARP) clients: each PrivateRoute becomes a route (N-route-<cidr>, see RouteName: the colons of an IPv6
// range become dashes, as "::" separates the parts of a URN) that sends the clients' traffic for the
// range to this tunnel, in the account's default virtual network or in one of PrivateNetwork.VirtualNetworks,
// created with the tunnel (N-vnet-<name>; Tunnel.VirtualNetworkIDs has their ids). The configuration gets
// warp routing enabled ("warp-routing": {"enabled": true}), without which cloudflared does not forward
// private traffic. cloudflared then connects to the addresses itself, on any port and protocol: the network
// policy allows egress to exactly these ranges (Args.PrivateCIDRs, network.Routes.PrivateCIDRs).
//
// Rejected before anything is registered: a range that is not a CIDR, has bits set after the prefix length
// or is not written as Cloudflare stores it (IPv6 in lower case and shortest form: another spelling would
// show as a change on every refresh); two routes sharing addresses, in the same or in different virtual
// networks (the connector reaches one network: one of them is redundant or ambiguous); a comment over
// MaxRouteComment characters; a route naming an undeclared virtual network; two virtual networks with the
// same name (names are unique per account: Cloudflare would refuse the second).
//
// The routes depend on the tunnel's configuration and on their virtual network, so destroy deletes them
// before the virtual networks and the tunnel (Cloudflare refuses to delete a virtual network that routes
// use). A route's tunnel is updated in place: a rotation moves every route to the new tunnel once it is
// configured and, like the DNS records, once its connectors are ready (NewTunnelWithConnectors), and
// keeps the virtual networks.
//
// # Cloudflare Access
//
// One field puts Cloudflare Access in front of a route: Route.Access (an AccessPolicy), or Args.Access
// for every route with a hostname that has none of its own. For each protected route the component
// creates, all with the account id (account-level objects, so that policies are reusable ones):
//
//   - an Access application, type self_hosted, for the route's hostname and path (AccessDomain: a path
//     must be an anchored literal prefix such as "^/admin/", which Access can express; any other regular
//     expression is rejected, with the reason), named "<name> <domain>" in Cloudflare, with the policy's
//     session duration (default "24h"), its identity providers (allowed_idps; none: every identity
//     provider of the account) and the HttpOnly flag on Access's cookie;
//   - its policies, reusable Access policies linked to the application in this order: "allow" with the
//     emails, email domains and Access groups (people log in with an identity provider), then
//     "non_identity" (Service Auth) with the service tokens; each with the application's session
//     duration, sent explicitly (the provider would send "" and Cloudflare answer "24h", a difference on
//     every refresh). A policy that names nobody is an error, never an open application;
//   - one Access service token per distinct machine client name (AccessPolicy.ServiceTokens), shared by
//     every route that names it, named "<name>-<client>" in Cloudflare; its client id and secret are
//     secrets in the state and in the outputs (ServiceTokenIDs, ServiceTokenSecrets). Tokens last one
//     year (Cloudflare's default); renew one by replacing its resource (pulumi up --replace <urn>), which
//     issues a new id and secret;
//   - the route's originRequest.access: required true, the team name and the application's audience
//     tag (its aud output). cloudflared itself then rejects every request to the route that does not
//     carry a valid Access token for that application, even one that reaches the tunnel another way. It
//     fetches the team's keys from "<team>.cloudflareaccess.com" over HTTPS: Args.AccessTeams reports
//     the team, and the network policy allows it.
//
// Order: the tokens come before the policies that name them, the policies before the application that
// links them, the application before the tunnel's configuration that needs its audience tag, and the
// configuration before the DNS records: a hostname is published only once Access protects it. Destroy
// runs the other way: the records go, the configuration is reset, then the applications, their policies
// and the tokens.
//
// What Access covers is never less than what the rule routes: "^/admin$" routes /admin only, while the
// application covers /admin and everything below it. A wildcard hostname "*.example.com" covers one
// level in Access; deeper names, which cloudflared routes to the rule too, carry no token for the
// application and cloudflared rejects them. A route without Access under a protected hostname's path is
// still behind that application at Cloudflare's edge. One account has one Zero Trust team: every policy
// of a tunnel names the same team (a route's policy may leave TeamName empty to use Args.Access's).
//
// Changing a route's hostname or path makes a new application (a new name, so Pulumi creates it and
// deletes the old one): its audience tag is new, and visitors log in again.
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
// Cloudflare Access takes no part in a rotation: its applications, policies and service tokens depend
// on neither the tunnel nor Args.Rotation, so they stay as they are (same ids, same audience tags, no
// update). The new tunnel's configuration requires the same audience tags as the old one's, so
// connectors on either tunnel accept the same Access tokens, and visitors keep their Access sessions
// (those belong to the application, not to the tunnel). Replacing an application instead would change
// its audience tag under running connectors: the tokens visitors hold would no longer pass
// cloudflared's check, and everyone would have to log in again.
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
