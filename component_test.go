package tunnelgate_test

import (
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
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
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
  tunnelgate:workload:App web
    kubernetes:apps/v1:Deployment web-deployment
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
  tunnelgate:workload:Connector site
    kubernetes:apps/v1:Deployment site-deployment
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
			for _, rec := range res.OfType(tRecord) {
				if !contains(rec.Dependencies, tun.URN) {
					t.Errorf("record %s does not wait for the tunnel", rec.Name)
				}
			}
			dep := res.Must(t, tDeployment, tc.app+"-deployment")
			if !contains(dep.Dependencies, vault.URN) {
				t.Errorf("the deployment does not wait for the Vault secret: %v", dep.Dependencies)
			}
			ann := path(dryrun.Plain(dep.Inputs), "spec", "template", "metadata", "annotations", workload.TunnelIDAnnotation)
			if ann != tun.ID {
				t.Errorf("pod template annotation %s = %v, want the tunnel id %s", workload.TunnelIDAnnotation, ann, tun.ID)
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
			a.Token.Vault.Role = ""
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
		}, "", nil},
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.mutate(seedArgs())
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := tunnelgate.NewIngress(ctx, "web", args)
				return err
			})
			if err == nil {
				t.Fatal("no error")
			}
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources despite the error:\n%s", len(res.Resources), res.Tree())
			}
			if verr := args.Validate(); verr == nil {
				t.Errorf("Validate() accepted what NewIngress rejected")
			}
			if tc.field == "" { // only the presence of a clear error is pinned
				if !strings.Contains(err.Error(), "4000") {
					t.Errorf("error does not name the clashing port: %v", err)
				}
				return
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
