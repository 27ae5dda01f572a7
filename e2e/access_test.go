package e2e_test

// Cloudflare Access from one field (issue 15), every provider real: an Ingress (in-pod layout) whose
// tunnel protects its routes with Access, through the Automation API (inline program) with the cloudflare
// plugin v5.49.1 against the fake API, vault against the dev server, random, and kubernetes against the
// control plane with a kwok node. It shows the bodies the API received for the service tokens, policies and
// applications, the JWT check in each route's originRequest.access (required, team, the application's
// aud), the network policy's egress to the team's domain, a second up and a refresh without changes, a
// rotation that keeps every Access object (same application ids and audience tags), and a destroy that
// removes everything in an order that never leaves a published hostname without its application.

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	accessNS    = "access"
	accessHost  = "access.example.com"
	accessGroup = "6f1e7d1c-2b3a-4c5d-8e9f-0a1b2c3d4e5f"
	accessIdP   = "0a7c6b5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"
	// accessBase is the name base of the stack's Cloudflare objects: <project>-<stack>-<component>.
	accessBase = "tunnelgate-e2e-access-web"
)

// accessProgram is an Ingress with Access on both routes of one hostname: /admin/ for alice, a group and
// two machine clients (its own policy), everything else for example.com and the "ci" client (the tunnel's).
func accessProgram(rotation string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		ing, err := tunnelgate.NewIngress(ctx, "web", &tunnelgate.IngressArgs{
			Tunnel: tunnel.Args{
				AccountID: pulumi.String(productAccount), ZoneID: pulumi.String(productZone), ZoneName: "example.com",
				Access: &tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"example.com"}, ServiceTokens: []string{"ci"}},
				Routes: []tunnel.Route{
					{Hostname: accessHost, Path: "^/admin/", Service: "http://localhost:4000", Access: &tunnel.AccessPolicy{
						Emails: []string{"alice@example.com"}, Groups: []string{accessGroup}, IdentityProviders: []string{accessIdP},
						SessionDuration: "8h", ServiceTokens: []string{"ci", "deploy"},
					}},
					{Hostname: accessHost, Service: "http://localhost:4000"},
				},
				Vault:    &vaultkv.Location{Path: accessNS + "/web/cloudflared"},
				Rotation: rotation,
			},
			Namespace: pulumi.String(accessNS),
			App:       tunnelgate.ContainerApp("app", productImage, 4000),
			Token:     tunnelgate.Token{Vault: &workload.VaultAgent{Role: "web"}},
		})
		if err != nil {
			return err
		}
		ctx.Export("accessAudiences", ing.AccessAudiences)
		ctx.Export("serviceTokenIds", ing.ServiceTokenIDs)
		ctx.Export("serviceTokenSecrets", ing.ServiceTokenSecrets)
		return nil
	}
}

// accessResources: the stack, the Ingress, the tunnel component with its secret, tunnel, config, one DNS
// record, Vault secret, 2 service tokens, 4 policies and 2 applications, the app component with its
// Deployment, PDB and service account, the policy component with its CiliumNetworkPolicy, the Vault role
// component with its policy and role.
const accessResources = 1 + 1 + (1 + 5 + 2 + 4 + 2) + (1 + 3) + (1 + 1) + (1 + 2)

func TestAccess(t *testing.T) {
	c, env, cf := startInline(t, productAccount, productZone, accessNS)
	ctx := context.Background()
	stack := env.Stack(ctx, t, "tunnelgate-e2e", "access", accessProgram(""))
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			_, _ = stack.Destroy(dctx)
		}
	})
	var log bytes.Buffer
	up := func(what string, opts ...optup.Option) (map[string]int, auto.OutputMap) {
		t.Helper()
		ch, res := upLogged(ctx, t, stack, what, opts...)
		return ch, res.Outputs
	}

	// 1. Create.
	got, outputs := up("create")
	if !reflect.DeepEqual(got, map[string]int{"create": accessResources}) {
		t.Errorf("first up: %v, want create=%d", got, accessResources)
	}
	if u := cf.Unhandled(); len(u) > 0 {
		t.Fatalf("calls the fake does not serve: %+v", u)
	}
	tokens, policies, apps := checkAccessBodies(t, cf)
	tun := checkAccessRules(t, cf, apps)
	checkAccessOutputs(t, outputs, tokens, apps)
	checkAccessEgress(t, c)

	// 2. A second up, a refresh and an up after it change nothing: the provider reads back what it wrote.
	if got, _ := up("unchanged", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": accessResources}) {
		t.Errorf("second up: %v, want same=%d", got, accessResources)
	}
	start := time.Now()
	log.Reset()
	ref, err := stack.Refresh(ctx, optrefresh.ExpectNoChanges(), optrefresh.ProgressStreams(&log))
	if err != nil {
		t.Fatalf("refresh: %v\n%s", err, log.String())
	}
	t.Logf("refresh in %s: %v", time.Since(start).Round(time.Millisecond), changes(ref.Summary.ResourceChanges))
	if got := changes(ref.Summary.ResourceChanges); !reflect.DeepEqual(got, map[string]int{"same": accessResources}) {
		t.Errorf("refresh: %v, want same=%d", got, accessResources)
	}
	if got, _ := up("after refresh", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": accessResources}) {
		t.Errorf("up after refresh: %v, want same=%d", got, accessResources)
	}

	// 3. A rotation: a new tunnel, and not one Access call that writes; the new tunnel's rules require the
	// same audience tags.
	before := len(cf.Requests())
	stack.Workspace().SetProgram(accessProgram("r2"))
	got, outputs = up("rotation")
	if got["create"] != 0 || got["delete"] != 0 || got["replace"] == 0 {
		t.Errorf("rotation: %v, want replacements and updates only", got)
	}
	for _, r := range cf.Requests()[before:] {
		if strings.Contains(r.Path, "/access/") && r.Method != "GET" {
			t.Errorf("rotation touched Access: %s %s %s", r.Method, r.Path, r.RawBody)
		}
	}
	live := liveTunnels(cf)
	if len(live) != 1 || live[0].ID == tun.ID || live[0].Name != accessBase+"-r2" {
		t.Fatalf("after the rotation: live tunnels %+v, want one new %s-r2", live, accessBase)
	}
	for i, a := range cf.AccessApps() {
		if a.ID != apps[i].ID || a.AUD != apps[i].AUD || !a.DeletedAt.IsZero() {
			t.Errorf("application %s: %s/%s -> %s/%s (deleted %v): the rotation must keep it", a.Domain, apps[i].ID, apps[i].AUD, a.ID, a.AUD, a.DeletedAt)
		}
	}
	checkAccessRules(t, cf, apps)
	checkAccessOutputs(t, outputs, tokens, apps)
	if v := cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}

	// 4. No secret in plain text anywhere in the backend: the tunnel secret and token, the clients' ids and
	// secrets.
	for _, x := range cf.Tunnels() {
		for what, s := range map[string]string{"tunnel secret": x.Secret, "tunnel token": x.Token} {
			if hits := env.FindInBackend(t, s); len(hits) > 0 {
				t.Errorf("the %s of %s is in plain text in %v", what, x.Name, hits)
			}
		}
	}
	for _, tok := range tokens {
		for what, s := range map[string]string{"client id": tok.ClientID, "client secret": tok.ClientSecret} {
			if hits := env.FindInBackend(t, s); len(hits) > 0 {
				t.Errorf("the %s of %s is in plain text in %v", what, tok.Name, hits)
			}
		}
	}

	// 5. Destroy: everything goes, the hostname first, then the tunnel's rules, then each application before
	// its policies and each policy before its tokens (the fake logs a violation otherwise).
	start = time.Now()
	log.Reset()
	des, err := stack.Destroy(ctx, optdestroy.ProgressStreams(&log))
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, log.String())
	}
	destroyed = true
	t.Logf("destroy in %s: %v", time.Since(start).Round(time.Millisecond), changes(des.Summary.ResourceChanges))
	if got := changes(des.Summary.ResourceChanges); !reflect.DeepEqual(got, map[string]int{"delete": accessResources}) {
		t.Errorf("destroy: %v, want delete=%d", got, accessResources)
	}
	checkAccessGone(t, cf, policies)
}

// checkAccessBodies: what the fake received to create the service tokens, policies and applications.
func checkAccessBodies(t *testing.T, cf *cfapi.Server) ([]cfapi.ServiceToken, []cfapi.AccessPolicy, []cfapi.AccessApp) {
	t.Helper()
	base := "/accounts/" + productAccount + "/access/"
	bodies := func(what string) []map[string]any {
		var out []map[string]any
		for _, r := range cf.Calls("POST", base+what) {
			m, _ := r.Body.(map[string]any)
			out = append(out, m)
			t.Logf("POST %s%s %s", base, what, r.RawBody)
		}
		return out
	}
	tokens, policies, apps := cf.ServiceTokens(), cf.AccessPolicies(), cf.AccessApps()
	if len(tokens) != 2 || len(policies) != 4 || len(apps) != 2 {
		t.Fatalf("%d tokens, %d policies, %d applications; want 2, 4, 2", len(tokens), len(policies), len(apps))
	}
	// Service tokens: a name per machine client, Cloudflare's default duration.
	matchBodies(t, "service token", bodies("service_tokens"), "name", map[string]map[string]any{
		accessBase + "-ci": {"duration": absent}, accessBase + "-deploy": {"duration": absent},
	})
	tokenID := map[string]string{}
	for _, tok := range tokens {
		tokenID[strings.TrimPrefix(tok.Name, accessBase+"-")] = tok.ID
	}

	// Policies: the fields tunnelgate sets, and the rules exactly as Access reads them; reusable ones (no
	// application_id: the applications link them).
	rule := func(kind, key, value string) any { return map[string]any{kind: map[string]any{key: value}} }
	wantPolicies := map[string]map[string]any{
		accessBase + " " + accessHost + "/admin allow": {"decision": "allow", "session_duration": "8h", "application_id": absent,
			"include": []any{rule("email", "email", "alice@example.com"), rule("group", "id", accessGroup)}},
		accessBase + " " + accessHost + "/admin service": {"decision": "non_identity", "session_duration": "8h", "application_id": absent,
			"include": []any{rule("service_token", "token_id", tokenID["ci"]), rule("service_token", "token_id", tokenID["deploy"])}},
		accessBase + " " + accessHost + " allow": {"decision": "allow", "session_duration": "24h", "application_id": absent,
			"include": []any{rule("email_domain", "domain", "example.com")}},
		accessBase + " " + accessHost + " service": {"decision": "non_identity", "session_duration": "24h", "application_id": absent,
			"include": []any{rule("service_token", "token_id", tokenID["ci"])}},
	}
	matchBodies(t, "policy", bodies("policies"), "name", wantPolicies)
	policyID := map[string]string{}
	for _, p := range policies {
		policyID[strings.TrimPrefix(p.Name, accessBase+" ")] = p.ID
	}

	// Applications: self_hosted, the route's hostname and path, the session, the identity providers (none
	// sent: every one) and the policies in order (people first, then machines).
	wantApps := map[string]map[string]any{
		accessHost + "/admin": {"name": accessBase + " " + accessHost + "/admin", "type": "self_hosted", "session_duration": "8h",
			"allowed_idps": []any{accessIdP}, "http_only_cookie_attribute": true,
			"policies": []any{policyID[accessHost+"/admin allow"], policyID[accessHost+"/admin service"]}},
		accessHost: {"name": accessBase + " " + accessHost, "type": "self_hosted", "session_duration": "24h",
			"http_only_cookie_attribute": true, "allowed_idps": absent,
			"policies": []any{policyID[accessHost+" allow"], policyID[accessHost+" service"]}},
	}
	matchBodies(t, "application", bodies("apps"), "domain", wantApps)
	if v := cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	return tokens, policies, apps
}

// absent in a wanted body says that the field must not be sent.
var absent = struct{ absent bool }{true}

// matchBodies checks that each wanted body, found by its key field, arrived once with the wanted fields,
// and that no other body arrived.
func matchBodies(t *testing.T, what string, bodies []map[string]any, key string, want map[string]map[string]any) {
	t.Helper()
	want = maps.Clone(want)
	for _, b := range bodies {
		k, _ := b[key].(string)
		fields, ok := want[k]
		if !ok {
			t.Errorf("unexpected %s %q: %v", what, k, b)
			continue
		}
		delete(want, k)
		for f, w := range fields {
			v, sent := b[f]
			if f == "include" {
				// Access ORs the include rules; the provider sends them in map order, which varies.
				v, w = sortedJSON(v), sortedJSON(w)
			}
			if w == any(absent) && sent {
				t.Errorf("%s %q: %s = %v sent, want none", what, k, f, v)
			} else if w != any(absent) && !reflect.DeepEqual(v, w) {
				t.Errorf("%s %q: %s = %v, want %v", what, k, f, v, w)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("%s bodies not received: %v", what, want)
	}
}

// sortedJSON returns a list's elements as JSON texts in sorted order (other values as they are).
func sortedJSON(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]string, len(list))
	for i, e := range list {
		b, _ := json.Marshal(e)
		out[i] = string(b)
	}
	slices.Sort(out)
	return out
}

func liveTunnels(cf *cfapi.Server) []cfapi.Tunnel {
	var out []cfapi.Tunnel
	for _, x := range cf.Tunnels() {
		if !x.Deleted() {
			out = append(out, x)
		}
	}
	return out
}

// checkAccessRules: the live tunnel's rules carry cloudflared's JWT check for each route: required, the team
// and the audience tag of the route's application.
func checkAccessRules(t *testing.T, cf *cfapi.Server, apps []cfapi.AccessApp) cfapi.Tunnel {
	t.Helper()
	live := liveTunnels(cf)
	if len(live) != 1 {
		t.Fatalf("%d live tunnels", len(live))
	}
	cfg, ok := cf.Configuration(live[0].ID)
	if !ok {
		t.Fatalf("no configuration for tunnel %s", live[0].ID)
	}
	var doc struct {
		Ingress []struct {
			Hostname, Path, Service string
			OriginRequest           struct {
				Access *struct {
					Required bool     `json:"required"`
					TeamName string   `json:"teamName"`
					AudTag   []string `json:"audTag"`
				} `json:"access"`
			} `json:"originRequest"`
		} `json:"ingress"`
	}
	if err := json.Unmarshal(cfg.Config, &doc); err != nil {
		t.Fatalf("configuration %s: %v", cfg.Config, err)
	}
	aud := map[string]string{}
	for _, a := range apps {
		aud[a.Domain] = a.AUD
	}
	if len(doc.Ingress) != 3 {
		t.Fatalf("%d rules: %s", len(doc.Ingress), cfg.Config)
	}
	for i, domain := range []string{accessHost + "/admin", accessHost} {
		a := doc.Ingress[i].OriginRequest.Access
		if a == nil || !a.Required || a.TeamName != "acme" || !reflect.DeepEqual(a.AudTag, []string{aud[domain]}) || aud[domain] == "" {
			t.Errorf("rule %d (%s%s): access %+v, want required, team acme, audTag [%s]", i, doc.Ingress[i].Hostname, doc.Ingress[i].Path, a, aud[domain])
		}
	}
	if doc.Ingress[2].Hostname != "" || doc.Ingress[2].OriginRequest.Access != nil {
		t.Errorf("catch-all %+v: no Access", doc.Ingress[2])
	}
	return live[0]
}

// checkAccessOutputs: the stack's outputs: audience tags in the clear, the clients' ids and secrets as
// secrets, with the values the API issued.
func checkAccessOutputs(t *testing.T, outputs auto.OutputMap, tokens []cfapi.ServiceToken, apps []cfapi.AccessApp) {
	t.Helper()
	auds, ids, secrets := map[string]any{}, map[string]any{}, map[string]any{}
	for _, a := range apps {
		auds[a.Domain] = a.AUD
	}
	for _, tok := range tokens {
		client := strings.TrimPrefix(tok.Name, accessBase+"-")
		ids[client], secrets[client] = tok.ClientID, tok.ClientSecret
	}
	for k, want := range map[string]map[string]any{"accessAudiences": auds, "serviceTokenIds": ids, "serviceTokenSecrets": secrets} {
		o := outputs[k]
		if !reflect.DeepEqual(o.Value, want) {
			t.Errorf("output %s = %v, want %v", k, o.Value, want)
		}
		if o.Secret != (k != "accessAudiences") {
			t.Errorf("output %s: secret %v", k, o.Secret)
		}
	}
}

// checkAccessEgress: the CiliumNetworkPolicy in the cluster lets cloudflared fetch the team's keys.
func checkAccessEgress(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	list, err := c.Dynamic.Resource(cnpGVR).Namespace(accessNS).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("CiliumNetworkPolicies in %s: %v, %v", accessNS, list, err)
	}
	b, _ := json.Marshal(list.Items[0].Object["spec"])
	if want := `{"toFQDNs":[{"matchName":"acme.cloudflareaccess.com"}],"toPorts":[{"ports":[{"port":"443","protocol":"TCP"}]}]}`; !strings.Contains(string(b), want) {
		t.Errorf("the policy does not allow acme.cloudflareaccess.com:443: %s", b)
	}
}

// checkAccessGone: nothing is left, and the order was sane: every DNS record went before any application,
// the tunnel's rules were reset before any application went, and no policy went while an application used
// it nor a service token while a policy named it (the fake logs those as violations).
func checkAccessGone(t *testing.T, cf *cfapi.Server, policies []cfapi.AccessPolicy) {
	t.Helper()
	for _, a := range cf.AccessApps() {
		if a.DeletedAt.IsZero() {
			t.Errorf("application %s left", a.Domain)
		}
	}
	for _, p := range cf.AccessPolicies() {
		if p.DeletedAt.IsZero() {
			t.Errorf("policy %s left", p.Name)
		}
	}
	for _, tok := range cf.ServiceTokens() {
		if tok.DeletedAt.IsZero() {
			t.Errorf("service token %s left", tok.Name)
		}
	}
	if n := len(liveTunnels(cf)); n != 0 {
		t.Errorf("%d tunnels left", n)
	}
	if recs := cf.Records(""); len(recs) > 0 {
		t.Errorf("DNS records left: %+v", recs)
	}
	if v := cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	first := map[cfapi.EventKind]int{}
	last := map[cfapi.EventKind]int{}
	var order []string
	for i, e := range cf.Events() {
		if _, seen := first[e.Kind]; !seen {
			first[e.Kind] = i
		}
		last[e.Kind] = i
		order = append(order, e.String())
	}
	destroyStart := first[cfapi.RecordDeleted]
	lastReset := -1
	for i, e := range cf.Events() {
		if i > destroyStart && e.Kind == cfapi.ConfigPut && len(e.Ingress) == 1 {
			lastReset = i
		}
	}
	switch {
	case last[cfapi.RecordDeleted] > first[cfapi.AccessAppDeleted]:
		t.Errorf("an application went before the last DNS record:\n%s", strings.Join(order, "\n"))
	case lastReset < 0 || lastReset > first[cfapi.AccessAppDeleted]:
		t.Errorf("an application went before the tunnel's rules were reset (%d):\n%s", lastReset, strings.Join(order, "\n"))
	}
	if len(policies) != 4 {
		t.Errorf("%d policies", len(policies))
	}
	t.Logf("events:\n%s", strings.Join(order, "\n"))
}
