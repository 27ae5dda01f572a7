package tunnel_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

const (
	tAccessApp    = "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication"
	tAccessPolicy = "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy"
	tAccessToken  = "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken"

	group = "6f1e7d1c-2b3a-4c5d-8e9f-0a1b2c3d4e5f"
	idp   = "0a7c6b5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"
)

// accessArgs is baseArgs with Access on every route: the tunnel's default (people at example.com and
// the "ci" client) and, on the API route, its own policy.
func accessArgs() *tunnel.Args {
	a := baseArgs()
	a.Access = &tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"example.com"}, ServiceTokens: []string{"ci"}}
	a.Routes[0].Access = &tunnel.AccessPolicy{
		Emails: []string{"alice@example.com"}, Groups: []string{group}, IdentityProviders: []string{idp},
		SessionDuration: "8h", ServiceTokens: []string{"ci", "deploy"},
	}
	return a
}

func TestAccessResourceGraph(t *testing.T) {
	res := run(t, accessArgs())
	want := `test:index:Sink sink
tunnelgate:tunnel:Tunnel edge
  cloudflare:index/record:Record edge-dns-app.example.com
  cloudflare:index/record:Record edge-dns-example.com
  cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication edge-access-app.example.com
  cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication edge-access-app.example.com/api
  cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication edge-access-example.com
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-app.example.com-allow
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-app.example.com-service
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-app.example.com/api-allow
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-app.example.com/api-service
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-example.com-allow
  cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy edge-access-example.com-service
  cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken edge-token-ci
  cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken edge-token-deploy
  cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared edge-tunnel
  cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig edge-config
  random:index/randomPassword:RandomPassword edge-secret
  vault:kv/secretV2:SecretV2 edge-vault
`
	if got := res.Tree(); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	for _, r := range res.Children(res.Must(t, tunnel.Type, "edge").URN) {
		if r.DeleteBeforeReplace {
			t.Errorf("%s: DeleteBeforeReplace", r.Name)
		}
	}
	if got, want := (&tunnel.Args{Access: accessArgs().Access, Routes: accessArgs().Routes}).ServiceTokens(), []string{"ci", "deploy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceTokens() = %v, want %v", got, want)
	}
}

// idOf returns the mock id of a resource.
func idOf(t *testing.T, res *dryrun.Result, typ, name string) string {
	t.Helper()
	return res.Must(t, typ, name).ID
}

func TestAccessInputs(t *testing.T) {
	res := run(t, accessArgs())
	ci, deploy := idOf(t, res, tAccessToken, "edge-token-ci"), idOf(t, res, tAccessToken, "edge-token-deploy")
	for _, tc := range []struct {
		typ, name string
		want      map[string]any
	}{
		{tAccessToken, "edge-token-ci", map[string]any{"accountId": account, "name": "tunnelgate-dev-edge-ci"}},
		{tAccessToken, "edge-token-deploy", map[string]any{"accountId": account, "name": "tunnelgate-dev-edge-deploy"}},
		{tAccessPolicy, "edge-access-app.example.com/api-allow", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge app.example.com/api allow", "decision": "allow",
			"includes":        []any{map[string]any{"emails": []any{"alice@example.com"}, "groups": []any{group}}},
			"sessionDuration": "8h",
		}},
		{tAccessPolicy, "edge-access-app.example.com/api-service", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge app.example.com/api service", "decision": "non_identity",
			"includes":        []any{map[string]any{"serviceTokens": []any{ci, deploy}}},
			"sessionDuration": "8h",
		}},
		{tAccessApp, "edge-access-app.example.com/api", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge app.example.com/api", "domain": "app.example.com/api",
			"type": "self_hosted", "sessionDuration": "8h", "allowedIdps": []any{idp}, "httpOnlyCookieAttribute": true,
			"policies": []any{
				idOf(t, res, tAccessPolicy, "edge-access-app.example.com/api-allow"),
				idOf(t, res, tAccessPolicy, "edge-access-app.example.com/api-service"),
			},
		}},
		{tAccessPolicy, "edge-access-app.example.com-allow", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge app.example.com allow", "decision": "allow",
			"includes":        []any{map[string]any{"emailDomains": []any{"example.com"}}},
			"sessionDuration": "24h",
		}},
		{tAccessPolicy, "edge-access-example.com-service", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge example.com service", "decision": "non_identity",
			"includes":        []any{map[string]any{"serviceTokens": []any{ci}}},
			"sessionDuration": "24h",
		}},
		{tAccessApp, "edge-access-example.com", map[string]any{
			"accountId": account, "name": "tunnelgate-dev-edge example.com", "domain": "example.com",
			"type": "self_hosted", "sessionDuration": "24h", "httpOnlyCookieAttribute": true,
			"policies": []any{
				idOf(t, res, tAccessPolicy, "edge-access-example.com-allow"),
				idOf(t, res, tAccessPolicy, "edge-access-example.com-service"),
			},
		}},
	} {
		if got := plain(res.Must(t, tc.typ, tc.name)); !reflect.DeepEqual(got, tc.want) {
			gj, _ := json.MarshalIndent(got, "", " ")
			wj, _ := json.MarshalIndent(tc.want, "", " ")
			t.Errorf("%s inputs:\n%s\nwant:\n%s", tc.name, gj, wj)
		}
	}
	// Ordering through data: a service policy needs its tokens, an application its policies, the
	// configuration every application's audience tag; the DNS records wait for the configuration.
	cfg := res.Must(t, tConfig, "edge-config")
	for _, app := range res.OfType(tAccessApp) {
		if !slices.Contains(cfg.PropertyDependencies["config"], app.URN) {
			t.Errorf("config does not depend on %s", app.Name)
		}
		if got := app.PropertyDependencies["policies"]; len(got) != 2 {
			t.Errorf("%s policies depend on %v", app.Name, got)
		}
	}
	svc := res.Must(t, tAccessPolicy, "edge-access-app.example.com/api-service")
	for _, tok := range res.OfType(tAccessToken) {
		if !slices.Contains(svc.PropertyDependencies["includes"], tok.URN) {
			t.Errorf("service policy does not depend on %s", tok.Name)
		}
	}
}

func TestAccessJWTCheck(t *testing.T) {
	res := run(t, accessArgs())
	aud := func(name string) string { return dryrun.Plain(res.Must(t, tAccessApp, name).Outputs)["aud"].(string) }
	check := func(name string) rule {
		return rule{"required": true, "teamName": "acme", "audTags": []any{aud(name)}}
	}
	want := []any{
		rule{"hostname": "app.example.com", "path": "^/api/", "service": "http://api.default.svc:8080",
			"originRequest": rule{"access": check("edge-access-app.example.com/api")}},
		rule{"hostname": "app.example.com", "service": "http://web.default.svc:80",
			"originRequest": rule{"access": check("edge-access-app.example.com")}},
		rule{"hostname": "example.com", "service": "https://web.default.svc",
			"originRequest": rule{"noTlsVerify": true, "access": check("edge-access-example.com")}},
		rule{"service": "http_status:404"},
	}
	if got := rulesOf(t, res); !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("rules:\n%s\nwant:\n%s", gj, wj)
	}
	if a := aud("edge-access-example.com"); len(a) != 64 || a == aud("edge-access-app.example.com") {
		t.Errorf("audience tags: %q", a)
	}
	if got := accessArgs().AccessTeams(); !reflect.DeepEqual(got, []string{"acme"}) {
		t.Errorf("AccessTeams() = %v", got)
	}
	out := plain(res.Must(t, tSink, "sink"))
	if want := map[string]any{
		"app.example.com/api": aud("edge-access-app.example.com/api"), "app.example.com": aud("edge-access-app.example.com"),
		"example.com": aud("edge-access-example.com"),
	}; !reflect.DeepEqual(out["accessAudiences"], want) {
		t.Errorf("accessAudiences output %v, want %v", out["accessAudiences"], want)
	}
}

func TestAccessSecrets(t *testing.T) {
	res := run(t, accessArgs())
	ids, secrets := map[string]any{}, map[string]any{}
	var plaintexts []string
	for _, tok := range res.OfType(tAccessToken) {
		for _, k := range []resource.PropertyKey{"clientId", "clientSecret"} {
			if !tok.Outputs[k].IsSecret() {
				t.Errorf("%s output %s is not a secret", tok.Name, k)
			}
		}
		o := dryrun.Plain(tok.Outputs)
		client := strings.TrimPrefix(tok.Name, "edge-token-")
		ids[client], secrets[client] = o["clientId"], o["clientSecret"]
		plaintexts = append(plaintexts, o["clientId"].(string), o["clientSecret"].(string))
		if !strings.HasSuffix(o["clientId"].(string), ".access") || len(o["clientSecret"].(string)) != 64 {
			t.Errorf("%s: client id %v, secret %d characters", tok.Name, o["clientId"], len(o["clientSecret"].(string)))
		}
	}
	sink := res.Must(t, tSink, "sink")
	for k, want := range map[resource.PropertyKey]map[string]any{"serviceTokenIds": ids, "serviceTokenSecrets": secrets} {
		if !sink.Inputs[k].ContainsSecrets() {
			t.Errorf("component output %s is not a secret", k)
		}
		if got := dryrun.Plain(resource.PropertyMap{"v": sink.Inputs[k]})["v"]; !reflect.DeepEqual(got, want) {
			t.Errorf("component output %s = %v, want %v", k, got, want)
		}
	}
	if sink.Inputs["accessAudiences"].ContainsSecrets() {
		t.Error("accessAudiences is a secret: audience tags are not")
	}
	if leaks := res.SecretLeaks(plaintexts...); len(leaks) > 0 {
		t.Errorf("leaks:\n%s", strings.Join(leaks, "\n"))
	}
}

// TestAccessSurvivesRotation: a rotation changes nothing of the Access resources (same addresses, same
// inputs, hence no update and no replacement: the audience tag stays), and the new tunnel's rules
// require the same audience tags.
func TestAccessSurvivesRotation(t *testing.T) {
	a := accessArgs()
	old := run(t, a)
	a.Rotation = "2026-11"
	next := run(t, a)
	if old.Must(t, tTunnel, "edge-tunnel").ID == next.Must(t, tTunnel, "edge-tunnel").ID {
		t.Fatal("the rotation kept the tunnel")
	}
	n := 0
	for _, typ := range []string{tAccessApp, tAccessPolicy, tAccessToken} {
		for _, r := range old.OfType(typ) {
			n++
			nr := next.Get(typ, r.Name)
			if nr == nil || nr.URN != r.URN {
				t.Errorf("%s: gone or moved after the rotation", r.Name)
				continue
			}
			if before, after := plain(&r), plain(nr); !reflect.DeepEqual(before, after) {
				t.Errorf("%s inputs change with the rotation (an update, or a replacement with a new audience tag):\n%v\n%v", r.Name, before, after)
			}
			if typ == tAccessApp && (r.ID != nr.ID || dryrun.Plain(r.Outputs)["aud"] != dryrun.Plain(nr.Outputs)["aud"]) {
				t.Errorf("%s: id or audience tag changed", r.Name)
			}
		}
	}
	if n != 11 {
		t.Errorf("%d Access resources compared, want 11", n)
	}
	if !reflect.DeepEqual(rulesOf(t, old), rulesOf(t, next)) {
		t.Errorf("the new tunnel's rules differ:\n%v\n%v", rulesOf(t, old), rulesOf(t, next))
	}
}

func TestAccessDomain(t *testing.T) {
	for _, tc := range []struct{ host, path, want string }{
		{"app.example.com", "", "app.example.com"},
		{"app.example.com", "^/", "app.example.com"},
		{"app.example.com", ".*", "app.example.com"},
		{"app.example.com", "^/admin", "app.example.com/admin"},
		{"app.example.com", "^/admin/", "app.example.com/admin"},
		{"app.example.com", "^/admin/.*", "app.example.com/admin"},
		{"app.example.com", "^/admin$", "app.example.com/admin"},
		{"app.example.com", "^/admin/.*$", "app.example.com/admin"},
		{"app.example.com", `\A/api/v0/`, "app.example.com/api/v0"},
		{"*.example.com", `^/a-b_c\.d~e/`, "*.example.com/a-b_c.d~e"},
	} {
		got, err := tunnel.AccessDomain(tc.host, tc.path)
		if err != nil || got != tc.want {
			t.Errorf("AccessDomain(%q, %q) = %q, %v; want %q", tc.host, tc.path, got, err, tc.want)
		}
	}
	for _, path := range []string{
		"/admin",          // unanchored: also matches /x/admin
		"^/admin|^/ops",   // alternation
		"^/(?i)admin",     // case-insensitive
		"^/ad[m]in",       // a class Simplify keeps literal is fine, a real one is not:
		"^/adm[a-z]n",     // character class
		"^/api/v[0-9]+/",  // repetition
		"^/admin/x+",      // repetition at the end
		"^/a b",           // space
		"^/a%20b",         // escape: Access and cloudflared may decode differently
		"^/a//b",          // empty segment
		"^/a/../b",        // dot segment
		`^/a\*`,           // Access reads * as a wildcard
		"(?m)^/admin",     // multi-line anchor
		"^/admin(/.*)?$",  // optional group
		"^/admin.+",       // one or more
		"^/admin$|^/ops$", // alternation of exact paths
	} {
		if path == "^/ad[m]in" {
			continue // "[m]" simplifies to the literal "m": accepted (see below)
		}
		if got, err := tunnel.AccessDomain("app.example.com", path); err == nil {
			t.Errorf("AccessDomain(%q) = %q, want an error", path, got)
		}
	}
	if got, err := tunnel.AccessDomain("app.example.com", "^/ad[m]in"); err != nil || got != "app.example.com/admin" {
		t.Errorf("AccessDomain(^/ad[m]in) = %q, %v", got, err)
	}
}

func TestAccessBadInputs(t *testing.T) {
	own := func(p tunnel.AccessPolicy) func(*tunnel.Args) {
		return func(a *tunnel.Args) {
			a.Access = nil
			a.Routes[0].Access = &p
		}
	}
	for _, tc := range []struct {
		name  string
		mut   func(*tunnel.Args)
		field string
		value any
	}{
		{"empty policy on a route", own(tunnel.AccessPolicy{TeamName: "acme"}), "routes[0].access", nil},
		{"only identity providers and a session", own(tunnel.AccessPolicy{TeamName: "acme", IdentityProviders: []string{idp}, SessionDuration: "1h"}), "routes[0].access", nil},
		{"empty tunnel policy", func(a *tunnel.Args) { a.Access, a.Routes[0].Access = &tunnel.AccessPolicy{TeamName: "acme"}, nil }, "access", nil},
		{"team name missing on the route", own(tunnel.AccessPolicy{Emails: []string{"a@example.com"}}), "routes[0].access.teamName", ""},
		{"team name missing on the tunnel", func(a *tunnel.Args) { a.Access.TeamName = "" }, "access.teamName", ""},
		{"team name not a label", own(tunnel.AccessPolicy{TeamName: "acme.cloudflareaccess.com", Emails: []string{"a@example.com"}}), "routes[0].access.teamName", "acme.cloudflareaccess.com"},
		{"two teams", func(a *tunnel.Args) { a.Routes[0].Access.TeamName = "other" }, "routes[0].access.teamName", "other"},
		{"identity provider by name", own(tunnel.AccessPolicy{TeamName: "acme", Emails: []string{"a@example.com"}, IdentityProviders: []string{"google"}}), "routes[0].access.identityProviders[0]", "google"},
		{"identity provider by type and id", func(a *tunnel.Args) { a.Access.IdentityProviders = []string{"okta:" + idp} }, "access.identityProviders[0]", "okta:" + idp},
		{"group by name", own(tunnel.AccessPolicy{TeamName: "acme", Groups: []string{"admins"}}), "routes[0].access.groups[0]", "admins"},
		{"email without @", own(tunnel.AccessPolicy{TeamName: "acme", Emails: []string{"alice"}}), "routes[0].access.emails[0]", "alice"},
		{"email with two @", own(tunnel.AccessPolicy{TeamName: "acme", Emails: []string{"a@b@example.com"}}), "routes[0].access.emails[0]", "a@b@example.com"},
		{"email domain with @", own(tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"@example.com"}}), "routes[0].access.emailDomains[0]", "@example.com"},
		{"email domain single label", own(tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"example"}}), "routes[0].access.emailDomains[0]", "example"},
		{"service token name with a space", own(tunnel.AccessPolicy{TeamName: "acme", ServiceTokens: []string{"my ci"}}), "routes[0].access.serviceTokens[0]", "my ci"},
		{"service token twice", own(tunnel.AccessPolicy{TeamName: "acme", ServiceTokens: []string{"ci", "ci"}}), "routes[0].access.serviceTokens[1]", "ci"},
		{"session in days", own(tunnel.AccessPolicy{TeamName: "acme", Emails: []string{"a@example.com"}, SessionDuration: "2d"}), "routes[0].access.sessionDuration", "2d"},
		{"session in seconds", own(tunnel.AccessPolicy{TeamName: "acme", Emails: []string{"a@example.com"}, SessionDuration: "90s"}), "routes[0].access.sessionDuration", "90s"},
		{"session over a month", func(a *tunnel.Args) { a.Access.SessionDuration = "731h" }, "access.sessionDuration", "731h"},
		{"path Access cannot express", func(a *tunnel.Args) { a.Routes[0].Path = "/api/" }, "routes[0].path", "/api/"},
		{"path Access cannot express, from the tunnel's access", func(a *tunnel.Args) {
			a.Routes[0].Access = nil
			a.Routes[0].Path = "^/api/v[0-9]+/"
		}, "routes[0].path", "^/api/v[0-9]+/"},
		{"two routes, one Access domain", func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{
				{Hostname: "app.example.com", Path: "^/api/", Service: "http://api:80"},
				{Hostname: "app.example.com", Path: "^/api$", Service: "http://api:80"},
				{Hostname: "app.example.com", Service: "http://web:80"},
			}
		}, "routes[1].path", "^/api$"},
		{"access on the catch-all", func(a *tunnel.Args) {
			a.Routes = append(a.Routes, tunnel.Route{Service: "http_status:404", Access: &tunnel.AccessPolicy{TeamName: "acme", ServiceTokens: []string{"ci"}}})
		}, "routes[3].access", nil},
		{"derived check and a hand-made one", func(a *tunnel.Args) {
			a.Routes[0].Origin = &tunnel.OriginRequest{Access: &tunnel.Access{Required: true, TeamName: "acme", AudTags: []string{"aud"}}}
		}, "routes[0].origin.access", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := accessArgs()
			tc.mut(a)
			assertRejected(t, a, tc.field, tc.value)
		})
	}
}

// TestAccessValid: forms that are accepted, and what they create.
func TestAccessValid(t *testing.T) {
	a := baseArgs()
	a.Routes = []tunnel.Route{
		{Hostname: "app.example.com", Path: "^/ops/", Service: "http://ops:80", Access: &tunnel.AccessPolicy{TeamName: "Acme", ServiceTokens: []string{"monitor"}}},
		{Hostname: "app.example.com", Service: "http://web:80"},
		{Hostname: "*.example.com", Service: "http://tenants:80", Access: &tunnel.AccessPolicy{TeamName: "acme", Groups: []string{strings.ToUpper(group)}, SessionDuration: "2h45m"}},
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	res := run(t, a)
	var names []string
	for _, r := range res.Resources {
		if strings.HasPrefix(r.Type, "cloudflare:index/zeroTrustAccess") {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names) // registration order follows the outputs each waits for
	want := []string{"edge-access-*.example.com", "edge-access-*.example.com-allow", "edge-access-app.example.com/ops",
		"edge-access-app.example.com/ops-service", "edge-token-monitor"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Access resources %v, want %v (a machine-only route has no allow policy, a public route no application)", names, want)
	}
	rules := rulesOf(t, res)
	if _, ok := rules[1].(map[string]any)["originRequest"]; ok {
		t.Errorf("the public route got origin options: %v", rules[1])
	}
	if got := a.AccessTeams(); !reflect.DeepEqual(got, []string{"acme"}) {
		t.Errorf("AccessTeams() = %v (lower case, once)", got)
	}
}

func TestAccessAllErrorsAtOnce(t *testing.T) {
	a := accessArgs()
	a.Access.TeamName = ""
	a.Routes[0].Access.Emails = []string{"x"}
	a.Routes[2].Path = "/x"
	got := map[string]bool{}
	for _, fe := range check.Fields(a.Validate()) {
		got[fe.Field] = true
	}
	want := map[string]bool{"access.teamName": true, "routes[0].access.teamName": true, "routes[0].access.emails[0]": true, "routes[2].path": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}
