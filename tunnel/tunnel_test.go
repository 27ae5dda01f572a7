package tunnel_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

const (
	account = "0123456789abcdef0123456789abcdef"
	zone    = "fedcba9876543210fedcba9876543210"

	tRandom = "random:index/randomPassword:RandomPassword"
	tTunnel = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"
	tConfig = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"
	tRecord = "cloudflare:index/record:Record"
	tVault  = "vault:kv/secretV2:SecretV2"
	tSink   = "test:index:Sink"
)

// baseArgs is a valid two-host tunnel with Vault.
func baseArgs() *tunnel.Args {
	return &tunnel.Args{
		AccountID: pulumi.String(account),
		ZoneID:    pulumi.String(zone),
		ZoneName:  "example.com",
		Routes: []tunnel.Route{
			{Hostname: "app.example.com", Path: "^/api/", Service: "http://api.default.svc:8080"},
			{Hostname: "app.example.com", Service: "http://web.default.svc:80"},
			{Hostname: "example.com", Service: "https://web.default.svc", Origin: &tunnel.OriginRequest{NoTLSVerify: new(true)}},
		},
		Vault: &vaultkv.Location{Path: "prod/my_app/cloudflared"},
	}
}

// run runs NewTunnel named "edge" and registers a sink resource whose inputs are the component's
// outputs, so that tests see them (and their secretness) as the engine would.
func run(t *testing.T, args *tunnel.Args, opts ...dryrun.Option) *dryrun.Result {
	t.Helper()
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		c, err := tunnel.NewTunnel(ctx, "edge", args)
		if err != nil {
			return err
		}
		return sink(ctx, c)
	}, opts...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func sink(ctx *pulumi.Context, c *tunnel.Tunnel) error {
	var s pulumi.CustomResourceState
	return ctx.RegisterResource(tSink, "sink", pulumi.Map{
		"tunnelId": c.TunnelID, "name": c.Name, "cname": c.CNAME, "hostnames": c.Hostnames, "token": c.Token,
		"vaultMount": c.VaultMount, "vaultPath": c.VaultPath, "vaultTokenKey": c.VaultTokenKey, "vaultIdKey": c.VaultIDKey,
		"virtualNetworkIds": c.VirtualNetworkIDs,
		"accessAudiences":   c.AccessAudiences, "serviceTokenIds": c.ServiceTokenIDs, "serviceTokenSecrets": c.ServiceTokenSecrets,
	}, &s)
}

func plain(r *dryrun.Resource) map[string]any { return dryrun.Plain(r.Inputs) }

func TestResourceGraph(t *testing.T) {
	res := run(t, baseArgs())
	want := `test:index:Sink sink
tunnelgate:tunnel:Tunnel edge
  cloudflare:index/record:Record edge-dns-app.example.com
  cloudflare:index/record:Record edge-dns-example.com
  cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
  cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
  random:index/randomPassword:RandomPassword edge-secret
  vault:kv/secretV2:SecretV2 edge-vault
`
	if got := res.Tree(); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	comp := res.Must(t, tunnel.Type, "edge")
	if comp.Custom || comp.Parent != "" {
		t.Errorf("component: custom=%v parent=%q", comp.Custom, comp.Parent)
	}
	for _, r := range res.Children(comp.URN) {
		if r.DeleteBeforeReplace {
			t.Errorf("%s: DeleteBeforeReplace must be false (create the replacement first)", r.Name)
		}
		if r.Provider != "" {
			t.Errorf("%s: provider %q without an explicit provider", r.Name, r.Provider)
		}
	}
	if n := len(res.Calls); n != 0 {
		t.Errorf("zone given by id: want no invoke, got %d: %+v", n, res.Calls)
	}
}

func TestTunnelAndSecret(t *testing.T) {
	res := run(t, baseArgs())
	sec := res.Must(t, tRandom, "edge-secret")
	if got := plain(sec); !reflect.DeepEqual(got, map[string]any{"length": 44.0, "special": false, "keepers": map[string]any{"rotation": ""}}) {
		t.Errorf("secret inputs: %v", got)
	}
	if sec.ID != "none" {
		t.Errorf("secret id %q: an id is stored in plain text, it must carry nothing", sec.ID)
	}
	b64 := plain(&dryrun.Resource{Inputs: sec.Outputs})["result"].(string)
	if raw, err := base64.StdEncoding.DecodeString(b64); err != nil || len(raw) < 32 || len(raw) != tunnel.SecretBytes {
		t.Errorf("secret %q: %d bytes, %v; want valid base64 of %d >= 32 bytes", b64, len(raw), err, tunnel.SecretBytes)
	}
	tun := res.Must(t, tTunnel, "edge-tunnel")
	want := map[string]any{"accountId": account, "name": "tunnelgate-dev-edge", "secret": b64, "configSrc": "cloudflare"}
	if got := plain(tun); !reflect.DeepEqual(got, want) {
		t.Errorf("tunnel inputs:\n got %v\nwant %v", got, want)
	}
	if !tun.Inputs["secret"].ContainsSecrets() {
		t.Error("tunnel secret input is not a secret")
	}
	if got := tun.PropertyDependencies["secret"]; len(got) != 1 || got[0] != sec.URN {
		t.Errorf("tunnel secret comes from %v, want %s", got, sec.URN)
	}
}

func TestRecords(t *testing.T) {
	res := run(t, baseArgs())
	tun := res.Must(t, tTunnel, "edge-tunnel")
	cname := tun.ID + ".cfargotunnel.com"
	if n := len(res.OfType(tRecord)); n != 2 {
		t.Fatalf("want 2 records (one per distinct hostname), got %d", n)
	}
	for _, host := range []string{"app.example.com", "example.com"} {
		r := *res.Must(t, tRecord, tunnel.RecordName("edge", host))
		want := map[string]any{"zoneId": zone, "name": host, "type": "CNAME", "content": cname, "proxied": true,
			"ttl": 1.0, "comment": "tunnelgate: tunnel edge"}
		if got := plain(&r); !reflect.DeepEqual(got, want) {
			t.Errorf("record %s:\n got %v\nwant %v", host, got, want)
		}
		if _, ok := r.Inputs["value"]; ok {
			t.Errorf("record %s uses the deprecated value", host)
		}
		if got := r.PropertyDependencies["content"]; len(got) != 1 || got[0] != tun.URN {
			t.Errorf("record %s content depends on %v", host, got)
		}
		if cfg := res.Must(t, tConfig, "edge-config"); !slices.Contains(r.Dependencies, cfg.URN) {
			t.Errorf("record %s does not wait for the ingress config: %v", host, r.Dependencies)
		}
	}
}

// rulesOf returns the ingress rules the config resource was registered with.
func rulesOf(t *testing.T, res *dryrun.Result) []any {
	t.Helper()
	cfg := plain(res.Must(t, tConfig, "edge-config"))
	return cfg["config"].(map[string]any)["ingressRules"].([]any)
}

type rule = map[string]any

func TestEmittedRules(t *testing.T) {
	yes := new(true)
	for _, tc := range []struct {
		name   string
		args   func(a *tunnel.Args)
		want   []any
		hosts  []string
		access []string
	}{{
		name: "hostname only",
		args: func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{{Hostname: "app.example.com", Service: "http://web:80"}}
		},
		want: []any{
			rule{"hostname": "app.example.com", "service": "http://web:80"},
			rule{"service": "http_status:404"},
		},
		hosts: []string{"app.example.com"},
	}, {
		name: "hostname and path, order kept",
		args: func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{
				{Hostname: "app.example.com", Path: "^/api/v2/", Service: "http://api-v2:8080"},
				{Hostname: "app.example.com", Path: "^/api/", Service: "http://api:8080"},
				{Hostname: "app.example.com", Service: "http://web:80"},
			}
		},
		want: []any{
			rule{"hostname": "app.example.com", "path": "^/api/v2/", "service": "http://api-v2:8080"},
			rule{"hostname": "app.example.com", "path": "^/api/", "service": "http://api:8080"},
			rule{"hostname": "app.example.com", "service": "http://web:80"},
			rule{"service": "http_status:404"},
		},
		hosts: []string{"app.example.com"},
	}, {
		name: "wildcard after specific, custom catch-all",
		args: func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{
				{Hostname: "admin.example.com", Service: "http://admin:80"},
				{Hostname: "*.example.com", Service: "http://tenant-router:80"},
			}
			a.CatchAll = "http_status:503"
		},
		want: []any{
			rule{"hostname": "admin.example.com", "service": "http://admin:80"},
			rule{"hostname": "*.example.com", "service": "http://tenant-router:80"},
			rule{"service": "http_status:503"},
		},
		hosts: []string{"admin.example.com", "*.example.com"},
	}, {
		name: "apex and explicit catch-all route",
		args: func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{
				{Hostname: "example.com", Service: "hello_world"},
				{Service: "http://default-backend:8080"},
			}
		},
		want: []any{
			rule{"hostname": "example.com", "service": "hello_world"},
			rule{"service": "http://default-backend:8080"},
		},
		hosts: []string{"example.com"},
	}, {
		name: "several origins with defaults and overrides",
		args: func(a *tunnel.Args) {
			a.OriginDefaults = &tunnel.OriginRequest{ConnectTimeout: "10s", NoTLSVerify: new(false)}
			a.Routes = []tunnel.Route{
				{Hostname: "git.example.com", Service: "ssh://gitea-ssh:22"},
				{Hostname: "secure.example.com", Service: "https://secure:8443", Origin: &tunnel.OriginRequest{
					NoTLSVerify: yes, HTTPHostHeader: "secure.internal", OriginServerName: "secure.internal",
					CAPool: "/etc/ca/ca.pem", HTTP2Origin: yes,
					Access: &tunnel.Access{Required: true, TeamName: "acme", AudTags: []string{"aud1", "aud2"}},
				}},
				{Hostname: "db.example.com", Service: "tcp://postgres:5432", Origin: &tunnel.OriginRequest{ConnectTimeout: "2s"}},
				{Hostname: "rdp.example.com", Service: "rdp://win"},
				{Hostname: "sock.example.com", Service: "unix:/run/app.sock"},
			}
		},
		want: []any{
			rule{"hostname": "git.example.com", "service": "ssh://gitea-ssh:22",
				"originRequest": rule{"connectTimeout": "10s", "noTlsVerify": false}},
			rule{"hostname": "secure.example.com", "service": "https://secure:8443", "originRequest": rule{
				"connectTimeout": "10s", "noTlsVerify": true, "httpHostHeader": "secure.internal",
				"originServerName": "secure.internal", "caPool": "/etc/ca/ca.pem", "http2Origin": true,
				"access": rule{"required": true, "teamName": "acme", "audTags": []any{"aud1", "aud2"}}}},
			rule{"hostname": "db.example.com", "service": "tcp://postgres:5432",
				"originRequest": rule{"connectTimeout": "2s", "noTlsVerify": false}},
			rule{"hostname": "rdp.example.com", "service": "rdp://win",
				"originRequest": rule{"connectTimeout": "10s", "noTlsVerify": false}},
			rule{"hostname": "sock.example.com", "service": "unix:/run/app.sock",
				"originRequest": rule{"connectTimeout": "10s", "noTlsVerify": false}},
			rule{"service": "http_status:404", "originRequest": rule{"connectTimeout": "10s", "noTlsVerify": false}},
		},
		hosts:  []string{"git.example.com", "secure.example.com", "db.example.com", "rdp.example.com", "sock.example.com"},
		access: []string{"acme"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.args(a)
			res := run(t, a)
			if got := rulesOf(t, res); !reflect.DeepEqual(got, tc.want) {
				gj, _ := json.MarshalIndent(got, "", " ")
				wj, _ := json.MarshalIndent(tc.want, "", " ")
				t.Errorf("rules:\n%s\nwant:\n%s", gj, wj)
			}
			cfg := plain(res.Must(t, tConfig, "edge-config"))
			tun := res.Must(t, tTunnel, "edge-tunnel")
			if cfg["accountId"] != account || cfg["tunnelId"] != tun.ID {
				t.Errorf("config account %v tunnel %v, want %s %s", cfg["accountId"], cfg["tunnelId"], account, tun.ID)
			}
			var names []string
			for _, r := range res.OfType(tRecord) {
				if r.Name != tunnel.RecordName("edge", plain(&r)["name"].(string)) {
					t.Errorf("record %s for %v", r.Name, plain(&r)["name"])
				}
				names = append(names, plain(&r)["name"].(string))
			}
			sort.Strings(names)
			sorted := append([]string(nil), tc.hosts...)
			sort.Strings(sorted)
			if !reflect.DeepEqual(names, sorted) || !reflect.DeepEqual(a.Hostnames(), tc.hosts) {
				t.Errorf("records %v, Hostnames() %v, want %v", names, a.Hostnames(), tc.hosts)
			}
			if got := plain(res.Must(t, tSink, "sink"))["hostnames"]; !reflect.DeepEqual(got, toAny(tc.hosts)) {
				t.Errorf("hostnames output %v", got)
			}
			if got := a.AccessTeams(); !reflect.DeepEqual(got, tc.access) {
				t.Errorf("AccessTeams() = %v, want %v", got, tc.access)
			}
		})
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestVault(t *testing.T) {
	a := baseArgs()
	a.Vault = &vaultkv.Location{Mount: "kv", Path: "prod/edge", TokenKey: "token", IDKey: "id", Namespace: "team-a"}
	a.KeepVaultVersions = true
	res := run(t, a)
	tun := res.Must(t, tTunnel, "edge-tunnel")
	token := plain(&dryrun.Resource{Inputs: tun.Outputs})["tunnelToken"].(string)
	v := res.Must(t, tVault, "edge-vault")
	in := plain(v)
	if in["mount"] != "kv" || in["name"] != "prod/edge" || in["namespace"] != "team-a" || in["deleteAllVersions"] != false {
		t.Errorf("vault mount/name/namespace/deleteAllVersions: %v", in)
	}
	var data map[string]string
	if err := json.Unmarshal([]byte(in["dataJson"].(string)), &data); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"token": token, "id": tun.ID}; !reflect.DeepEqual(data, want) {
		t.Errorf("vault data %v, want %v", data, want)
	}
	if !v.Inputs["dataJson"].ContainsSecrets() {
		t.Error("vault dataJson is not a secret")
	}
	if got := v.PropertyDependencies["dataJson"]; len(got) != 1 || got[0] != tun.URN {
		t.Errorf("vault data depends on %v, want the tunnel", got)
	}
	if cfg := res.Must(t, tConfig, "edge-config"); !slices.Contains(v.Dependencies, cfg.URN) {
		t.Errorf("vault secret does not wait for the ingress config: %v", v.Dependencies)
	}
	out := plain(res.Must(t, tSink, "sink"))
	for k, want := range map[string]string{"vaultMount": "kv", "vaultPath": "prod/edge", "vaultTokenKey": "token", "vaultIdKey": "id"} {
		if out[k] != want {
			t.Errorf("output %s = %v, want %s", k, out[k], want)
		}
	}
}

func TestVaultDefaults(t *testing.T) {
	res := run(t, baseArgs())
	in := plain(res.Must(t, tVault, "edge-vault"))
	// destroy deletes every version and the metadata: no token stays readable with ?version=N.
	if in["mount"] != "secret" || in["name"] != "prod/my_app/cloudflared" || in["deleteAllVersions"] != true {
		t.Errorf("vault: %v", in)
	}
	var data map[string]string
	_ = json.Unmarshal([]byte(in["dataJson"].(string)), &data)
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, []string{"tunnel_id", "tunnel_token"}) {
		t.Errorf("vault keys %v", keys)
	}
	if loc := baseArgs().Vault; loc.ReadPath() != "secret/data/prod/my_app/cloudflared" {
		t.Errorf("ReadPath() = %s", loc.ReadPath())
	}
}

func TestNoVault(t *testing.T) {
	a := baseArgs()
	a.Vault = nil
	res := run(t, a)
	if n := len(res.OfType(tVault)); n != 0 {
		t.Errorf("%d vault secrets without Vault", n)
	}
	out := plain(res.Must(t, tSink, "sink"))
	if out["vaultPath"] != "" || out["vaultMount"] != "" {
		t.Errorf("vault outputs without Vault: %v", out)
	}
}

func TestSecrets(t *testing.T) {
	res := run(t, baseArgs())
	tun := res.Must(t, tTunnel, "edge-tunnel")
	sec := res.Must(t, tRandom, "edge-secret")
	for _, r := range []struct {
		res  *dryrun.Resource
		keys []string
	}{{sec, []string{"result", "bcryptHash"}}, {tun, []string{"secret", "tunnelToken"}}} {
		for _, k := range r.keys {
			if v := r.res.Outputs[resource.PropertyKey(k)]; !v.IsSecret() {
				t.Errorf("%s output %s is not secret", r.res.Name, k)
			}
		}
	}
	out := res.Must(t, tSink, "sink")
	for k, v := range out.Inputs {
		if secret := v.ContainsSecrets(); secret != (k == "token" || k == "serviceTokenIds" || k == "serviceTokenSecrets") {
			t.Errorf("component output %s: secret=%v", k, secret)
		}
	}
	token := plain(&dryrun.Resource{Inputs: tun.Outputs})["tunnelToken"].(string)
	secret := plain(&dryrun.Resource{Inputs: sec.Outputs})
	if token == "" || secret["result"] == "" {
		t.Fatal("no token or secret simulated")
	}
	if leaks := res.SecretLeaks(token, secret["result"].(string)); len(leaks) > 0 {
		t.Errorf("secret leaks:\n%s", strings.Join(leaks, "\n"))
	}
	if got := plain(out)["token"]; got != token {
		t.Errorf("token output %v, want the tunnel's token", got)
	}
	if got := plain(out)["cname"]; got != tun.ID+".cfargotunnel.com" {
		t.Errorf("cname output %v", got)
	}
	if got := plain(out)["tunnelId"]; got != tun.ID {
		t.Errorf("tunnelId output %v", got)
	}
}

func TestExplicitProviders(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		cf, err := cloudflare.NewProvider(ctx, "cf-account-b", &cloudflare.ProviderArgs{ApiToken: pulumi.StringPtr("t")})
		if err != nil {
			return err
		}
		vp, err := vault.NewProvider(ctx, "vault-team-a", &vault.ProviderArgs{
			Address: pulumi.String("https://vault:8200"), Token: pulumi.String("t"), MaxLeaseTtlSeconds: pulumi.Int(60),
			MaxRetries: pulumi.Int(1), MaxRetriesCcc: pulumi.Int(1),
		})
		if err != nil {
			return err
		}
		a := baseArgs()
		a.ZoneID, a.LookupZone = nil, true
		_, err = tunnel.NewTunnel(ctx, "edge", a, pulumi.Provider(cf), pulumi.Providers(vp))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"edge-tunnel": "cf-account-b", "edge-config": "cf-account-b", "edge-dns-app.example.com": "cf-account-b",
		"edge-dns-example.com": "cf-account-b", "edge-vault": "vault-team-a", "edge-secret": "",
	}
	for _, r := range res.Resources {
		p, ok := want[r.Name]
		if !ok {
			continue
		}
		delete(want, r.Name)
		switch {
		case p == "" && r.Provider != "":
			t.Errorf("%s: provider %q, want the default", r.Name, r.Provider)
		case p != "" && !strings.Contains(r.Provider, "::"+p+"::"):
			t.Errorf("%s: provider %q, want %s", r.Name, r.Provider, p)
		}
	}
	if len(want) > 0 {
		t.Errorf("not registered: %v", want)
	}
}

func TestDependsOnReachesChildren(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		var dep pulumi.CustomResourceState
		if err := ctx.RegisterResource("test:index:Zone", "zone", pulumi.Map{}, &dep); err != nil {
			return err
		}
		_, err := tunnel.NewTunnel(ctx, "edge", baseArgs(), pulumi.DependsOn([]pulumi.Resource{&dep}), pulumi.RetainOnDelete(true))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	zoneURN := res.Must(t, "test:index:Zone", "zone").URN
	comp := res.Must(t, tunnel.Type, "edge")
	kids := res.Children(comp.URN)
	if len(kids) != 6 {
		t.Fatalf("%d children", len(kids))
	}
	for _, r := range kids {
		if !slices.Contains(r.Dependencies, zoneURN) || !r.RetainOnDelete {
			t.Errorf("%s: dependencies %v retainOnDelete %v", r.Name, r.Dependencies, r.RetainOnDelete)
		}
	}
}

func TestZoneLookup(t *testing.T) {
	a := baseArgs()
	a.ZoneID, a.LookupZone = nil, true
	res := run(t, a, dryrun.Zone("example.com", zone))
	if len(res.Calls) != 1 || res.Calls[0].Token != "cloudflare:index/getZone:getZone" {
		t.Fatalf("calls: %+v", res.Calls)
	}
	if got := dryrun.Plain(res.Calls[0].Args); !reflect.DeepEqual(got, map[string]any{"name": "example.com", "accountId": account}) {
		t.Errorf("getZone args %v", got)
	}
	for _, r := range res.OfType(tRecord) {
		if got := plain(&r)["zoneId"]; got != zone {
			t.Errorf("%s: zoneId %v, want the looked-up %s", r.Name, got, zone)
		}
	}
}

func TestOutputsValidatedOnceKnown(t *testing.T) {
	for _, tc := range []struct{ field, account, zone string }{
		{"accountId", "not-an-account", zone},
		{"zoneId", account, "example.com"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			a := baseArgs()
			a.AccountID = pulumi.String(tc.account).ToStringOutput() // an output: unknown to Validate
			a.ZoneID = pulumi.String(tc.zone).ToStringOutput()
			if err := a.Validate(); err != nil {
				t.Fatalf("Validate() must defer outputs: %v", err)
			}
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := tunnel.NewTunnel(ctx, "edge", a)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.field+" ") {
				t.Fatalf("want an error naming %s, got %v", tc.field, err)
			}
			bad := map[string]string{"accountId": tc.account, "zoneId": tc.zone}[tc.field]
			if !strings.Contains(err.Error(), bad) {
				t.Errorf("error does not name the value %q: %v", bad, err)
			}
			users := map[string][]string{"accountId": {tTunnel, tConfig}, "zoneId": {tRecord}}[tc.field]
			for _, typ := range users {
				if n := len(res.OfType(typ)); n != 0 {
					t.Errorf("%s registered %d times with an invalid %s", typ, n, tc.field)
				}
			}
		})
	}
}

func TestUnknownAtPreview(t *testing.T) {
	a := baseArgs()
	a.AccountID = pulumi.UnsafeUnknownOutput(nil).ApplyT(func(any) string { return "" }).(pulumi.StringOutput)
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnel(ctx, "edge", a)
		return err
	}, dryrun.Preview())
	if err != nil {
		t.Fatalf("preview with an unknown account id must succeed: %v", err)
	}
	if v := res.Must(t, tTunnel, "edge-tunnel").Inputs["accountId"]; v.IsString() {
		t.Errorf("accountId at preview: %v, want unknown", v)
	}
	if n := len(res.OfType(tRecord)); n != 2 {
		t.Errorf("%d records at preview", n)
	}
}

// TestOptionsReachDescendants: DependsOn, RetainOnDelete, DeletedWith, Protect, custom timeouts and the
// explicit providers given to the component reach every resource it registers, Access ones included.
func TestOptionsReachDescendants(t *testing.T) {
	for _, tc := range []struct {
		name string
		args *tunnel.Args
		want int
	}{{"base", baseArgs(), 6}, {"access", accessArgs(), 17}, {"private network", privateArgs(), 11}} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				opts, err := optcheck.Options(ctx)
				if err != nil {
					return err
				}
				_, err = tunnel.NewTunnel(ctx, "edge", tc.args, opts...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := optcheck.Check(t, res, tunnel.Type, "edge"); n != tc.want {
				t.Errorf("checked %d resources, want %d", n, tc.want)
			}
		})
	}
}

// TestConnectorsBeforeRecords: NewTunnelWithConnectors calls connectors with the tunnel's outputs and its
// children without the records, and every record waits for what it returns; the Vault secret does not.
func TestConnectorsBeforeRecords(t *testing.T) {
	var seen int
	var tunnelID string
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnelWithConnectors(ctx, "edge", baseArgs(), func(tun *tunnel.Tunnel) ([]pulumi.Resource, error) {
			seen = len(tun.Children)
			tun.TunnelID.ApplyT(func(id string) string { tunnelID = id; return id })
			var conn pulumi.CustomResourceState
			err := ctx.RegisterResource("test:index:Connectors", "conn", pulumi.Map{"tunnelId": tun.TunnelID}, &conn)
			return []pulumi.Resource{&conn}, err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 4 {
		t.Errorf("connectors saw %d children, want the secret, the tunnel, its config and the Vault secret", seen)
	}
	conn := res.Must(t, "test:index:Connectors", "conn")
	tun := res.Must(t, tTunnel, "edge-tunnel")
	if tunnelID != tun.ID || plain(conn)["tunnelId"] != tun.ID {
		t.Errorf("connectors got tunnel id %q (input %v), want %s", tunnelID, plain(conn)["tunnelId"], tun.ID)
	}
	recs := res.OfType(tRecord)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		if !slices.Contains(r.Dependencies, conn.URN) {
			t.Errorf("record %s does not wait for the connectors: %v", r.Name, r.Dependencies)
		}
	}
	if v := res.Must(t, tVault, "edge-vault"); slices.Contains(v.Dependencies, conn.URN) {
		t.Errorf("the Vault secret waits for the connectors, which read it: %v", v.Dependencies)
	}

	// An error of connectors is NewTunnelWithConnectors's, and no record is registered.
	boom := errors.New("boom")
	res, err = dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnelWithConnectors(ctx, "edge", baseArgs(), func(*tunnel.Tunnel) ([]pulumi.Resource, error) { return nil, boom })
		return err
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	if res != nil && len(res.OfType(tRecord)) != 0 {
		t.Error("records registered after connectors failed")
	}
}
