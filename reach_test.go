package tunnelgate_test

// TestEveryArgsFieldReachesAResource walks, by reflection, every exported field of every Args type
// (IngressArgs, tunnel.Args, workload.ConnectorArgs and AppArgs, vaultrole.Args, network.Args, and
// every struct type of this module below them) and shows for each one a registered resource property
// that changes when the field changes: no input is dead, none unreachable. SidecarArgs registers
// nothing; its fields are ConnectorArgs' (TunnelID, Token, Cloudflared), covered there.
//
// How: each root has valid baselines. For every leaf field (one that is not a struct of this module,
// nor a pointer to or a slice of one) the walk sets up a context run (nil pointers and empty slices
// on the way allocated with a valid value of their type, and the field's own setup applied), then a
// run with only the field changed (variants below), and compares what the two runs registered: type,
// name, parent and every input of every resource. Leaves are counted per declaring type and field
// ("tunnel.Route.Path"), across roots and baselines: a context that is not valid in one baseline (an
// own-pod setting in the in-pod layout) is skipped there and must be covered by another. A field of
// this module that has no variant below fails the test, so a new field cannot be added without
// showing where it goes.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

// variant is how a leaf field changes: to value (converted to the field's type), or by mutate when the
// change needs other fields of the same struct to stay valid. setup prepares the struct first, in
// both runs (e.g. the fallback kind that HTTPSCIDRs needs). decides marks a field that is a fact
// checking what else may be set and emits nothing itself: it is shown live when the change turns valid
// args invalid.
type variant struct {
	value   any
	mutate  func(parent reflect.Value)
	setup   func(parent reflect.Value)
	decides bool
}

// deadWhere are the contexts ("<key> <root>/<baseline>") where a field has no effect by design.
var deadWhere = map[string]string{
	"vaultkv.Location.IDKey workload.ConnectorArgs/vault":    "the agent reads the token only; the id key is the writer's (tunnel.Args.Vault)",
	"vaultkv.Location.IDKey vaultrole.Args/vault":            "a policy grants a whole secret: its data keys are not part of it",
	"vaultkv.Location.TokenKey vaultrole.Args/vault":         "a policy grants a whole secret: its data keys are not part of it",
	"network.Settings.ClusterDomain IngressArgs/secret":      "no in-cluster name to qualify: no Vault, routes to localhost",
	"network.Settings.ClusterDomain network.Args/sidecar":    "no in-cluster name to qualify",
	"network.Pods.MetricsPort network.Args/sidecar":          "nobody may scrape the metrics port (no Settings.Metrics)",
	"network.Pods.Layout network.Args/vault":                 "own pod is the default layout already",
	"network.Pods.Scraped network.Args/vault":                "the baseline lets a scraper in already",
	"network.Settings.ClusterCIDRs network.Args/sidecar":     "no private route to check against the cluster's ranges",
	"network.Settings.ClusterCIDRs IngressArgs/inpod":        "no private route to check against the cluster's ranges",
	"network.Settings.ClusterCIDRs IngressArgs/ownpod":       "no private route to check against the cluster's ranges",
	"network.Settings.ClusterCIDRs IngressArgs/secret":       "no private route to check against the cluster's ranges",
	"network.Settings.ClusterCIDRs IngressArgs/shared":       "no private route to check against the cluster's ranges",
	"network.Settings.ClusterCIDRs network.Args/services":    "no private route to check against the cluster's ranges",
	"network.Pods.Layout network.Args/services":              "own pod is the default layout already",
	"network.Settings.ClusterDomain network.Args/services":   "the Service's name is qualified by the routes' domain (tunnel.Args.ClusterDomain), given by the caller; no other in-cluster name",
	"tunnel.Args.ClusterDomain tunnel.Args/vault":            "no route to a Service",
	"tunnel.Args.ClusterDomain IngressArgs/secret":           "no route to a Service, no Vault",
	"origin.Service.Selector tunnel.Args/service":            "the tunnel's URL needs the port only; the selector is the policy's",
	"origin.Service.Ports tunnel.Args/service":               "the variant changes the target port only: the policy's",
	"origin.Service.Scheme network.Args/vault":               "the scheme is the route's (its URL); the policy allows the port whatever speaks on it",
	"origin.Service.Scheme network.Args/services":            "the scheme is the route's (its URL); the policy allows the port whatever speaks on it",
	"origin.Service.Scheme network.Args/sidecar":             "the scheme is the route's (its URL); the policy allows the port whatever speaks on it",
	"network.Pods.MetricsPort network.Args/services":         "nobody may scrape the metrics port (no Settings.Metrics)",
	"network.Settings.OriginNamespaces IngressArgs/inpod":    "routes to localhost: no origin to restrict",
	"network.Settings.OriginNamespaces IngressArgs/secret":   "routes to localhost: no origin to restrict",
	"network.Settings.OriginNamespaces network.Args/sidecar": "no origin to restrict",
}

func set(parent reflect.Value, field string, v any) {
	f := parent.FieldByName(field)
	if v == nil {
		f.Set(reflect.Zero(f.Type()))
		return
	}
	f.Set(reflect.ValueOf(v).Convert(f.Type()))
}

func with(field string, v any) func(reflect.Value) {
	return func(p reflect.Value) { set(p, field, v) }
}

var otherApp = corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("other"), Image: pulumi.String("ghcr.io/example/other:2.0")}}

// variants are keyed by "<package>.<Type>.<Field>".
var variants = map[string]variant{
	// tunnelgate
	"tunnelgate.IngressArgs.Namespace":            {value: pulumi.String("other")},
	"tunnelgate.IngressArgs.DisableNetworkPolicy": {value: true, setup: with("NetworkPolicy", (*network.Settings)(nil))},
	"tunnelgate.Token.CreateSecret":               {value: true},
	// In place, a rotation keeps the Deployment's name: only visible with a rotation.
	"tunnelgate.IngressArgs.InPlaceRotation":  {value: true, setup: func(p reflect.Value) { p.FieldByName("Tunnel").FieldByName("Rotation").SetString("r2") }},
	"tunnelgate.IngressArgs.DisableVaultRole": {value: true, setup: with("VaultRole", (*vaultrole.Settings)(nil))},
	"tunnelgate.App.Containers":               {value: otherApp},
	"tunnelgate.App.PodSpec": {mutate: func(p reflect.Value) {
		set(p, "Containers", nil)
		set(p, "PodSpec", &corev1.PodSpecArgs{Containers: otherApp})
	}},
	// tunnel
	"tunnel.Args.AccountID": {value: pulumi.String("00000000000000000000000000000001")},
	"tunnel.Args.Name":      {value: "renamed"},
	"tunnel.Args.CatchAll":  {value: "http_status:503"},
	"tunnel.Args.ZoneID":    {value: pulumi.String("11111111111111111111111111111111")},
	"tunnel.Args.ZoneName": {value: "app.example.com", setup: func(p reflect.Value) {
		set(p, "ZoneID", nil)
		set(p, "LookupZone", true)
		set(p, "ZoneName", "example.com")
	}},
	"tunnel.Args.LookupZone": {mutate: func(p reflect.Value) {
		set(p, "ZoneID", nil)
		set(p, "LookupZone", true)
		set(p, "ZoneName", "example.com")
	}},
	"tunnel.Args.KeepVaultVersions":         {value: true},
	"tunnel.Args.Rotation":                  {value: "r2"},
	"tunnel.Route.Hostname":                 {value: "other.example.com"},
	"tunnel.Route.Path":                     {value: "^/x/"},
	"tunnel.Route.Service":                  {value: "http://localhost:4001"},
	"tunnel.OriginRequest.NoTLSVerify":      {value: pulumi.BoolRef(true)},
	"tunnel.OriginRequest.HTTPHostHeader":   {value: "h.example.com"},
	"tunnel.OriginRequest.OriginServerName": {value: "o.example.com"},
	"tunnel.OriginRequest.CAPool":           {value: "/etc/cloudflared/ca.pem"},
	"tunnel.OriginRequest.ConnectTimeout":   {value: "5s"},
	"tunnel.OriginRequest.HTTP2Origin":      {value: pulumi.BoolRef(true)},
	"tunnel.Access.Required":                {value: true},
	"tunnel.Access.TeamName":                {value: "other"},
	"tunnel.Access.AudTags":                 {value: []string{"aud2"}},
	"tunnel.PrivateRoute.CIDR":              {value: "10.99.0.0/16"},
	"tunnel.PrivateRoute.Comment":           {value: "office"},
	"tunnel.PrivateRoute.VirtualNetwork":    {value: "corp"},
	"tunnel.VirtualNetwork.Name":            {value: "other"},
	"tunnel.VirtualNetwork.Comment":         {value: "corporate"},
	"tunnel.AccessPolicy.TeamName":          {value: "other"},
	"tunnel.AccessPolicy.Emails":            {value: []string{"bob@example.com"}},
	"tunnel.AccessPolicy.EmailDomains":      {value: []string{"example.org"}},
	"tunnel.AccessPolicy.Groups":            {value: []string{"6f1e7d1c-2b3a-4c5d-8e9f-0a1b2c3d4e5f"}},
	"tunnel.AccessPolicy.ServiceTokens":     {value: []string{"ci"}},
	"tunnel.AccessPolicy.IdentityProviders": {value: []string{"0a7c6b5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"}},
	"tunnel.AccessPolicy.SessionDuration":   {value: "8h"},
	// vaultkv
	"vaultkv.Location.Mount":        {value: "kv"},
	"vaultkv.Location.Path":         {value: "apps/web/other"},
	"vaultkv.Location.TokenKey":     {value: "tok"},
	"vaultkv.Location.IDKey":        {value: "id"},
	"vaultkv.Location.Namespace":    {value: "team"},
	"vaultkv.Reader.Namespace":      {value: pulumi.String("other")},
	"vaultkv.Reader.ServiceAccount": {value: pulumi.String("sa2")},
	"vaultkv.Reader.AuthPath":       {value: "auth/k8s"},
	"vaultkv.Reader.Role":           {value: "other"},
	"vaultkv.Reader.TokenAudience":  {value: "aud2"},
	// vaultrole
	"vaultrole.Settings.PolicyName":    {value: "other-read"},
	"vaultrole.Settings.TTLSeconds":    {value: 60},
	"vaultrole.Settings.MaxTTLSeconds": {value: 7200},
	// workload
	"workload.ConnectorArgs.Namespace":  {value: pulumi.String("other")},
	"workload.ConnectorArgs.TunnelID":   {value: pulumi.String("tid2")},
	"workload.ConnectorArgs.Generation": {value: "r2"},
	"workload.AppArgs.Namespace":        {value: pulumi.String("other")},
	"workload.AppArgs.TunnelID":         {value: pulumi.String("tid2")},
	"workload.AppArgs.Generation":       {value: "r2"},
	"workload.AppArgs.Containers":       {value: otherApp},
	"workload.AppArgs.PodSpec": {mutate: func(p reflect.Value) {
		set(p, "Containers", nil)
		set(p, "PodSpec", &corev1.PodSpecArgs{Containers: otherApp})
	}},
	"workload.Pods.Name":                     {value: "other"},
	"workload.Pods.Replicas":                 {value: pulumi.IntRef(3)},
	"workload.Pods.MaxUnavailable":           {value: pulumi.IntRef(2), setup: with("Replicas", pulumi.IntRef(3))},
	"workload.Pods.MinAvailable":             {value: pulumi.IntRef(1)},
	"workload.Pods.NodeSpread":               {value: "ScheduleAnyway"},
	"workload.Pods.Labels":                   {value: map[string]string{"team": "a"}},
	"workload.Pods.Annotations":              {value: map[string]string{"example.com/owner": "a"}},
	"workload.Pods.PodAnnotations":           {value: map[string]string{"example.com/x": "y"}},
	"workload.Pods.NodeSelector":             {value: map[string]string{"pool": "edge"}},
	"workload.Pods.PriorityClassName":        {value: "high"},
	"workload.Metrics.Monitor":               {value: "PodMonitor"},
	"workload.Metrics.Labels":                {value: map[string]string{"release": "prom"}, setup: with("Monitor", "PodMonitor")},
	"workload.Metrics.Interval":              {value: "1m", setup: with("Monitor", "ServiceMonitor")},
	"workload.Metrics.Alerts":                {value: true, setup: with("Monitor", "PodMonitor")},
	"workload.Autoscaling.MinReplicas":       {value: 3},
	"workload.Autoscaling.MaxReplicas":       {value: 6},
	"workload.Autoscaling.CPUUtilization":    {value: 60},
	"workload.Autoscaling.MemoryUtilization": {value: 80},
	"workload.Toleration.Key":                {value: "k2"},
	"workload.Toleration.Operator": {mutate: func(p reflect.Value) {
		set(p, "Operator", "Exists")
		set(p, "Value", "")
	}},
	"workload.Toleration.Value":               {value: "v2"},
	"workload.Toleration.Effect":              {value: "NoSchedule"},
	"workload.Toleration.TolerationSeconds":   {value: pulumi.IntRef(30)},
	"workload.ServiceAccount.Name":            {value: "sa2"},
	"workload.ServiceAccount.Create":          {value: true},
	"workload.ServiceAccount.Annotations":     {value: map[string]string{"a": "b"}, setup: with("Create", true)},
	"workload.VaultAgent.Role":                {value: "other"},
	"workload.VaultAgent.AuthPath":            {value: "auth/k8s"},
	"workload.VaultAgent.Address":             {value: "https://vault.example.com:8200"},
	"workload.VaultAgent.CACert":              {value: "/etc/vault/ca.pem"},
	"workload.VaultAgent.TLSSecret":           {value: "vault-tls"},
	"workload.VaultAgent.TLSServerName":       {value: "vault.example.com"},
	"workload.VaultAgent.TLSSkipVerify":       {value: true},
	"workload.VaultAgent.LongRunning":         {value: true},
	"workload.VaultAgent.AgentImage":          {value: "hashicorp/vault:1.20.4"},
	"workload.VaultAgent.TokenAudience":       {value: "vault.example.com"},
	"workload.SecretToken.Name":               {value: pulumi.String("tok2")},
	"workload.SecretToken.Key":                {value: "key"},
	"workload.SecretToken.Value":              {value: pulumi.String("token-2")},
	"workload.Cloudflared.Image":              {value: "cloudflare/cloudflared:2026.8.1"},
	"workload.Cloudflared.MetricsPort":        {value: 9000},
	"workload.Cloudflared.Protocol":           {value: "http2"},
	"workload.Cloudflared.LogLevel":           {value: "debug"},
	"workload.Cloudflared.Region":             {value: "us"},
	"workload.Cloudflared.GracePeriodSeconds": {value: 60},
	"workload.Cloudflared.Requests":           {value: map[string]string{"cpu": "100m"}},
	"workload.Cloudflared.Limits":             {value: map[string]string{"cpu": "1"}},
	// network
	"network.Pods.Namespace":        {value: pulumi.String("other")},
	"network.Pods.Selector":         {value: map[string]string{"app": "other"}},
	"network.Pods.Layout":           {value: "ownPod", decides: true},
	"network.Pods.MetricsPort":      {value: 9000},
	"network.Pods.Region":           {value: "us"},
	"network.VaultClient.Host":      {value: "vault.example.com"},
	"network.VaultClient.Port":      {value: 8443},
	"network.Routes.OriginHosts":    {value: []string{"api.apps.svc.cluster.local"}},
	"network.Routes.AccessTeams":    {value: []string{"acme"}},
	"network.Routes.PrivateCIDRs":   {value: []string{"10.50.0.0/16"}},
	"network.Pods.Scraped":          {value: true, decides: true},
	"network.Settings.ClusterCIDRs": {value: []string{"192.168.0.0/16"}, decides: true},
	"network.Settings.Kind":         {value: "kubernetes"},
	"network.Settings.Region":       {value: "fedramp"},
	"network.Settings.UpdateChecks": {value: true},
	"network.Settings.EdgeCIDRs":    {value: []string{"198.41.192.0/24"}, setup: with("Kind", "kubernetes")},
	"network.Settings.HTTPSCIDRs": {value: []string{"104.16.0.0/12"}, setup: func(p reflect.Value) {
		set(p, "Kind", "kubernetes")
		set(p, "UpdateChecks", true)
		set(p, "HTTPSCIDRs", []string{"104.16.0.0/13"})
	}},
	"network.Settings.ClusterDomain": {value: "example.internal"},
	"network.Peer.Namespace":         {value: "ns2"},
	"network.Peer.Labels":            {value: map[string]string{"app": "other"}},
	"network.Peer.CIDRs": {mutate: func(p reflect.Value) {
		set(p, "Namespace", "")
		set(p, "CIDRs", []string{"10.0.0.0/8"})
	}},
	"network.Peer.Hostnames": {value: []string{"h.example.com"}},
	"network.Port.Port":      {value: 10},
	"network.Port.Protocol":  {value: "UDP"},
	"network.Port.Name": {mutate: func(p reflect.Value) {
		set(p, "Port", 0)
		set(p, "Name", "http")
	}},
	"network.Settings.OriginNamespaces": {value: []string{"elsewhere"}, decides: true},
	"network.Settings.OriginIngress":    {value: true},
	"tunnel.Args.ClusterDomain":         {value: "example.internal"},
	// origin
	"origin.Service.Namespace": {value: pulumi.String("other")},
	"origin.Service.Name":      {value: pulumi.String("api")},
	"origin.Service.Port":      {value: 81},
	"origin.Service.PortName": {mutate: func(p reflect.Value) {
		set(p, "Port", 0)
		set(p, "PortName", "admin")
	}},
	"origin.Service.Scheme":    {value: "https"},
	"origin.Service.Selector":  {value: pulumi.StringMap{"app": pulumi.String("other")}},
	"origin.Service.Ports":     {value: servicePorts(7070)},
	"origin.Service.ClusterIP": {value: pulumi.String("None"), decides: true},
}

// servicePorts are the ports of the Service of the baselines: 80 ("http", to target) and 81 ("admin").
func servicePorts(target int) pulumi.Array {
	return pulumi.Array{
		pulumi.Map{"name": pulumi.String("http"), "port": pulumi.Int(80), "targetPort": pulumi.Int(target)},
		pulumi.Map{"name": pulumi.String("admin"), "port": pulumi.Int(81), "targetPort": pulumi.Int(9090)},
	}
}

// webService is the Service of the baselines, described as the API server holds it.
func webService() origin.Service {
	return origin.Service{
		Namespace: pulumi.String("shop"), Name: pulumi.String("web"), Port: 80,
		Selector: pulumi.StringMap{"app": pulumi.String("web")}, Ports: servicePorts(8080),
		ClusterIP: pulumi.String("10.0.0.10"),
	}
}

// zeros are the valid values a nil pointer or an empty slice of a struct type gets on the way to a
// leaf (the zero value where it is valid).
var zeros = map[reflect.Type]func() any{
	reflect.TypeFor[tunnel.Route]():     func() any { return tunnel.Route{Hostname: "extra.example.com", Service: "http://localhost:4000"} },
	reflect.TypeFor[tunnel.Access]():    func() any { return tunnel.Access{TeamName: "acme", AudTags: []string{"aud"}} },
	reflect.TypeFor[vaultkv.Location](): func() any { return vaultkv.Location{Path: "apps/web/cloudflared"} },
	// A route in the default virtual network and a virtual network "corp" that a route may name.
	reflect.TypeFor[tunnel.PrivateNetwork](): func() any {
		return tunnel.PrivateNetwork{Routes: []tunnel.PrivateRoute{{CIDR: "10.1.0.0/16"}}, VirtualNetworks: []tunnel.VirtualNetwork{{Name: "corp"}}}
	},
	reflect.TypeFor[tunnel.PrivateRoute]():   func() any { return tunnel.PrivateRoute{CIDR: "10.2.0.0/16"} },
	reflect.TypeFor[tunnel.VirtualNetwork](): func() any { return tunnel.VirtualNetwork{Name: "corp2"} },
	reflect.TypeFor[tunnel.AccessPolicy](): func() any {
		return tunnel.AccessPolicy{TeamName: "acme", EmailDomains: []string{"example.com"}}
	},
	reflect.TypeFor[workload.Toleration]():     func() any { return workload.Toleration{Key: "k", Value: "v", Effect: "NoExecute"} },
	reflect.TypeFor[workload.ServiceAccount](): func() any { return workload.ServiceAccount{Name: "sa"} },
	reflect.TypeFor[workload.VaultAgent]():     func() any { return workload.VaultAgent{Role: "web"} },
	reflect.TypeFor[workload.SecretToken]():    func() any { return workload.SecretToken{Name: pulumi.String("tok")} },
	reflect.TypeFor[workload.VaultToken](): func() any {
		return workload.VaultToken{Agent: workload.VaultAgent{Role: "web"}, Secret: vaultkv.Location{Path: "apps/web/cloudflared"}}
	},
	reflect.TypeFor[network.Peer]():   func() any { return network.Peer{Namespace: "ns", Ports: []network.Port{{Port: 9}}} },
	reflect.TypeFor[network.Port]():   func() any { return network.Port{Port: 9} },
	reflect.TypeFor[origin.Service](): func() any { return webService() },
}

func zero(t reflect.Type) reflect.Value {
	if f, ok := zeros[t]; ok {
		return reflect.ValueOf(f())
	}
	return reflect.New(t).Elem()
}

// root is an Args type, its baselines and how to register it.
type root struct {
	name      string
	baselines map[string]func() any // each returns a pointer to a valid Args
	register  func(ctx *pulumi.Context, args any) error
}

func roots() []root {
	tunnelArgs := func() *tunnel.Args {
		return &tunnel.Args{
			AccountID: pulumi.String(account), ZoneID: pulumi.String(zone),
			Routes: []tunnel.Route{{Hostname: "app.example.com", Service: "http://web.default.svc:80"}},
			Vault:  &vaultkv.Location{Path: "apps/web/cloudflared"},
		}
	}
	vaultSource := func() workload.TokenSource {
		return workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "web"}, Secret: vaultkv.Location{Path: "apps/web/cloudflared"}}}
	}
	secretSource := func() workload.TokenSource {
		return workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
	}
	return []root{
		{"IngressArgs", map[string]func() any{
			"inpod":  func() any { return seedArgs() },
			"ownpod": func() any { return ownPodArgs() },
			"secret": func() any {
				a := seedArgs()
				a.Token = tunnelgate.Token{Secret: &workload.SecretToken{Name: pulumi.String("tok")}}
				return a
			},
			"shared": func() any {
				a := ownPodArgs()
				svc := webService()
				a.Tunnel.Routes = []tunnel.Route{{Hostname: "app.example.com", KubernetesService: &svc}}
				a.NetworkPolicy = &network.Settings{}
				return a
			},
		}, func(ctx *pulumi.Context, a any) error {
			_, err := tunnelgate.NewIngress(ctx, "web", a.(*tunnelgate.IngressArgs))
			return err
		}},
		{"tunnel.Args", map[string]func() any{"vault": func() any { return tunnelArgs() }, "service": func() any {
			a := tunnelArgs()
			svc := webService()
			a.Routes = []tunnel.Route{{Hostname: "app.example.com", KubernetesService: &svc}}
			return a
		}}, func(ctx *pulumi.Context, a any) error {
			_, err := tunnel.NewTunnel(ctx, "edge", a.(*tunnel.Args))
			return err
		}},
		{"workload.ConnectorArgs", map[string]func() any{
			"vault": func() any {
				return &workload.ConnectorArgs{Namespace: pulumi.String("apps"), TunnelID: pulumi.String("tid"), Token: vaultSource()}
			},
			"secret": func() any {
				return &workload.ConnectorArgs{Namespace: pulumi.String("apps"), TunnelID: pulumi.String("tid"), Token: secretSource()}
			},
		}, func(ctx *pulumi.Context, a any) error {
			_, err := workload.NewConnector(ctx, "edge", a.(*workload.ConnectorArgs))
			return err
		}},
		{"workload.AppArgs", map[string]func() any{"secret": func() any {
			return &workload.AppArgs{
				Namespace: pulumi.String("apps"), TunnelID: pulumi.String("tid"), Token: secretSource(),
				Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("web:1")}},
			}
		}}, func(ctx *pulumi.Context, a any) error {
			_, err := workload.NewApp(ctx, "web", a.(*workload.AppArgs))
			return err
		}},
		{"vaultrole.Args", map[string]func() any{"vault": func() any {
			return &vaultrole.Args{
				Secret: vaultkv.Location{Path: "apps/web/cloudflared"},
				Reader: vaultkv.Reader{Namespace: pulumi.String("apps"), ServiceAccount: pulumi.String("web"), Role: "web"},
			}
		}}, func(ctx *pulumi.Context, a any) error {
			_, err := vaultrole.NewRole(ctx, "web", a.(*vaultrole.Args))
			return err
		}},
		{"network.Args", map[string]func() any{
			"vault": func() any {
				return &network.Args{
					Pods: network.Pods{
						Namespace: pulumi.String("apps"), Selector: map[string]string{"app": "cloudflared"}, MetricsPort: 2000,
						Vault: &network.VaultClient{},
					},
					Routes: network.Routes{PrivateCIDRs: []string{"192.168.0.0/16"}},
					Settings: &network.Settings{
						Metrics: &network.Peer{Namespace: "monitoring"},
						Origins: []network.Peer{{Labels: map[string]string{"app": "web"}, Ports: []network.Port{{Port: 8080}}}},
					},
				}
			},
			"services": func() any {
				return &network.Args{
					Pods:     network.Pods{Namespace: pulumi.String("apps"), Selector: map[string]string{"app": "cloudflared"}, MetricsPort: 2000},
					Routes:   network.Routes{Services: []origin.Service{webService()}},
					Settings: &network.Settings{},
				}
			},
			"sidecar": func() any {
				return &network.Args{
					Pods: network.Pods{
						Namespace: pulumi.String("apps"), Selector: map[string]string{"app": "web"}, MetricsPort: 2000,
						Layout: network.LayoutSidecar,
					},
					Settings: &network.Settings{AppIngress: []network.Peer{{Labels: map[string]string{"app": "web"}}}},
				}
			},
		}, func(ctx *pulumi.Context, a any) error {
			_, err := network.NewPolicy(ctx, "edge", a.(*network.Args))
			return err
		}},
	}
}

// leaf is one field to change: its key, and the struct field indexes from the root to it.
type leaf struct {
	key  string
	path []int
}

// ours reports whether t is a struct type of this module (walked into, not changed as a whole).
func ours(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && strings.HasPrefix(t.PkgPath(), "github.com/tunnelgate/tunnelgate")
}

// elem is the struct type behind a pointer or slice field, or the type itself.
func elem(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		return t.Elem()
	}
	return t
}

// leaves lists every leaf below struct type t (fields of this module's struct types, through
// pointers and slices).
func leaves(t reflect.Type, prefix []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		path := append(append([]int(nil), prefix...), i)
		if e := elem(f.Type); ours(e) {
			out = append(out, leaves(e, path)...)
			continue
		}
		out = append(out, leaf{key: t.String() + "." + f.Name, path: path})
	}
	return out
}

// reach returns the field's struct (addressable) below v along path, allocating nil pointers and
// empty slices with valid values on the way.
func reach(v reflect.Value, path []int) reflect.Value {
	for _, i := range path[:len(path)-1] {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			if f.IsNil() {
				p := reflect.New(f.Type().Elem())
				p.Elem().Set(zero(f.Type().Elem()))
				f.Set(p)
			}
			v = f.Elem()
		case reflect.Slice:
			if f.Len() == 0 {
				f.Set(reflect.Append(reflect.MakeSlice(f.Type(), 0, 1), zero(f.Type().Elem())))
			} else {
				f.Set(reflect.AppendSlice(reflect.MakeSlice(f.Type(), 0, f.Len()), f)) // a copy we own
			}
			v = f.Index(0)
		default:
			v = f
		}
	}
	return v
}

// deepCopy copies the module's structs, pointers to them, slices and maps; inputs are shared (they
// are immutable values).
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || !ours(v.Type().Elem()) {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Struct:
		if !ours(v.Type()) {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	}
	return v
}

// registrations runs register and returns what was registered, one line per resource, sorted.
func registrations(r root, args any) ([]string, error) {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error { return r.register(ctx, args) })
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range res.Resources {
		b, _ := json.Marshal(dryrun.Plain(x.Inputs))
		out = append(out, fmt.Sprintf("%s %s %s %s", x.Type, x.Name, x.Parent, b))
	}
	for _, c := range res.Calls {
		b, _ := json.Marshal(dryrun.Plain(c.Args))
		out = append(out, "invoke "+c.Token+" "+string(b))
	}
	sort.Strings(out)
	return out, nil
}

func TestEveryArgsFieldReachesAResource(t *testing.T) {
	covered := map[string][]string{} // key -> where it was shown live
	all := map[string]bool{}
	for _, r := range roots() {
		for bname, baseline := range r.baselines {
			proto := reflect.ValueOf(baseline())
			for _, l := range leaves(proto.Elem().Type(), nil) {
				all[l.key] = true
				v, ok := variants[l.key]
				if !ok {
					continue // reported below
				}
				base := deepCopy(proto)
				parent := reach(base.Elem(), l.path)
				if v.setup != nil {
					v.setup(parent)
				}
				before, err := registrations(r, base.Interface())
				if err != nil {
					continue // this context is not valid in this baseline; another covers the field
				}
				changed := deepCopy(base)
				parent = reach(changed.Elem(), l.path)
				if v.mutate != nil {
					v.mutate(parent)
				} else {
					set(parent, parent.Type().Field(l.path[len(l.path)-1]).Name, v.value)
				}
				after, err := registrations(r, changed.Interface())
				where := r.name + "/" + bname
				switch {
				case err != nil && v.decides:
					covered[l.key] = append(covered[l.key], where+" (decides what is valid)")
				case err != nil:
					// Not valid in this context (e.g. host names on the DNS peer): another context covers it.
				case strings.Join(before, "\n") != strings.Join(after, "\n"):
					covered[l.key] = append(covered[l.key], where)
				case deadWhere[l.key+" "+where] == "":
					t.Errorf("%s (%s): changing it changes no registered property: a dead input", l.key, where)
				}
			}
		}
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := variants[k]; !ok {
			t.Errorf("%s: no variant in reach_test.go: show where this field goes", k)
		} else if len(covered[k]) == 0 {
			t.Errorf("%s: not shown to reach a resource from any root (unreachable, or every context invalid)", k)
		}
	}
	for k := range variants {
		if !all[k] {
			t.Errorf("variant %s names no field", k)
		}
	}
	t.Logf("%d fields, each shown to change a registered property", len(keys))
}
