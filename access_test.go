package tunnelgate_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

const tAccessApp = "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication"

// accessIngress is the in-pod seed with Access on its one route: people at example.com and a "ci" client.
func accessIngress() *tunnelgate.IngressArgs {
	a := seedArgs()
	a.Tunnel.Routes[0].Access = &tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"example.com"}, ServiceTokens: []string{"ci"}}
	return a
}

// TestIngressAccess: the one field on a route reaches the Access resources, cloudflared's JWT check,
// the network policy's egress to <team>.cloudflareaccess.com and the Ingress's outputs; the workload
// waits for the Access resources too.
func TestIngressAccess(t *testing.T) {
	var ing *tunnelgate.Ingress
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		var err error
		ing, err = tunnelgate.NewIngress(ctx, "web", accessIngress())
		if err != nil {
			return err
		}
		var sink pulumi.CustomResourceState
		return ctx.RegisterResource("test:index:Sink", "sink", pulumi.Map{
			"accessAudiences": ing.AccessAudiences, "serviceTokenIds": ing.ServiceTokenIDs, "serviceTokenSecrets": ing.ServiceTokenSecrets,
		}, &sink)
	})
	if err != nil {
		t.Fatal(err)
	}
	app := res.Must(t, tAccessApp, "web-access-app.example.com")
	aud := dryrun.Plain(app.Outputs)["aud"]
	access := path(dryrun.Plain(res.Must(t, tConfig, "web-config").Inputs), "config", "ingressRules", 0, "originRequest", "access")
	if b, _ := json.Marshal(access); string(b) != `{"audTags":["`+aud.(string)+`"],"required":true,"teamName":"acme"}` {
		t.Errorf("route 0 access %s, want the application's audience tag %v", b, aud)
	}
	cnp, _ := json.Marshal(dryrun.Plain(res.Must(t, tCNP, "web-cnp").Inputs))
	if !strings.Contains(string(cnp), `{"toFQDNs":[{"matchName":"acme.cloudflareaccess.com"}],"toPorts":[{"ports":[{"port":"443","protocol":"TCP"}]}]}`) {
		t.Errorf("the policy does not allow acme.cloudflareaccess.com:443: %s", cnp)
	}
	dep := res.Must(t, tDeployment, "web-deployment")
	for _, r := range res.Resources {
		if strings.HasPrefix(r.Type, "cloudflare:index/zeroTrustAccess") && !slices.Contains(dep.Dependencies, r.URN) {
			t.Errorf("the Deployment does not wait for %s", r.Name)
		}
	}
	sink := res.Must(t, "test:index:Sink", "sink")
	out := dryrun.Plain(sink.Inputs)
	tok := dryrun.Plain(res.Must(t, "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken", "web-token-ci").Outputs)
	if b, _ := json.Marshal(out); string(b) != `{"accessAudiences":{"app.example.com":"`+aud.(string)+`"},"serviceTokenIds":{"ci":"`+
		tok["clientId"].(string)+`"},"serviceTokenSecrets":{"ci":"`+tok["clientSecret"].(string)+`"}}` {
		t.Errorf("Ingress outputs %s", b)
	}
	for _, k := range []string{"serviceTokenIds", "serviceTokenSecrets"} {
		if !sink.Inputs[resource.PropertyKey(k)].ContainsSecrets() {
			t.Errorf("Ingress output %s is not a secret", k)
		}
	}
	if leaks := res.SecretLeaks(tok["clientId"].(string), tok["clientSecret"].(string)); len(leaks) > 0 {
		t.Errorf("leaks: %v", leaks)
	}
}

func TestIngressAccessBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*tunnelgate.IngressArgs)
		field  string
		value  any
	}{
		{"no principal", func(a *tunnelgate.IngressArgs) {
			a.Tunnel.Routes[0].Access = &tunnel.AccessPolicy{TeamName: "acme"}
		}, "tunnel.routes[0].access", nil},
		{"team name missing", func(a *tunnelgate.IngressArgs) { a.Tunnel.Routes[0].Access.TeamName = "" }, "tunnel.routes[0].access.teamName", ""},
		{"fallback policy without HTTPS blocks", func(a *tunnelgate.IngressArgs) {
			a.NetworkPolicy = &network.Settings{Kind: network.KindKubernetes}
		}, "networkPolicy.httpsCidrs", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := accessIngress()
			tc.mutate(a)
			res, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := tunnelgate.NewIngress(ctx, "web", a)
				return err
			})
			found := false
			for _, fe := range check.Fields(err) {
				found = found || (fe.Field == tc.field && fe.Value == tc.value)
			}
			if !found {
				t.Errorf("want %s=%v, got %v", tc.field, tc.value, err)
			}
			if len(res.Resources) != 0 {
				t.Errorf("registered %d resources", len(res.Resources))
			}
		})
	}
}
