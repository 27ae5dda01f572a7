package tunnelgate_test

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/examples/quickstart"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	account = "0123456789abcdef0123456789abcdef"
	zone    = "fedcba9876543210fedcba9876543210"

	tIngress    = "tunnelgate:index:Ingress"
	tTunnel     = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"
	tConfig     = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"
	tRecord     = "cloudflare:index/record:Record"
	tVault      = "vault:kv/secretV2:SecretV2"
	tRandom     = "random:index/randomPassword:RandomPassword"
	tDeployment = "kubernetes:apps/v1:Deployment"
	tPDB        = "kubernetes:policy/v1:PodDisruptionBudget"
	tCNP        = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
)

// seedConfig is the stack config of the seed's deployments.
func seedConfig() dryrun.Option { return dryrun.Config(quickstart.DemoConfig) }

func runSeed(t *testing.T, program pulumi.RunFunc) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(program, seedConfig())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestInPodGraph(t *testing.T) {
	res := runSeed(t, quickstart.InPod)
	want := `kubernetes:core/v1:Namespace namespace
tunnelgate:index:Ingress web
  tunnelgate:network:Policy web
    kubernetes:cilium.io/v2:CiliumNetworkPolicy web-cnp
  tunnelgate:tunnel:Tunnel web
    cloudflare:index/record:Record web-dns-app.example.com
    cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared web-tunnel
    cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig web-config
    random:index/randomPassword:RandomPassword web-secret
    vault:kv/secretV2:SecretV2 web-vault
  tunnelgate:vaultrole:Role web
    vault:index/policy:Policy web-policy
    vault:kubernetes/authBackendRole:AuthBackendRole web-role
  tunnelgate:workload:App web
    kubernetes:apps/v1:Deployment web-deployment
    kubernetes:core/v1:ServiceAccount web-serviceaccount
    kubernetes:policy/v1:PodDisruptionBudget web-pdb
`
	if got := res.Tree(); got != want {
		t.Fatalf("tree:\n%s\nwant:\n%s", got, want)
	}
	rules := path(dryrun.Plain(res.Must(t, tConfig, "web-config").Inputs), "config", "ingressRules")
	wantRules := []any{
		map[string]any{"hostname": "app.example.com", "service": "http://localhost:4000"},
		map[string]any{"service": "http_status:404"},
	}
	if !reflect.DeepEqual(rules, wantRules) {
		t.Errorf("ingress rules %v, want %v", rules, wantRules)
	}
	dep := dryrun.Plain(res.Must(t, tDeployment, "web-deployment").Inputs)
	if ns := path(dep, "metadata", "namespace"); ns != "apps" {
		t.Errorf("deployment namespace %v", ns)
	}
	containers := path(dep, "spec", "template", "spec", "containers").([]any)
	var names []string
	for _, c := range containers {
		names = append(names, path(c, "name").(string))
	}
	if !reflect.DeepEqual(names, []string{"app", "cloudflared"}) {
		t.Errorf("containers %v, want the app and the cloudflared sidecar", names)
	}
	if p := path(containers[0], "ports", 0, "containerPort"); p != 4000.0 {
		t.Errorf("app port %v", p)
	}
	cnp := dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs)
	if ns := path(cnp, "metadata", "namespace"); ns != "apps" {
		t.Errorf("policy namespace %v", ns)
	}
	sel := path(cnp, "spec", "endpointSelector", "matchLabels")
	podLabels := path(dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range sel.(map[string]any) {
		k = strings.TrimPrefix(k, "k8s:") // Cilium's source prefix for Kubernetes labels
		if podLabels[k] != v {
			t.Errorf("policy selects %s=%v, the app's pods have %v", k, v, podLabels[k])
		}
	}
}

func TestOwnPodGraph(t *testing.T) {
	res := runSeed(t, quickstart.OwnPod)
	want := `kubernetes:core/v1:Namespace namespace
tunnelgate:index:Ingress site
  tunnelgate:network:Policy site
    kubernetes:cilium.io/v2:CiliumNetworkPolicy site-cnp
  tunnelgate:tunnel:Tunnel site
    cloudflare:index/record:Record site-dns-app.example.com
    cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared site-tunnel
    cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig site-config
    random:index/randomPassword:RandomPassword site-secret
    vault:kv/secretV2:SecretV2 site-vault
  tunnelgate:vaultrole:Role site
    vault:index/policy:Policy site-policy
    vault:kubernetes/authBackendRole:AuthBackendRole site-role
  tunnelgate:workload:Connector site
    kubernetes:apps/v1:Deployment site-deployment
    kubernetes:core/v1:ServiceAccount site-serviceaccount
    kubernetes:policy/v1:PodDisruptionBudget site-pdb
`
	if got := res.Tree(); got != want {
		t.Fatalf("tree:\n%s\nwant:\n%s", got, want)
	}
	rules := path(dryrun.Plain(res.Must(t, tConfig, "site-config").Inputs), "config", "ingressRules")
	wantRules := []any{
		map[string]any{"hostname": "app.example.com", "path": "^/api/v0/", "service": "http://backend.apps.svc.cluster.local:80"},
		map[string]any{"hostname": "app.example.com", "service": "http://frontend.apps.svc.cluster.local:80"},
		map[string]any{"service": "http_status:404"},
	}
	if !reflect.DeepEqual(rules, wantRules) {
		t.Errorf("ingress rules %v, want %v", rules, wantRules)
	}
	if n := len(res.OfType(tRecord)); n != 1 {
		t.Errorf("%d DNS records for one hostname", n)
	}
	dep := dryrun.Plain(res.Must(t, tDeployment, "site-deployment").Inputs)
	if r := path(dep, "spec", "replicas"); r != 2.0 {
		t.Errorf("connector replicas %v, want 2", r)
	}
	if ns := path(dep, "metadata", "namespace"); ns != "apps" {
		t.Errorf("connector namespace %v", ns)
	}
	cnp := dryrun.Plain(res.Must(t, tCNP, "site-cnp").Inputs)
	if ns := path(cnp, "metadata", "namespace"); ns != "apps" {
		t.Errorf("policy namespace %v", ns)
	}
	// The policy lets the connector reach exactly the two origins' pods on their ports.
	var origins []string
	for _, e := range path(cnp, "spec", "egress").([]any) {
		for _, ep := range asSlice(path(e, "toEndpoints")) {
			if app, ok := path(ep, "matchLabels", "k8s:app").(string); ok {
				origins = append(origins, app+":"+path(e, "toPorts", 0, "ports", 0, "port").(string))
			}
		}
	}
	if want := []string{"frontend:8080", "backend:8081"}; !reflect.DeepEqual(origins, want) {
		t.Errorf("origin egress %v, want %v", origins, want)
	}
	// cloudflared and the Vault agent resolve these names: Cilium's DNS proxy must allow them.
	var names []string
	for _, d := range asSlice(path(cnp, "spec", "egress", 0, "toPorts", 0, "rules", "dns")) {
		names = append(names, path(d, "matchName").(string))
	}
	for _, want := range []string{"backend.apps.svc.cluster.local", "frontend.apps.svc.cluster.local", "vault.vault.svc.cluster.local", "region1.v2.argotunnel.com"} {
		if !contains(names, want) {
			t.Errorf("DNS rules %v lack %s", names, want)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func TestOrdering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		program pulumi.RunFunc
		app     string
	}{{"inpod", quickstart.InPod, "web"}, {"ownpod", quickstart.OwnPod, "site"}} {
		t.Run(tc.name, func(t *testing.T) {
			res := runSeed(t, tc.program)
			tun := res.Must(t, tTunnel, tc.app+"-tunnel")
			vault := res.Must(t, tVault, tc.app+"-vault")
			dep := res.Must(t, tDeployment, tc.app+"-deployment")
			// The connectors start once the tunnel is complete and its token is in Vault ...
			for _, r := range []*dryrun.Resource{res.Must(t, tRandom, tc.app+"-secret"), tun, res.Must(t, tConfig, tc.app+"-config"), vault} {
				if !contains(dep.Dependencies, r.URN) {
					t.Errorf("the deployment does not wait for %s: %v", r.Name, dep.Dependencies)
				}
			}
			// ... and every record waits for them (the provider awaits the Deployment's Ready pods): no
			// hostname ever points at a tunnel without connectors, neither at creation nor in a rotation.
			recs := res.OfType(tRecord)
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			for _, rec := range recs {
				if !contains(rec.Dependencies, tun.URN) || !contains(rec.Dependencies, dep.URN) {
					t.Errorf("record %s does not wait for the tunnel and the Deployment: %v", rec.Name, rec.Dependencies)
				}
				if contains(dep.Dependencies, rec.URN) {
					t.Errorf("the deployment waits for record %s", rec.Name)
				}
			}
			ann := path(dryrun.Plain(dep.Inputs), "spec", "template", "metadata", "annotations", workload.TunnelIDAnnotation)
			if ann != tun.ID {
				t.Errorf("pod template annotation %s = %v, want the tunnel id %s", workload.TunnelIDAnnotation, ann, tun.ID)
			}
		})
	}
}

// TestRotationDeployments: a rotation names the Deployment after the new generation (Pulumi replaces it,
// creating the new one next to the old), at the same state address; the PodDisruptionBudget, the selector
// and the policy keep covering the pods of both generations. With InPlaceRotation the name stays.
func TestRotationDeployments(t *testing.T) {
	for _, tc := range []struct {
		name, app string
		program   pulumi.RunFunc
	}{{"inpod", "web", quickstart.InPod}, {"ownpod", "site", quickstart.OwnPod}} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(cfg map[string]string) (dep, pdb map[string]any, urns map[string]string) {
				t.Helper()
				c := maps.Clone(quickstart.DemoConfig)
				maps.Copy(c, cfg)
				res, err := dryrun.Run(tc.program, dryrun.Config(c))
				if err != nil {
					t.Fatal(err)
				}
				urns = map[string]string{}
				for _, r := range res.Resources {
					urns[r.Type+" "+r.Name] = r.URN
				}
				return dryrun.Plain(res.Must(t, tDeployment, tc.app+"-deployment").Inputs),
					dryrun.Plain(res.Must(t, tPDB, tc.app+"-pdb").Inputs), urns
			}
			dep0, pdb0, urns0 := run(nil)
			dep2, pdb2, urns2 := run(map[string]string{"tunnelgate:rotation": "r2"})
			depIn, _, _ := run(map[string]string{"tunnelgate:rotation": "r2", "tunnelgate:inPlaceRotation": "true"})
			for name, want := range map[string]any{"": tc.app, "r2": tc.app + "-r2", "r2 in place": tc.app} {
				got := map[string]map[string]any{"": dep0, "r2": dep2, "r2 in place": depIn}[name]
				if n := path(got, "metadata", "name"); n != want {
					t.Errorf("rotation %q: Deployment %v, want %s", name, n, want)
				}
			}
			if !reflect.DeepEqual(urns0, urns2) {
				t.Errorf("a rotation changed state addresses:\n%v\n%v", urns0, urns2)
			}
			for _, k := range [][]any{{"spec", "selector"}, {"spec", "template", "metadata", "labels"}} {
				if a, b := path(dep0, k...), path(dep2, k...); !reflect.DeepEqual(a, b) {
					t.Errorf("%v changed in a rotation: %v -> %v", k, a, b)
				}
			}
			if !reflect.DeepEqual(pdb0, pdb2) {
				t.Errorf("the PodDisruptionBudget changed in a rotation: %v -> %v", pdb0, pdb2)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSecrets(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		if err := quickstart.InPod(ctx); err != nil {
			return err
		}
		return nil
	}, seedConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The component's outputs, captured by a second run that keeps the Ingress.
	var ing *tunnelgate.Ingress
	res2, err := dryrun.Run(func(ctx *pulumi.Context) error {
		var err error
		ing, err = tunnelgate.NewIngress(ctx, "web", seedArgs())
		if err != nil {
			return err
		}
		return dryrun.Capture(ctx, "outputs", pulumi.Map{
			"tunnelId": ing.TunnelID, "cname": ing.CNAME, "hostnames": ing.Hostnames, "token": ing.Token,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*dryrun.Result{res, res2} {
		tun := r.Must(t, tTunnel, "web-tunnel")
		sec := r.Must(t, tRandom, "web-secret")
		token := dryrun.Plain(tun.Outputs)["tunnelToken"].(string)
		secret := dryrun.Plain(sec.Outputs)
		if !tun.Outputs["tunnelToken"].IsSecret() || !sec.Outputs["result"].IsSecret() {
			t.Fatal("token or tunnel secret not secret")
		}
		if leaks := r.SecretLeaks(token, secret["result"].(string)); len(leaks) > 0 {
			t.Errorf("secret values in plain properties:\n%s", strings.Join(leaks, "\n"))
		}
	}
	out := res2.Must(t, dryrun.CaptureType, "outputs")
	for k, v := range out.Inputs {
		if secret := v.ContainsSecrets(); secret != (k == "token") {
			t.Errorf("output %s: secret=%v", k, secret)
		}
	}
	tun := res2.Must(t, tTunnel, "web-tunnel")
	if got := dryrun.Plain(out.Inputs)["token"]; got != dryrun.Plain(tun.Outputs)["tunnelToken"] {
		t.Errorf("token output %v is not the tunnel's token", got)
	}
	if got := dryrun.Plain(out.Inputs)["cname"]; got != tun.ID+".cfargotunnel.com" {
		t.Errorf("cname output %v", got)
	}
}

func seedArgs() *tunnelgate.IngressArgs {
	return &tunnelgate.IngressArgs{
		Tunnel: tunnel.Args{
			AccountID: pulumi.String(account), ZoneID: pulumi.String(zone),
			Routes: []tunnel.Route{{Hostname: "app.example.com", Service: "http://localhost:4000"}},
			Vault:  &vaultkv.Location{Path: "apps/web/cloudflared"},
		},
		Namespace: pulumi.String("apps"),
		App: &tunnelgate.App{Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name: pulumi.String("app"), Image: pulumi.String("ghcr.io/example/app:1.0"),
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(4000)}},
		}}},
		Token: tunnelgate.Token{Vault: &workload.VaultAgent{Role: "web"}},
	}
}

func ownPodArgs() *tunnelgate.IngressArgs {
	a := seedArgs()
	a.App = nil
	a.Connector = &workload.Pods{}
	a.Tunnel.Routes = []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.apps.svc.cluster.local:8080"}}
	a.NetworkPolicy = &network.Settings{Origins: []network.Peer{{Namespace: "apps", Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}}}}
	return a
}

// sharedArgs is one connector in "apps" for two Services written out as the API server holds them:
// blog/blog (port 80 to 4000) on a path and shop/shop (80 to the container port "http").
func sharedArgs() *tunnelgate.IngressArgs {
	a := ownPodArgs()
	a.Tunnel.Routes = []tunnel.Route{
		{Hostname: "app.example.com", Path: "^/blog/", KubernetesService: writtenOut("blog", 4000)},
		{Hostname: "app.example.com", KubernetesService: writtenOut("shop", "http")},
	}
	a.NetworkPolicy = &network.Settings{}
	return a
}

// writtenOut is the Service <name>/<name> with selector app=<name> and one port, 80 "http" to target.
func writtenOut(name string, target any) *origin.Service {
	t := pulumi.Input(pulumi.String(fmt.Sprint(target)))
	if n, ok := target.(int); ok {
		t = pulumi.Int(n)
	}
	return &origin.Service{
		Namespace: pulumi.String(name), Name: pulumi.String(name),
		Selector: pulumi.StringMap{"app": pulumi.String(name)},
		Ports:    pulumi.Array{pulumi.Map{"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": t}},
	}
}

func TestBadInputAnywhere(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*tunnelgate.IngressArgs) *tunnelgate.IngressArgs
		field  string
		value  any
	}{
		{"route service", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Routes[0].Service = "ftp://x:21"
			return a
		}, "tunnel.routes[0].service", "ftp://x:21"},
		{"account id", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.AccountID = pulumi.String("nothex")
			return a
		}, "tunnel.accountId", "nothex"},
		{"vault role", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Vault.Role = "web/x"
			return a
		}, "token.vault.role", "web/x"},
		{"vault role required when the role is managed elsewhere", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Vault.Role = ""
			a.DisableVaultRole = true
			return a
		}, "token.vault.role", ""},
		{"token vault without tunnel vault", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Vault = nil
			return a
		}, "tunnel.vault", nil},
		{"both layouts", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Connector = &workload.Pods{}
			return a
		}, "app", nil},
		{"no layout", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = nil
			return a
		}, "connector", nil},
		{"metrics port clashes with the app", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Cloudflared = &workload.Cloudflared{MetricsPort: 4000}
			return a
		}, "app.containers[0].ports[0].containerPort", 4000},
		{"connector replicas", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Replicas = pulumi.IntRef(-1)
			return a
		}, "connector.replicas", -1},
		{"own-pod policy without origins", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.NetworkPolicy.Origins = nil
			return a
		}, "networkPolicy.origins", nil},
		{"policy origin port", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.NetworkPolicy.Origins[0].Ports[0].Port = 70000
			return a
		}, "networkPolicy.origins[0].ports[0].port", 70000},
		{"namespace", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Namespace = pulumi.String("Apps_")
			return a
		}, "namespace", "Apps_"},
		// Issue 13: the bugs, and more of the glue between the packages.
		{"image tag latest", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Cloudflared = &workload.Cloudflared{Image: "cloudflare/cloudflared:latest"}
			return a
		}, "cloudflared.image", "cloudflare/cloudflared:latest"},
		{"vault path with ..", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Vault.Path = "apps/../web/cloudflared"
			return a
		}, "tunnel.vault.path", "apps/../web/cloudflared"},
		{"component name not a DNS label", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			return a // NewIngress(ctx, "Web", ...), see the name column
		}, "app.pods.name", "Web"},
		{"privileged app container", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			c := a.App.Containers.(corev1.ContainerArray)[0].(corev1.ContainerArgs)
			c.SecurityContext = &corev1.SecurityContextArgs{Privileged: pulumi.Bool(true)}
			a.App.Containers = corev1.ContainerArray{c}
			return a
		}, "app.containers[0].securityContext.privileged", true},
		{"app runs as root", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			c := a.App.Containers.(corev1.ContainerArray)[0].(corev1.ContainerArgs)
			c.SecurityContext = &corev1.SecurityContextArgs{RunAsUser: pulumi.Int(0)}
			a.App.Containers = corev1.ContainerArray{c}
			return a
		}, "app.containers[0].securityContext.runAsUser", 0},
		{"app host network", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = &tunnelgate.App{PodSpec: &corev1.PodSpecArgs{Containers: a.App.Containers, HostNetwork: pulumi.Bool(true)}}
			return a
		}, "app.podSpec.hostNetwork", true},
		{"app volume reserved for the injector", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = &tunnelgate.App{PodSpec: &corev1.PodSpecArgs{Containers: a.App.Containers, Volumes: corev1.VolumeArray{
				corev1.VolumeArgs{Name: pulumi.String("vault-secrets"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}},
			}}}
			return a
		}, "app.podSpec.volumes[0].name", "vault-secrets"},
		{"app container named cloudflared", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = tunnelgate.ContainerApp("cloudflared", "ghcr.io/example/app:1.0", 4000)
			return a
		}, "app.containers[0].name", "cloudflared"},
		{"app node selector in both places", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = &tunnelgate.App{
				PodSpec: &corev1.PodSpecArgs{Containers: a.App.Containers, NodeSelector: pulumi.StringMap{"a": pulumi.String("b")}},
				Pods:    &workload.Pods{NodeSelector: map[string]string{"c": "d"}},
			}
			return a
		}, "app.pods.nodeSelector", nil},
		{"createSecret without a secret", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.CreateSecret = true
			return a
		}, "token.createSecret", true},
		{"secret value given to the Ingress", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok"), Value: pulumi.String("t")}, CreateSecret: true}
			return a
		}, "token.secret.value", nil},
		{"app replicas below zero", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App.Pods = &workload.Pods{Replicas: pulumi.IntRef(-1)}
			return a
		}, "app.pods.replicas", -1},
		{"budget for one connector", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector = &workload.Pods{Replicas: pulumi.IntRef(1), MinAvailable: pulumi.IntRef(1)}
			return a
		}, "connector.replicas", 1},
		{"connector label overrides the selector", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Labels = map[string]string{"app.kubernetes.io/name": "other"}
			return a
		}, "connector.labels.app.kubernetes.io/name", "other"},
		{"metrics port out of range", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Cloudflared = &workload.Cloudflared{MetricsPort: 70000}
			return a
		}, "cloudflared.metricsPort", 70000},
		{"protocol", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Cloudflared = &workload.Cloudflared{Protocol: "udp"}
			return a
		}, "cloudflared.protocol", "udp"},
		{"both token sources", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Secret = &workload.SecretToken{Name: pulumi.String("tok")}
			return a
		}, "token", nil},
		{"no token source", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{}
			return a
		}, "token", nil},
		{"vault address", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Vault.Address = "vault:8200"
			return a
		}, "token.vault.address", "vault:8200"},
		{"vault auth path with ..", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Vault.AuthPath = "auth/../sys"
			return a
		}, "token.vault.authPath", "auth/../sys"},
		{"secret name", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("Bad_Name")}}
			return a
		}, "token.secret.name", "Bad_Name"},
		{"vault token key (once, under tunnel.vault)", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Vault.TokenKey = "tunnel-token"
			return a
		}, "tunnel.vault.tokenKey", "tunnel-token"},
		{"vault mount", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Vault.Mount = "secret/"
			return a
		}, "tunnel.vault.mount", "secret/"},
		{"keep versions without vault", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Vault = nil
			a.Tunnel.KeepVaultVersions = true
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
			return a
		}, "tunnel.keepVaultVersions", true},
		{"rotation", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Rotation = "Bad_Rotation"
			return a
		}, "tunnel.rotation", "Bad_Rotation"},
		{"access without team", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Routes[0].Origin = &tunnel.OriginRequest{Access: &tunnel.Access{Required: true, AudTags: []string{"aud"}}}
			return a
		}, "tunnel.routes[0].origin.access.teamName", ""},
		{"fallback with update checks needs https blocks", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.NetworkPolicy = &network.Settings{Kind: network.KindKubernetes, UpdateChecks: true}
			return a
		}, "networkPolicy.httpsCidrs", nil},
		{"fallback with an Access route needs https blocks", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.Routes[0].Origin = &tunnel.OriginRequest{Access: &tunnel.Access{Required: true, TeamName: "acme", AudTags: []string{"aud"}}}
			a.NetworkPolicy = &network.Settings{Kind: network.KindKubernetes}
			return a
		}, "networkPolicy.httpsCidrs", nil},
		{"edge blocks with cilium", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.NetworkPolicy = &network.Settings{EdgeCIDRs: []string{"198.41.192.0/19"}}
			return a
		}, "networkPolicy.edgeCidrs", []string{"198.41.192.0/19"}},
		{"policy region contradicts cloudflared's", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.NetworkPolicy = &network.Settings{Region: network.RegionUS}
			return a
		}, "networkPolicy.region", "us"},
		{"policy vault peer without a vault agent", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
			a.NetworkPolicy = &network.Settings{Vault: &network.Peer{Namespace: "vault"}}
			return a
		}, "networkPolicy.vault", nil},
		{"app ingress in the own-pod layout", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.NetworkPolicy.AppIngress = []network.Peer{{Namespace: "gateway"}}
			return a
		}, "networkPolicy.appIngress", nil},
		{"cluster domain", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.NetworkPolicy = &network.Settings{ClusterDomain: ".cluster.local"}
			return a
		}, "networkPolicy.clusterDomain", ".cluster.local"},
		{"empty origin peer", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.NetworkPolicy.Origins = []network.Peer{{Ports: []network.Port{{Port: 8080}}}}
			return a
		}, "networkPolicy.origins[0]", nil},
		{"policy settings while disabled", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.NetworkPolicy = &network.Settings{UpdateChecks: true}
			a.DisableNetworkPolicy = true
			return a
		}, "networkPolicy", nil},
		{"no namespace", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Namespace = nil
			return a
		}, "namespace", nil},
		// Issue 17: routes to Kubernetes Services, one connector for several namespaces.
		{"both URL and Service", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.Routes[0].Service = "http://shop.shop.svc:80"
			return a
		}, "tunnel.routes[0].kubernetesService", nil},
		{"port not on the Service", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.Routes[1].KubernetesService.Port = 8080
			return a
		}, "tunnel.routes[1].kubernetesService.port", 8080},
		{"headless Service", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.Routes[1].KubernetesService.ClusterIP = pulumi.String("None")
			return a
		}, "tunnel.routes[1].kubernetesService.clusterIp", "None"},
		{"Service without a selector", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.Routes[1].KubernetesService.Selector = pulumi.StringMap{}
			return a
		}, "tunnel.routes[1].kubernetesService.selector", nil},
		{"Service in a namespace the connector may not reach", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.NetworkPolicy.OriginNamespaces = []string{"shop"}
			return a
		}, "tunnel.routes[0].kubernetesService.namespace", "blog"},
		{"existing Service named by an output", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.Routes[0].KubernetesService = &origin.Service{Namespace: pulumi.String("blog"), Name: pulumi.String("blog").ToStringOutput(), Port: 80}
			return a
		}, "tunnel.routes[0].kubernetesService.name", nil},
		{"origin ingress without Services", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.NetworkPolicy.OriginIngress = true
			return a
		}, "networkPolicy.originIngress", true},
		{"cluster domains contradict", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = sharedArgs()
			a.Tunnel.ClusterDomain = "corp.internal"
			a.NetworkPolicy.ClusterDomain = "cluster.local"
			return a
		}, "networkPolicy.clusterDomain", "cluster.local"},
		// Issue 18: autoscaling.
		{"autoscaling a single connector", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Autoscaling = &workload.Autoscaling{MinReplicas: 1}
			return a
		}, "connector.autoscaling.minReplicas", 1},
		{"autoscaling and replicas", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Replicas, a.Connector.Autoscaling = pulumi.IntRef(2), &workload.Autoscaling{}
			return a
		}, "connector.replicas", 2},
		{"autoscaling without a CPU request", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Autoscaling = &workload.Autoscaling{}
			a.Cloudflared = &workload.Cloudflared{Requests: map[string]string{"cpu": ""}}
			return a
		}, "cloudflared.requests.cpu", nil},
		{"autoscaling the app", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App.Pods = &workload.Pods{Autoscaling: &workload.Autoscaling{}}
			return a
		}, "app.pods.autoscaling", nil},
		// Issue 18: metrics.
		{"monitor without a scraper in the policy", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Metrics = &workload.Metrics{Monitor: workload.PodMonitor}
			return a
		}, "networkPolicy.metrics", nil},
		{"scraper on another port than the monitor's", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Metrics = &workload.Metrics{Monitor: workload.ServiceMonitor}
			a.NetworkPolicy.Metrics = &network.Peer{Namespace: "monitoring", Ports: []network.Port{{Port: 9090}}}
			return a
		}, "networkPolicy.metrics.ports", nil},
		{"alerts without a monitor", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Metrics = &workload.Metrics{Alerts: true}
			return a
		}, "metrics.alerts", true},
		{"monitor kind", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Metrics = &workload.Metrics{Monitor: "podmonitor"}
			return a
		}, "metrics.monitor", "podmonitor"},
		// Issue 18: private networks.
		{"private route with host bits", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.PrivateNetwork = &tunnel.PrivateNetwork{Routes: []tunnel.PrivateRoute{{CIDR: "10.1.2.3/16"}}}
			return a
		}, "tunnel.privateNetwork.routes[0].cidr", "10.1.2.3/16"},
		{"private routes overlap", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.PrivateNetwork = &tunnel.PrivateNetwork{Routes: []tunnel.PrivateRoute{{CIDR: "10.1.0.0/16"}, {CIDR: "10.0.0.0/8"}}}
			return a
		}, "tunnel.privateNetwork.routes[1].cidr", "10.0.0.0/8"},
		{"virtual network name clash", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.PrivateNetwork = &tunnel.PrivateNetwork{
				Routes:          []tunnel.PrivateRoute{{CIDR: "10.0.0.0/8", VirtualNetwork: "prod"}},
				VirtualNetworks: []tunnel.VirtualNetwork{{Name: "prod"}, {Name: "prod"}},
			}
			return a
		}, "tunnel.privateNetwork.virtualNetworks[1].name", "prod"},
		{"private route the policy would block", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Tunnel.PrivateNetwork = &tunnel.PrivateNetwork{Routes: []tunnel.PrivateRoute{{CIDR: "10.244.8.0/24"}}}
			a.NetworkPolicy = &network.Settings{ClusterCIDRs: []string{"10.96.0.0/12", "10.244.0.0/16"}}
			return a
		}, "networkPolicy.clusterCidrs[1]", "10.244.0.0/16"},
		// Issue 14: the Vault side.
		{"vault role policy name", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.VaultRole = &vaultrole.Settings{PolicyName: "Web"}
			return a
		}, "vaultRole.policyName", "Web"},
		{"vault role policy name built in", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.VaultRole = &vaultrole.Settings{PolicyName: "default"}
			return a
		}, "vaultRole.policyName", "default"},
		{"vault role named like a built-in policy", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token.Vault.Role = "root"
			return a
		}, "token.vault.role", "root"},
		{"vault role ttl above max", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.VaultRole = &vaultrole.Settings{TTLSeconds: 600, MaxTTLSeconds: 300}
			return a
		}, "vaultRole.maxTtlSeconds", 300},
		{"vault role ttl below zero", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.VaultRole = &vaultrole.Settings{TTLSeconds: -5}
			return a
		}, "vaultRole.ttlSeconds", -5},
		{"vault role bound to the namespace's default account", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App.Pods = &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "default"}}
			return a
		}, "app.pods.serviceAccount.name", "default"},
		{"vault role bound to the default account of the app's pod spec", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = &tunnelgate.App{PodSpec: &corev1.PodSpecArgs{Containers: a.App.Containers, ServiceAccountName: pulumi.String("default")}}
			return a
		}, "app.podSpec.serviceAccountName", "default"},
		{"vault role bound to a bad account name of the app's pod spec", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.App = &tunnelgate.App{PodSpec: &corev1.PodSpecArgs{Containers: a.App.Containers, ServiceAccountName: pulumi.String("Web_SA")}}
			return a
		}, "app.podSpec.serviceAccountName", "Web_SA"},
		{"connector account named default", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.ServiceAccount = &workload.ServiceAccount{Name: "default", Create: true}
			return a
		}, "connector.serviceAccount.name", "default"},
		{"connector named default: its own account would be the default one", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a = ownPodArgs()
			a.Connector.Name = "default"
			return a
		}, "connector.name", "default"},
		{"vault role settings with a secret token", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
			a.VaultRole = &vaultrole.Settings{}
			return a
		}, "vaultRole", nil},
		{"vault role disabled with a secret token", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
			a.DisableVaultRole = true
			return a
		}, "disableVaultRole", true},
		{"vault role settings while disabled", func(a *tunnelgate.IngressArgs) *tunnelgate.IngressArgs {
			a.VaultRole = &vaultrole.Settings{TTLSeconds: 60}
			a.DisableVaultRole = true
			return a
		}, "vaultRole", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.mutate(seedArgs())
			name := "web"
			if tc.field == "app.pods.name" {
				name = "Web"
			}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := tunnelgate.NewIngress(ctx, name, args)
				return err
			})
			if err == nil {
				t.Fatal("no error")
			}
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources despite the error:\n%s", len(res.Resources), res.Tree())
			}
			if verr := args.Validate(); verr == nil && name == "web" {
				t.Errorf("Validate() accepted what NewIngress rejected")
			}
			seen := map[string]bool{}
			for _, fe := range check.Fields(err) {
				if k := fe.Field + ": " + fe.Reason; seen[k] {
					t.Errorf("reported twice: %s", k)
				} else {
					seen[k] = true
				}
			}
			found := false
			for _, fe := range check.Fields(err) {
				if fe.Field == tc.field && (tc.value == nil || reflect.DeepEqual(fe.Value, tc.value)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error for %s = %v in:\n%v", tc.field, tc.value, err)
			}
		})
	}
}

// TestCreateSecret: with Token.CreateSecret the workload writes the tunnel's token into the Secret that
// Token.Secret names (child "<name>-token"), as a Pulumi secret, before the Deployment (which mounts it);
// the records still wait for the Deployment.
func TestCreateSecret(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func() *tunnelgate.IngressArgs
	}{{"inpod", seedArgs}, {"ownpod", ownPodArgs}} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.args()
			a.Tunnel.Vault = nil
			a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("web-tunnel-token"), Key: "token"}, CreateSecret: true}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := tunnelgate.NewIngress(ctx, "web", a)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			tun := res.Must(t, tTunnel, "web-tunnel")
			token := dryrun.Plain(tun.Outputs)["tunnelToken"].(string)
			sec := res.Must(t, "kubernetes:core/v1:Secret", "web-token")
			in := dryrun.Plain(sec.Inputs)
			if path(in, "metadata", "name") != "web-tunnel-token" || path(in, "metadata", "namespace") != "apps" || path(in, "stringData", "token") != token {
				t.Errorf("Secret inputs %v, want web-tunnel-token in apps holding the tunnel's token", in)
			}
			if !sec.Inputs["stringData"].ContainsSecrets() {
				t.Error("the Secret's stringData is not a Pulumi secret")
			}
			workloadType := map[string]string{"inpod": workload.AppType, "ownpod": workload.ConnectorType}[tc.name]
			if parent := res.Must(t, workloadType, "web"); sec.Parent != parent.URN {
				t.Errorf("Secret parent %s, want the workload %s", sec.Parent, parent.URN)
			}
			dep := res.Must(t, tDeployment, "web-deployment")
			if !contains(dep.Dependencies, sec.URN) {
				t.Errorf("the Deployment does not wait for its token's Secret: %v", dep.Dependencies)
			}
			vol := path(dryrun.Plain(dep.Inputs), "spec", "template", "spec", "volumes")
			if !strings.Contains(fmt.Sprint(vol), "secretName:web-tunnel-token") {
				t.Errorf("volumes %v do not mount the Secret", vol)
			}
			for _, rec := range res.OfType(tRecord) {
				if !contains(rec.Dependencies, dep.URN) {
					t.Errorf("record %s does not wait for the Deployment", rec.Name)
				}
			}
			secret := dryrun.Plain(res.Must(t, tRandom, "web-secret").Outputs)["result"].(string)
			if leaks := res.SecretLeaks(token, secret); len(leaks) > 0 {
				t.Errorf("secret values in plain properties:\n%s", strings.Join(leaks, "\n"))
			}
		})
	}
}
