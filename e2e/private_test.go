package e2e_test

// A tunnel with a private network through the real engine and the real cloudflare provider v5.49.1
// (terraform-provider-cloudflare v4.51.0, cloudflare-go v0.114.0) against the fake Cloudflare API: the
// virtual network and route requests carry the expected bodies, warp routing is on, refresh and a second up
// change nothing, a rotation moves the routes to the new tunnel in place before the old one goes, destroy
// removes the routes before their virtual networks and tunnel. The ids the provider gives are the ones the
// mocks (internal/dryrun) give.

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/tunnel"
)

// privateProgram is a tunnel with one hostname and three private ranges: one in the account's default
// virtual network, one in each of two virtual networks created with it.
func privateProgram(rotation string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		t, err := tunnel.NewTunnel(ctx, "edge", &tunnel.Args{
			AccountID: pulumi.String(productAccount),
			ZoneID:    pulumi.String(productZone),
			Routes:    []tunnel.Route{{Hostname: "private.example.com", Service: "http://web.apps.svc.cluster.local:80"}},
			Rotation:  rotation,
			PrivateNetwork: &tunnel.PrivateNetwork{
				VirtualNetworks: []tunnel.VirtualNetwork{{Name: "e2e-prod", Comment: "production"}, {Name: "e2e-lab"}},
				Routes: []tunnel.PrivateRoute{
					{CIDR: "10.20.0.0/16", Comment: "office"},
					{CIDR: "172.16.0.0/12", VirtualNetwork: "e2e-prod"},
					{CIDR: "2001:db8:1::/48", VirtualNetwork: "e2e-lab", Comment: "lab"},
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("tunnelId", t.TunnelID)
		ctx.Export("vnets", t.VirtualNetworkIDs)
		return nil
	}
}

func TestPrivateNetwork(t *testing.T) {
	cf := cfapi.Start(t, cfapi.Options{Accounts: []string{productAccount}, Zones: []cfapi.Zone{{Name: "example.com", ID: productZone}}})
	env := engine.New(t)
	for _, kv := range cf.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env.Vars[k] = v
	}
	ctx := context.Background()
	stack := env.Stack(ctx, t, "tunnelgate-e2e", "private", privateProgram(""))

	up := func(what string, opts ...optup.Option) map[string]int {
		t.Helper()
		ch, _ := upLogged(ctx, t, stack, what, opts...)
		return ch
	}

	// The stack, the component, secret, tunnel, config, record, 2 virtual networks, 3 routes.
	const resources = 11
	if got := up("up"); !reflect.DeepEqual(got, map[string]int{"create": resources}) {
		t.Errorf("up: %v, want create=%d", got, resources)
	}
	tun := liveTunnel(t, cf)
	checkPrivateAPI(t, cf, tun)
	checkPrivateIDs(t, ctx, stack, cf)

	res, err := stack.Refresh(ctx, optrefresh.ExpectNoChanges())
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := changes(res.Summary.ResourceChanges); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("refresh: %v: the provider reads back something else than it wrote", got)
	}
	if got := up("up after refresh", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("second up: %v", got)
	}

	// A rotation: a new tunnel, the routes moved to it in place (PATCH), the virtual networks kept, the old
	// tunnel deleted after every route left it.
	before := len(cf.Requests())
	stack.Workspace().SetProgram(privateProgram("r2"))
	// Replaced: the secret and the tunnel (create before delete); updated: the configuration, the record
	// and the 3 routes; the stack, the component and the 2 virtual networks stay.
	if got := up("rotation"); !reflect.DeepEqual(got, map[string]int{"replace": 2, "update": 5, "same": 4}) {
		t.Errorf("rotation: %v, want replace=2 update=5 same=4", got)
	}
	next := liveTunnel(t, cf)
	if next.ID == tun.ID {
		t.Fatal("rotation kept the tunnel")
	}
	var patched []string
	for _, r := range cf.Requests()[before:] {
		if r.Method == "PATCH" && strings.Contains(r.Path, "/teamnet/routes/network/") {
			patched = append(patched, r.Path[strings.LastIndex(r.Path, "/network/")+len("/network/"):])
			if body, _ := r.Body.(map[string]any); body["tunnel_id"] != next.ID {
				t.Errorf("PATCH %s body %v, want tunnel_id %s", r.Path, r.Body, next.ID)
			}
		}
		if r.Method == "POST" && strings.Contains(r.Path, "/teamnet/") {
			t.Errorf("rotation created %s %s: routes and virtual networks must be kept", r.Method, r.Path)
		}
	}
	slices.Sort(patched)
	if want := []string{"10.20.0.0/16", "172.16.0.0/12", "2001:db8:1::/48"}; !reflect.DeepEqual(patched, want) {
		t.Errorf("routes patched %v, want %v", patched, want)
	}
	for _, r := range liveRoutes(cf) {
		if r.TunnelID != next.ID {
			t.Errorf("route %s points at %s after the rotation, want %s", r.Network, r.TunnelID, next.ID)
		}
	}
	if v := cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}

	if _, err := stack.Destroy(ctx, optdestroy.Remove()); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if r := liveRoutes(cf); len(r) > 0 {
		t.Errorf("routes left: %+v", r)
	}
	for _, v := range cf.VirtualNetworks() {
		if !v.IsDefault && !v.Deleted() {
			t.Errorf("virtual network %s left", v.Name)
		}
	}
	if v := cf.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	if u := cf.Unhandled(); len(u) > 0 {
		t.Errorf("calls the fake does not serve: %v", u)
	}
}

// liveTunnel is the one tunnel that is not deleted.
func liveTunnel(t *testing.T, cf *cfapi.Server) cfapi.Tunnel {
	t.Helper()
	var live []cfapi.Tunnel
	for _, x := range cf.Tunnels() {
		if !x.Deleted() {
			live = append(live, x)
		}
	}
	if len(live) != 1 {
		t.Fatalf("%d live tunnels, want 1: %+v", len(live), live)
	}
	return live[0]
}

func liveRoutes(cf *cfapi.Server) []cfapi.TunnelRoute {
	var out []cfapi.TunnelRoute
	for _, r := range cf.TunnelRoutes() {
		if !r.Deleted() {
			out = append(out, r)
		}
	}
	return out
}

// checkPrivateAPI: warp routing in the configuration, the virtual networks and routes with the bodies the
// provider sends, in the right virtual networks.
func checkPrivateAPI(t *testing.T, cf *cfapi.Server, tun cfapi.Tunnel) {
	t.Helper()
	if u := cf.Unhandled(); len(u) > 0 {
		t.Errorf("calls the fake does not serve: %v", u)
	}
	cfg, ok := cf.Configuration(tun.ID)
	if !ok {
		t.Fatal("no configuration")
	}
	var config struct {
		WarpRouting map[string]any `json:"warp-routing"`
	}
	if err := json.Unmarshal(cfg.Config, &config); err != nil || !reflect.DeepEqual(config.WarpRouting, map[string]any{"enabled": true}) {
		t.Errorf("warp-routing %v (%v) in %s, want enabled", config.WarpRouting, err, cfg.Config)
	}
	vnets := map[string]string{} // name -> id
	for _, v := range cf.VirtualNetworks() {
		if !v.Deleted() {
			vnets[v.Name] = v.ID
		}
	}
	var bodies []string
	for _, r := range cf.Calls("POST", "/accounts/"+productAccount+"/teamnet/virtual_networks") {
		bodies = append(bodies, string(r.RawBody))
	}
	slices.Sort(bodies)
	want := []string{`{"name":"e2e-lab","comment":"","is_default":false}`, `{"name":"e2e-prod","comment":"production","is_default":false}`}
	if !reflect.DeepEqual(bodies, want) {
		t.Errorf("virtual network bodies %v, want %v", bodies, want)
	}
	routeBodies := map[string]any{}
	for _, r := range cf.Calls("POST", "/accounts/"+productAccount+"/teamnet/routes/network/") {
		routeBodies[strings.TrimPrefix(r.Path, "/accounts/"+productAccount+"/teamnet/routes/network/")] = r.Body
	}
	wantRoutes := map[string]any{
		"10.20.0.0/16":    map[string]any{"tunnel_id": tun.ID, "comment": "office"},
		"172.16.0.0/12":   map[string]any{"tunnel_id": tun.ID, "virtual_network_id": vnets["e2e-prod"]},
		"2001:db8:1::/48": map[string]any{"tunnel_id": tun.ID, "comment": "lab", "virtual_network_id": vnets["e2e-lab"]},
	}
	if !reflect.DeepEqual(routeBodies, wantRoutes) {
		t.Errorf("route bodies %v, want %v", routeBodies, wantRoutes)
	}
	byNetwork := map[string]string{}
	for _, r := range liveRoutes(cf) {
		byNetwork[r.Network] = r.VirtualNetworkID
	}
	if byNetwork["10.20.0.0/16"] != vnets[cfapi.DefaultVirtualNetwork] || byNetwork["172.16.0.0/12"] != vnets["e2e-prod"] || byNetwork["2001:db8:1::/48"] != vnets["e2e-lab"] {
		t.Errorf("routes by virtual network %v, virtual networks %v", byNetwork, vnets)
	}
}

// checkPrivateIDs: the ids in the state are the provider's, as internal/dryrun answers them: a route in the
// default virtual network is its network, one in another the MD5 of "<network>/<virtual network id>", a
// virtual network its API id.
func checkPrivateIDs(t *testing.T, ctx context.Context, stack auto.Stack, cf *cfapi.Server) {
	t.Helper()
	dep, err := stack.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Type    string         `json:"type"`
			ID      string         `json:"id"`
			Outputs map[string]any `json:"outputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	vnetIDs := map[string]bool{}
	for _, v := range cf.VirtualNetworks() {
		vnetIDs[v.ID] = true
	}
	n := 0
	for _, r := range state.Resources {
		switch r.Type {
		case tunnel.VirtualNetworkType:
			n++
			if !vnetIDs[r.ID] {
				t.Errorf("virtual network id %s is not the API's", r.ID)
			}
		case tunnel.RouteType:
			n++
			network, _ := r.Outputs["network"].(string)
			want := network
			if vnet, _ := r.Outputs["virtualNetworkId"].(string); vnet != "" {
				want = fmt.Sprintf("%x", md5.Sum([]byte(network+"/"+vnet)))
			}
			if r.ID != want {
				t.Errorf("route %s: id %s, want %s", network, r.ID, want)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d routes and virtual networks in the state, want 5", n)
	}
}
