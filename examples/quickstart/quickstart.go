// Package quickstart holds the two deployments tunnelgate was built from, as Pulumi programs configured
// with stack config: InPod (one app with cloudflared as a sidecar, reaching it on localhost) and OwnPod
// (a frontend on "/" and a backend on "/api/v0/" behind one hostname, reached through their Services by
// a cloudflared Deployment of its own), and a third, Shared (one connector for the whole cluster,
// serving two apps in two namespaces, its routes naming the apps' Services). examples/inpod,
// examples/ownpod and examples/shared run them with pulumi.Run; the account-free demo
// (cmd/tunnelgate-demo) runs the very same functions on Pulumi's mock engine.
//
// Stack config (namespace "tunnelgate", e.g. `pulumi config set tunnelgate:accountId ...`):
//
//	key             used by        default                  meaning
//	accountId       both           (required)               Cloudflare account id, 32 hex characters
//	zoneId          both           (zoneId or zoneName)     Cloudflare zone id: no API call in preview
//	zoneName        both                                    zone's domain; with no zoneId it is looked up
//	hostname        both           (required)               public hostname, e.g. app.example.com
//	namespace       both           apps                     Kubernetes namespace of everything
//	createNamespace both           true                     create the namespace (false: it must exist)
//	tokenSource     both           vault                    vault, or secret: the Ingress writes the token into
//	                                                        the Kubernetes Secret "<app>-tunnel-token" (no Vault)
//	vaultRole       both           <project>-<stack>-<app>  Vault Kubernetes auth role of the pods
//	createVaultRole both           true                     create the role and its read-only policy (false: vaultRole must exist)
//	vaultPath       both           <namespace>/<app>/cloudflared  KV v2 path (mount "secret") of the token
//	rotation        both                                    secret generation; change it to rotate
//	inPlaceRotation both           false                    rotate by rolling the pods in place (a 1033 window)
//	replicas        both           2                        pods of the app (InPod) or of cloudflared (OwnPod)
//	appImage        InPod          (required)               the app's image
//	appPort         InPod          4000                     the port the app listens on (localhost)
//	frontend        OwnPod         see below                {"service": URL, "labels": {...}, "port": N}
//	backend         OwnPod         see below                the same for the backend ("/api/v0/")
//	networkPolicy   all            cilium                   cilium, kubernetes or none
//	access          InPod/OwnPod   none                     Cloudflare Access in front of the hostname, a
//	                                                        tunnel.AccessPolicy as JSON, e.g. {"teamName":
//	                                                        "acme", "emailDomains": ["example.com"]}
//	shopNamespace   Shared         shop                     namespace of the shop app (Deployment and Service "shop")
//	blogNamespace   Shared         blog                     namespace of the blog app (Deployment and Service "blog")
//	shopImage       Shared         appImage                 the shop's image (blogImage: the blog's)
//	blogHostname    Shared         blog.<hostname's parent> the blog's own hostname (hostname serves the shop, and the blog under /blog/)
//	originIngress   Shared         true                     a policy in each app's namespace letting the connector in
//
// "both" keys are used by Shared too; there namespace (the connector's) defaults to "cloudflared" and
// the Vault path to "<namespace>/edge/cloudflared".
//
// The programs create the namespace (a Namespace resource named "namespace"), so that a first `pulumi up`
// works on a fresh cluster; `pulumi destroy` then deletes it with everything in it. Set createNamespace to
// false to deploy into a namespace that exists already (or that another stack owns).
//
// With createVaultRole (the default) the Ingress also creates, with the Vault provider, the policy that
// reads exactly the token and the Kubernetes auth role (named vaultRole, default
// "<project>-<stack>-<app>") bound to the pods' own service account, which it creates too: Vault's
// Kubernetes auth method must be enabled at auth/kubernetes, and the Vault token of the program must
// be allowed to write policies and roles. Set createVaultRole to false where Vault is managed elsewhere:
// vaultRole then names a role that exists and may read the token (see the README).
//
// OwnPod's frontend defaults to {"service": "http://frontend.<ns>.svc.cluster.local:80",
// "labels": {"app": "frontend"}, "port": 8080} (port: the pods' port the Service targets), the backend
// to the same with "backend" and 8081.
package quickstart

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

// InPod is the in-pod deployment: the app listening on localhost:<appPort>, cloudflared beside it.
func InPod(ctx *pulumi.Context) error {
	c := load(ctx, "web")
	args := &tunnelgate.IngressArgs{
		Tunnel: c.tunnel(tunnel.Route{Hostname: c.hostname, Service: fmt.Sprintf("http://localhost:%d", c.appPort)}),
		App:    tunnelgate.ContainerApp("app", c.appImage, c.appPort),
	}
	c.token(args, "web")
	args.App.Pods = c.pods()
	c.policy(args, nil)
	return c.deploy(ctx, "web", args)
}

// Origin is one own-pod origin as stack config describes it.
type Origin struct {
	// Service is the URL cloudflared sends requests to.
	Service string `json:"service"`
	// Labels select the origin's pods (for the network policy).
	Labels map[string]string `json:"labels"`
	// Port is the pods' port behind the Service (for the network policy).
	Port int `json:"port"`
}

// OwnPod is the own-pod deployment: frontend on "/", backend on "/api/v0/", one hostname, cloudflared in
// its own Deployment next to them.
func OwnPod(ctx *pulumi.Context) error {
	c := load(ctx, "site")
	front := c.origin("frontend", 8080)
	back := c.origin("backend", 8081)
	args := &tunnelgate.IngressArgs{
		Tunnel: c.tunnel(
			tunnel.Route{Hostname: c.hostname, Path: "^/api/v0/", Service: back.Service},
			tunnel.Route{Hostname: c.hostname, Service: front.Service},
		),
		Connector: c.pods(),
	}
	c.token(args, "site")
	c.policy(args, []network.Peer{
		{Namespace: c.namespace, Labels: front.Labels, Ports: []network.Port{{Port: front.Port}}},
		{Namespace: c.namespace, Labels: back.Labels, Ports: []network.Port{{Port: back.Port}}},
	})
	return c.deploy(ctx, "site", args)
}

type settings struct {
	cfg                                       *config.Config
	accountID, zoneID, zoneName, hostname     string
	namespace, vaultRole, vaultPath, rotation string
	appImage, policyKind, tokenSource         string
	appPort                                   int
	replicas                                  *int
	createNamespace, inPlaceRotation          bool
	createVaultRole                           bool
	access                                    *tunnel.AccessPolicy
}

func load(ctx *pulumi.Context, app string) settings {
	cfg := config.New(ctx, "tunnelgate")
	s := settings{
		cfg: cfg, accountID: cfg.Get("accountId"), zoneID: cfg.Get("zoneId"), zoneName: cfg.Get("zoneName"),
		hostname: cfg.Get("hostname"), namespace: or(cfg.Get("namespace"), "apps"), vaultRole: cfg.Get("vaultRole"),
		rotation: cfg.Get("rotation"), appImage: cfg.Get("appImage"), appPort: cfg.GetInt("appPort"),
		policyKind: or(cfg.Get("networkPolicy"), "cilium"), tokenSource: or(cfg.Get("tokenSource"), "vault"), createNamespace: true,
		createVaultRole: true,
	}
	if v, err := cfg.TryBool("createNamespace"); err == nil {
		s.createNamespace = v
	}
	s.inPlaceRotation = cfg.GetBool("inPlaceRotation")
	if v, err := cfg.TryBool("createVaultRole"); err == nil {
		s.createVaultRole = v
	}
	if v, err := cfg.TryInt("replicas"); err == nil {
		s.replicas = &v
	}
	s.vaultPath = or(cfg.Get("vaultPath"), s.namespace+"/"+app+"/cloudflared")
	var access tunnel.AccessPolicy
	if err := cfg.TryObject("access", &access); err == nil {
		s.access = &access
	}
	if s.appPort == 0 {
		s.appPort = 4000
	}
	return s
}

// deploy checks args before anything is registered (a bad config creates nothing, not even the
// namespace), creates the namespace unless createNamespace is false, and registers the Ingress in it.
// With a created namespace, args.Namespace is the Namespace's output, so every object waits for it.
func (s settings) deploy(ctx *pulumi.Context, name string, args *tunnelgate.IngressArgs) error {
	args.Namespace = pulumi.String(s.namespace)
	args.InPlaceRotation = s.inPlaceRotation
	if err := args.Validate(); err != nil {
		return err
	}
	if s.createNamespace {
		ns, err := corev1.NewNamespace(ctx, "namespace", &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(s.namespace)},
		})
		if err != nil {
			return err
		}
		args.Namespace = ns.Metadata.Name().Elem()
	}
	_, err := tunnelgate.NewIngress(ctx, name, args)
	return err
}

func (s settings) tunnel(routes ...tunnel.Route) tunnel.Args {
	a := tunnel.Args{
		AccountID: pulumi.String(s.accountID), ZoneName: s.zoneName, Routes: routes, Rotation: s.rotation,
		Vault: &vaultkv.Location{Path: s.vaultPath}, Access: s.access,
	}
	if s.zoneID != "" {
		a.ZoneID = pulumi.String(s.zoneID)
	} else {
		a.LookupZone = true
	}
	return a
}

// token sets how the token reaches cloudflared: from Vault (the tunnel writes it at vaultPath, the pods
// log in with vaultRole), or, with tokenSource "secret", from the Kubernetes Secret "<app>-tunnel-token"
// that the Ingress writes.
func (s settings) token(args *tunnelgate.IngressArgs, app string) {
	if s.tokenSource == "secret" {
		args.Tunnel.Vault = nil
		args.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String(app + "-tunnel-token")}, CreateSecret: true}
		return
	}
	args.Token = tunnelgate.Token{Vault: &workload.VaultAgent{Role: s.vaultRole}}
	args.DisableVaultRole = !s.createVaultRole
}

// pods is the Deployment's shape: the defaults, with replicas from the config when set.
func (s settings) pods() *workload.Pods { return &workload.Pods{Replicas: s.replicas} }

func (s settings) origin(name string, port int) Origin {
	o := Origin{
		Service: fmt.Sprintf("http://%s.%s.svc.cluster.local:80", name, s.namespace),
		Labels:  map[string]string{"app": name},
		Port:    port,
	}
	_ = s.cfg.TryObject(name, &o) // absent: the defaults; present: fields given override them
	return o
}

// policy sets the network policy of args from the networkPolicy config ("cilium", "kubernetes" or
// "none").
func (s settings) policy(args *tunnelgate.IngressArgs, origins []network.Peer) {
	switch s.policyKind {
	case "none":
		args.DisableNetworkPolicy = true
	case "kubernetes":
		args.NetworkPolicy = &network.Settings{Kind: network.KindKubernetes, Origins: origins}
	default:
		args.NetworkPolicy = &network.Settings{Kind: network.KindCilium, Origins: origins}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// DemoConfig is a complete stack config for both programs with a made-up account and zone: what the
// account-free demo, the tests and the e2e fixtures run them with.
var DemoConfig = map[string]string{
	"tunnelgate:accountId": "0123456789abcdef0123456789abcdef",
	"tunnelgate:zoneId":    "fedcba9876543210fedcba9876543210",
	"tunnelgate:hostname":  "app.example.com",
	"tunnelgate:namespace": "apps",
	"tunnelgate:appImage":  "ghcr.io/example/app:1.0",
}
