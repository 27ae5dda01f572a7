package tunnel_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	kube "github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

func routes(rs ...tunnel.Route) func(*tunnel.Args) {
	return func(a *tunnel.Args) { a.Routes = rs }
}

func host(h string) func(*tunnel.Args) {
	return routes(tunnel.Route{Hostname: h, Service: "http://web:80"})
}

func service(s string) func(*tunnel.Args) {
	return routes(tunnel.Route{Hostname: "app.example.com", Service: s})
}

func origin(o tunnel.OriginRequest) func(*tunnel.Args) {
	return routes(tunnel.Route{Hostname: "app.example.com", Service: "https://web", Origin: &o})
}

// existing is an existing Service of namespace "shop" on port.
func existing(name string, port int) *kube.Service {
	return &kube.Service{Namespace: pulumi.String("shop"), Name: pulumi.String(name), Port: port}
}

func private(routes []tunnel.PrivateRoute, vnets ...tunnel.VirtualNetwork) func(*tunnel.Args) {
	return func(a *tunnel.Args) {
		a.PrivateNetwork = &tunnel.PrivateNetwork{Routes: routes, VirtualNetworks: vnets}
	}
}

func cidrs(cs ...string) []tunnel.PrivateRoute {
	out := make([]tunnel.PrivateRoute, len(cs))
	for i, c := range cs {
		out[i] = tunnel.PrivateRoute{CIDR: c}
	}
	return out
}

func TestBadInputs(t *testing.T) {
	web := "http://web:80"
	for _, tc := range []struct {
		name  string
		mut   func(*tunnel.Args)
		field string
		value any
	}{
		{"no routes", routes(), "routes", nil},
		{"catch-all only", routes(tunnel.Route{Service: "http_status:404"}), "routes", nil},
		{"account id missing", func(a *tunnel.Args) { a.AccountID = nil }, "accountId", nil},
		{"account id not hex", func(a *tunnel.Args) { a.AccountID = pulumi.String("my-account") }, "accountId", "my-account"},
		{"account id 31 hex", func(a *tunnel.Args) { a.AccountID = pulumi.String(account[1:]) }, "accountId", account[1:]},
		{"hostname upper case", host("App.example.com"), "routes[0].hostname", "App.example.com"},
		{"hostname single label", host("localhost"), "routes[0].hostname", "localhost"},
		{"hostname with port", host("app.example.com:443"), "routes[0].hostname", "app.example.com:443"},
		{"hostname trailing dot", host("app.example.com."), "routes[0].hostname", "app.example.com."},
		{"hostname label too long", host(strings.Repeat("a", 64) + ".example.com"), "routes[0].hostname", strings.Repeat("a", 64) + ".example.com"},
		{"hostname leading hyphen", host("-app.example.com"), "routes[0].hostname", "-app.example.com"},
		{"two wildcard labels", host("*.*.example.com"), "routes[0].hostname", "*.*.example.com"},
		{"wildcard not leading", host("a.*.example.com"), "routes[0].hostname", "a.*.example.com"},
		{"partial wildcard label", host("app-*.example.com"), "routes[0].hostname", "app-*.example.com"},
		{"hostname outside the zone", host("app.example.org"), "routes[0].hostname", "app.example.org"},
		{"hostname only suffix-equal to the zone", host("badexample.com"), "routes[0].hostname", "badexample.com"},
		{"path without hostname", routes(tunnel.Route{Path: "^/api", Service: web}), "routes[0].hostname", ""},
		{"duplicate hostname and path", routes(
			tunnel.Route{Hostname: "app.example.com", Path: "^/api", Service: web},
			tunnel.Route{Hostname: "app.example.com", Path: "^/api", Service: "http://other:80"},
		), "routes[1].hostname", "app.example.com"},
		{"duplicate hostname without path", routes(
			tunnel.Route{Hostname: "a.example.com", Service: web},
			tunnel.Route{Hostname: "b.example.com", Service: web},
			tunnel.Route{Hostname: "a.example.com", Service: web},
		), "routes[2].hostname", "a.example.com"},
		{"path rule after the same hostname without path", routes(
			tunnel.Route{Hostname: "app.example.com", Service: web},
			tunnel.Route{Hostname: "app.example.com", Path: "^/api/", Service: "http://api:80"},
		), "routes[1].hostname", "app.example.com"},
		{"path rule after a path matching every path", routes(
			tunnel.Route{Hostname: "app.example.com", Path: "^/.*", Service: web},
			tunnel.Route{Hostname: "app.example.com", Path: "^/api/", Service: "http://api:80"},
		), "routes[1].hostname", "app.example.com"},
		{"host after a wildcard spanning dots", routes(
			tunnel.Route{Hostname: "*.example.com", Service: web},
			tunnel.Route{Hostname: "a.b.example.com", Service: "http://b:80"},
		), "routes[1].hostname", "a.b.example.com"},
		{"wildcard after a wider wildcard", routes(
			tunnel.Route{Hostname: "*.example.com", Service: web},
			tunnel.Route{Hostname: "*.eu.example.com", Service: "http://eu:80"},
		), "routes[1].hostname", "*.eu.example.com"},
		{"same path after a wildcard with that path", routes(
			tunnel.Route{Hostname: "*.example.com", Path: "^/admin", Service: web},
			tunnel.Route{Hostname: "x.example.com", Path: "^/admin", Service: "http://x:80"},
		), "routes[1].hostname", "x.example.com"},
		{"path not a regular expression", routes(tunnel.Route{Hostname: "app.example.com", Path: "^/api/(v1", Service: web}), "routes[0].path", "^/api/(v1"},
		{"catch-all not last", routes(
			tunnel.Route{Service: "http_status:404"},
			tunnel.Route{Hostname: "app.example.com", Service: web},
		), "routes[0].hostname", ""},
		{"catch-all route and catchAll", func(a *tunnel.Args) {
			a.Routes = []tunnel.Route{{Hostname: "app.example.com", Service: web}, {Service: "http_status:503"}}
			a.CatchAll = "http_status:404"
		}, "catchAll", "http_status:404"},
		{"catchAll status out of range", func(a *tunnel.Args) { a.CatchAll = "http_status:99" }, "catchAll", "http_status:99"},
		{"service empty", service(""), "routes[0].service", ""},
		{"unsupported scheme", service("ftp://files:21"), "routes[0].service", "ftp://files:21"},
		{"bastion unsupported", service("bastion"), "routes[0].service", "bastion"},
		{"no scheme", service("web:80"), "routes[0].service", "web:80"},
		{"port too large", service("http://web:70000"), "routes[0].service", "http://web:70000"},
		{"port zero", service("http://web:0"), "routes[0].service", "http://web:0"},
		{"port not a number", service("http://web:http"), "routes[0].service", "http://web:http"},
		{"tcp without port", service("tcp://db"), "routes[0].service", "tcp://db"},
		{"service with path", service("http://web:80/app"), "routes[0].service", "http://web:80/app"},
		{"service with slash", service("http://web:80/"), "routes[0].service", "http://web:80/"},
		{"service with credentials", service("http://u:p@web:80"), "routes[0].service", "http://u:p@web:80"},
		{"service host invalid", service("http://web_1:80"), "routes[0].service", "http://web_1:80"},
		{"http_status above 599", service("http_status:600"), "routes[0].service", "http_status:600"},
		{"http_status not a number", service("http_status:ok"), "routes[0].service", "http_status:ok"},
		{"unix relative socket", service("unix:app.sock"), "routes[0].service", "unix:app.sock"},
		{"connect timeout not a duration", origin(tunnel.OriginRequest{ConnectTimeout: "soon"}), "routes[0].origin.connectTimeout", "soon"},
		{"ca pool relative", origin(tunnel.OriginRequest{CAPool: "ca.pem"}), "routes[0].origin.caPool", "ca.pem"},
		{"origin server name invalid", origin(tunnel.OriginRequest{OriginServerName: "bad name"}), "routes[0].origin.originServerName", "bad name"},
		{"access without team", origin(tunnel.OriginRequest{Access: &tunnel.Access{Required: true, AudTags: []string{"a"}}}), "routes[0].origin.access.teamName", ""},
		{"access without audience", origin(tunnel.OriginRequest{Access: &tunnel.Access{Required: true, TeamName: "acme"}}), "routes[0].origin.access.audTags", nil},
		{"default connect timeout negative", func(a *tunnel.Args) { a.OriginDefaults = &tunnel.OriginRequest{ConnectTimeout: "-1s"} }, "originDefaults.connectTimeout", "-1s"},
		{"vault path empty", func(a *tunnel.Args) { a.Vault.Path = "" }, "vault.path", ""},
		{"vault path with data/", func(a *tunnel.Args) { a.Vault.Path = "data/prod/edge" }, "vault.path", "data/prod/edge"},
		{"vault path leading slash", func(a *tunnel.Args) { a.Vault.Path = "/prod/edge" }, "vault.path", "/prod/edge"},
		{"vault path with ..", func(a *tunnel.Args) { a.Vault.Path = "prod/../edge" }, "vault.path", "prod/../edge"},
		{"keep versions without vault", func(a *tunnel.Args) { a.Vault, a.KeepVaultVersions = nil, true }, "keepVaultVersions", true},
		{"vault mount trailing slash", func(a *tunnel.Args) { a.Vault.Mount = "secret/" }, "vault.mount", "secret/"},
		{"vault token key with hyphen", func(a *tunnel.Args) { a.Vault.TokenKey = "tunnel-token" }, "vault.tokenKey", "tunnel-token"},
		{"vault keys equal", func(a *tunnel.Args) { a.Vault.IDKey = "tunnel_token" }, "vault.idKey", "tunnel_token"},
		{"no zone", func(a *tunnel.Args) { a.ZoneID = nil }, "zoneId", nil},
		{"zone id not hex", func(a *tunnel.Args) { a.ZoneID = pulumi.String("example.com") }, "zoneId", "example.com"},
		{"zone id and lookup", func(a *tunnel.Args) { a.LookupZone = true }, "lookupZone", true},
		{"lookup without zone name", func(a *tunnel.Args) { a.ZoneID, a.ZoneName, a.LookupZone = nil, "", true }, "zoneName", ""},
		{"zone name invalid", func(a *tunnel.Args) { a.ZoneName = "Example.com" }, "zoneName", "Example.com"},
		{"rotation with space", func(a *tunnel.Args) { a.Rotation = "r 2" }, "rotation", "r 2"},
		{"rotation too long", func(a *tunnel.Args) { a.Rotation = strings.Repeat("r", 33) }, "rotation", strings.Repeat("r", 33)},
		{"name with space", func(a *tunnel.Args) { a.Name = "my tunnel" }, "name", "my tunnel"},
		// Routes to a Kubernetes Service (package origin).
		{"both URL and Service", routes(tunnel.Route{Hostname: "app.example.com", Service: web, KubernetesService: existing("web", 80)}), "routes[0].kubernetesService", nil},
		{"neither URL nor Service", routes(tunnel.Route{Hostname: "app.example.com"}), "routes[0].service", ""},
		{"port not on the written-out Service", routes(tunnel.Route{Hostname: "app.example.com", KubernetesService: &kube.Service{
			Namespace: pulumi.String("shop"), Name: pulumi.String("web"), Port: 443,
			Selector: pulumi.StringMap{"app": pulumi.String("web")},
			Ports:    pulumi.Array{pulumi.Map{"port": pulumi.Int(80)}},
		}}), "routes[0].kubernetesService.port", 443},
		{"headless Service", routes(tunnel.Route{Hostname: "app.example.com", KubernetesService: &kube.Service{
			Namespace: pulumi.String("shop"), Name: pulumi.String("web"), ClusterIP: pulumi.String("None"),
			Selector: pulumi.StringMap{"app": pulumi.String("web")},
			Ports:    pulumi.Array{pulumi.Map{"port": pulumi.Int(80)}},
		}}), "routes[0].kubernetesService.clusterIp", "None"},
		{"Service name", routes(tunnel.Route{Hostname: "app.example.com", KubernetesService: existing("Web", 80)}), "routes[0].kubernetesService.name", "Web"},
		{"Service port name", routes(tunnel.Route{Hostname: "app.example.com", KubernetesService: &kube.Service{
			Namespace: pulumi.String("shop"), Name: pulumi.String("web"), PortName: "http_port",
		}}), "routes[0].kubernetesService.portName", "http_port"},
		{"existing Service named by an output", routes(tunnel.Route{Hostname: "app.example.com", KubernetesService: &kube.Service{
			Namespace: pulumi.String("shop").ToStringOutput(), Name: pulumi.String("web"),
		}}), "routes[0].kubernetesService.namespace", nil},
		{"cluster domain", func(a *tunnel.Args) { a.ClusterDomain = "Cluster.Local" }, "clusterDomain", "Cluster.Local"},
		{"private network without routes", private(nil), "privateNetwork.routes", nil},
		{"private route not a CIDR", private(cidrs("10.0.0.0")), "privateNetwork.routes[0].cidr", "10.0.0.0"},
		{"private route prefix too long", private(cidrs("10.0.0.0/33")), "privateNetwork.routes[0].cidr", "10.0.0.0/33"},
		{"private route with host bits", private(cidrs("192.168.0.0/24", "10.1.2.3/16")), "privateNetwork.routes[1].cidr", "10.1.2.3/16"},
		{"private route IPv6 upper case", private(cidrs("2001:DB8::/32")), "privateNetwork.routes[0].cidr", "2001:DB8::/32"},
		{"private route IPv6 not shortest", private(cidrs("2001:db8:0:0::/64")), "privateNetwork.routes[0].cidr", "2001:db8:0:0::/64"},
		{"private routes overlap", private(cidrs("10.0.0.0/8", "192.168.0.0/16", "10.1.0.0/16")), "privateNetwork.routes[2].cidr", "10.1.0.0/16"},
		{"private route twice", private(cidrs("10.0.0.0/8", "10.0.0.0/8")), "privateNetwork.routes[1].cidr", "10.0.0.0/8"},
		{"same range in two virtual networks", private([]tunnel.PrivateRoute{
			{CIDR: "10.0.0.0/16", VirtualNetwork: "prod"}, {CIDR: "10.0.0.0/16", VirtualNetwork: "staging"},
		}, tunnel.VirtualNetwork{Name: "prod"}, tunnel.VirtualNetwork{Name: "staging"}), "privateNetwork.routes[1].cidr", "10.0.0.0/16"},
		{"private route comment too long", private([]tunnel.PrivateRoute{{CIDR: "10.0.0.0/8", Comment: strings.Repeat("c", 101)}}),
			"privateNetwork.routes[0].comment", strings.Repeat("c", 101)},
		{"private route in an undeclared virtual network", private([]tunnel.PrivateRoute{{CIDR: "10.0.0.0/8", VirtualNetwork: "prod"}}),
			"privateNetwork.routes[0].virtualNetwork", "prod"},
		{"virtual network name clash", private(cidrs("10.0.0.0/8"), tunnel.VirtualNetwork{Name: "prod"}, tunnel.VirtualNetwork{Name: "prod", Comment: "again"}),
			"privateNetwork.virtualNetworks[1].name", "prod"},
		{"virtual network name with space", private(cidrs("10.0.0.0/8"), tunnel.VirtualNetwork{Name: "my net"}),
			"privateNetwork.virtualNetworks[0].name", "my net"},
		{"virtual network without name", private(cidrs("10.0.0.0/8"), tunnel.VirtualNetwork{Comment: "x"}),
			"privateNetwork.virtualNetworks[0].name", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.mut(a)
			assertRejected(t, a, tc.field, tc.value)
		})
	}
}

// assertRejected checks that Validate and NewTunnel (in a preview) report field with value, and that
// NewTunnel registered nothing and made no invoke.
func assertRejected(t *testing.T, a *tunnel.Args, field string, value any) {
	t.Helper()
	assertField(t, a.Validate(), field, value)
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnel(ctx, "edge", a)
		return err
	}, dryrun.Preview())
	assertField(t, err, field, value)
	if len(res.Resources) != 0 || len(res.Calls) != 0 {
		t.Errorf("registered %d resources and %d invokes with invalid args:\n%s", len(res.Resources), len(res.Calls), res.Tree())
	}
}

// assertField checks that err holds a field error for field with value, and that the message names both.
func assertField(t *testing.T, err error, field string, value any) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one for %s", field)
	}
	for _, fe := range check.Fields(err) {
		if fe.Field == field && reflect.DeepEqual(fe.Value, value) {
			if !strings.Contains(err.Error(), tunnel.Type) || !strings.Contains(err.Error(), fe.Error()) {
				t.Errorf("message %q does not carry %q", err, fe.Error())
			}
			return
		}
	}
	t.Errorf("no field error %s=%#v in: %v", field, value, err)
}

func TestAllErrorsAtOnce(t *testing.T) {
	a := baseArgs()
	a.AccountID = pulumi.String("x")
	a.Routes[0].Path = "("
	a.Routes[2].Service = "ftp://x"
	a.Vault.Path = "data/x"
	got := map[string]bool{}
	for _, fe := range check.Fields(a.Validate()) {
		got[fe.Field] = true
	}
	want := map[string]bool{"accountId": true, "routes[0].path": true, "routes[2].service": true, "vault.path": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestDefaultNameValidated(t *testing.T) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := tunnel.NewTunnel(ctx, "my edge", baseArgs())
		return err
	})
	assertField(t, err, "name", "tunnelgate-dev-my edge")
	if len(res.Resources) != 0 {
		t.Errorf("registered %d resources", len(res.Resources))
	}
}

func TestValidCornerCases(t *testing.T) {
	web := "http://web:80"
	for name, rs := range map[string][]tunnel.Route{
		"specific before wildcard": {{Hostname: "a.b.example.com", Service: web}, {Hostname: "*.example.com", Service: web}},
		"apex and wildcard":        {{Hostname: "*.example.com", Service: web}, {Hostname: "example.com", Service: web}},
		"wildcard does not cover a sibling zone": {
			{Hostname: "*.a.example.com", Service: web}, {Hostname: "b.example.com", Service: web}},
		"different paths, general last": {
			{Hostname: "app.example.com", Path: "^/api", Service: web},
			{Hostname: "app.example.com", Path: "^/static", Service: web},
			{Hostname: "app.example.com", Service: web}},
		"wildcard with path, then host without": {
			{Hostname: "*.example.com", Path: "^/admin", Service: web}, {Hostname: "x.example.com", Service: web}},
		"ipv6 and ip origins": {
			{Hostname: "a.example.com", Service: "http://[fd00::1]:8080"}, {Hostname: "b.example.com", Service: "https://10.0.0.7"}},
		"catch-all route last": {{Hostname: "a.example.com", Service: web}, {Service: "http_status:503"}},
	} {
		t.Run(name, func(t *testing.T) {
			a := baseArgs()
			a.Routes = rs
			if err := a.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRulesAndOrigins(t *testing.T) {
	a := baseArgs()
	a.Routes = []tunnel.Route{
		{Hostname: "a.example.com", Service: "http://web.default.svc:80"},
		{Hostname: "b.example.com", Service: "http://web.default.svc"},
		{Hostname: "c.example.com", Service: "https://secure"},
		{Hostname: "d.example.com", Service: "ssh://git"},
		{Hostname: "e.example.com", Service: "rdp://win:3390"},
		{Hostname: "f.example.com", Service: "tcp://db:5432"},
		{Hostname: "g.example.com", Service: "unix:/run/app.sock"},
		{Hostname: "h.example.com", Service: "hello_world"},
	}
	a.CatchAll = "http://fallback:8080"
	want := []tunnel.Origin{
		{Scheme: "http", Host: "web.default.svc", Port: 80},
		{Scheme: "https", Host: "secure", Port: 443},
		{Scheme: "ssh", Host: "git", Port: 22},
		{Scheme: "rdp", Host: "win", Port: 3390},
		{Scheme: "tcp", Host: "db", Port: 5432},
		{Scheme: "unix", SocketPath: "/run/app.sock"},
		{Scheme: "http", Host: "fallback", Port: 8080},
	}
	if got := a.Origins(); !reflect.DeepEqual(got, want) {
		t.Errorf("Origins():\n got %+v\nwant %+v", got, want)
	}
	rules := a.Rules()
	if len(rules) != 9 || rules[8] != (tunnel.Route{Service: "http://fallback:8080"}) {
		t.Errorf("Rules() = %+v", rules)
	}
}

func TestParseService(t *testing.T) {
	for in, want := range map[string]*tunnel.Origin{
		"hello_world":           nil,
		"http_status:100":       nil,
		"http_status:599":       nil,
		"http://[::1]:8080":     {Scheme: "http", Host: "::1", Port: 8080},
		"https://Web.Example":   {Scheme: "https", Host: "Web.Example", Port: 443},
		"ssh://host:2222":       {Scheme: "ssh", Host: "host", Port: 2222},
		"unix:/var/run/x.sock":  {Scheme: "unix", SocketPath: "/var/run/x.sock"},
		"tcp://10.1.2.3:65535":  {Scheme: "tcp", Host: "10.1.2.3", Port: 65535},
		"rdp://desktop.lan:1":   {Scheme: "rdp", Host: "desktop.lan", Port: 1},
		"http://svc.ns.svc:080": {Scheme: "http", Host: "svc.ns.svc", Port: 80},
	} {
		got, err := tunnel.ParseService(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseService(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"http_status:99", "http://:80", "https://", "http://web?x=1", "http://web#f", "socks5", "ws://web:80"} {
		if _, err := tunnel.ParseService(in); err == nil {
			t.Errorf("ParseService(%q): no error", in)
		}
	}
}

// manyRoutes builds n valid routes over n/10 hostnames with path rules before each host's general rule
// and a wildcard at the end.
func manyRoutes(n int) []tunnel.Route {
	rs := make([]tunnel.Route, 0, n)
	for i := 0; len(rs) < n-1; i++ {
		h := fmt.Sprintf("app-%d.team-%d.example.com", i, i%7)
		for p := 0; p < 9 && len(rs) < n-2; p++ {
			rs = append(rs, tunnel.Route{Hostname: h, Path: fmt.Sprintf("^/v%d/", p), Service: fmt.Sprintf("http://svc-%d.default.svc:%d", i, 8000+p)})
		}
		rs = append(rs, tunnel.Route{Hostname: h, Service: fmt.Sprintf("http://svc-%d.default.svc:80", i)})
	}
	return append(rs, tunnel.Route{Hostname: "*.example.com", Service: "http_status:404"})
}

func TestManyRoutesValid(t *testing.T) {
	a := baseArgs()
	a.Routes = manyRoutes(1000)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(a.Hostnames()); n != 101 {
		t.Errorf("%d hostnames", n)
	}
}

// BenchmarkValidate shows that validation is linear in the number of routes.
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			a := baseArgs()
			a.Routes = manyRoutes(n)
			b.ReportAllocs()
			for b.Loop() {
				if err := a.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNewTunnel1000Routes(b *testing.B) {
	a := baseArgs()
	a.Routes = manyRoutes(1000)
	for b.Loop() {
		if _, err := dryrun.Run(func(ctx *pulumi.Context) error {
			_, err := tunnel.NewTunnel(ctx, "edge", a)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
