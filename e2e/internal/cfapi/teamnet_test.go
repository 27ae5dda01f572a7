package cfapi

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

type vnetJSONT struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Comment   string  `json:"comment"`
	IsDefault bool    `json:"is_default_network"`
	DeletedAt *string `json:"deleted_at"`
}

type routeJSONT struct {
	Network          string  `json:"network"`
	TunnelID         string  `json:"tunnel_id"`
	TunnelName       string  `json:"tunnel_name"`
	Comment          string  `json:"comment"`
	VirtualNetworkID string  `json:"virtual_network_id"`
	DeletedAt        *string `json:"deleted_at"`
}

// routePath is the path cloudflare-go v0.114.0 calls for a network (url.PathEscape: "/" as %2F).
func routePath(network string) string {
	return "/accounts/" + acct + "/teamnet/routes/network/" + url.PathEscape(network)
}

func TestVirtualNetworks(t *testing.T) {
	f := start(t)
	base := "/accounts/" + acct + "/teamnet/virtual_networks"
	var prod vnetJSONT
	f.ok(f.call("POST", base, `{"name":"prod","comment":"production","is_default":false}`), &prod)
	if prod.Name != "prod" || prod.Comment != "production" || prod.IsDefault || !uuidRE.MatchString(prod.ID) || prod.DeletedAt != nil {
		t.Errorf("created %+v", prod)
	}
	// Names are unique per account.
	f.failedPrefix(f.call("POST", base, `{"name":"prod","comment":"","is_default":false}`), http.StatusConflict, CodeVnetNameExists, `A virtual network named "prod" already exists`)
	f.failedPrefix(f.call("POST", base, `{"comment":"x"}`), http.StatusBadRequest, CodeBadJSON, "Could not parse input. name is required")

	// The provider's read: list by id, not deleted. The account's default virtual network is there too.
	var list []vnetJSONT
	f.ok(f.call("GET", base+"?id="+prod.ID+"&is_deleted=false", ""), &list)
	if len(list) != 1 || list[0].ID != prod.ID {
		t.Fatalf("list by id: %+v", list)
	}
	f.ok(f.call("GET", base+"?is_default=true", ""), &list)
	if len(list) != 1 || list[0].Name != DefaultVirtualNetwork || !list[0].IsDefault {
		t.Fatalf("default: %+v", list)
	}
	def := list[0]

	var upd vnetJSONT
	f.ok(f.call("PATCH", base+"/"+prod.ID, `{"name":"production","comment":"prod"}`), &upd)
	if upd.Name != "production" || upd.Comment != "prod" {
		t.Errorf("updated %+v", upd)
	}
	// A virtual network that a route uses, and the default one, cannot be deleted.
	tun := f.createTunnel(acct, "private", "cloudflare")
	f.ok(f.call("POST", routePath("10.0.0.0/8"), fmt.Sprintf(`{"tunnel_id":%q,"virtual_network_id":%q}`, tun.ID, prod.ID)), nil)
	f.failedPrefix(f.call("DELETE", base+"/"+prod.ID, ""), http.StatusBadRequest, CodeVnetInUse, "Virtual network "+prod.ID+" is used by route 10.0.0.0/8")
	f.failedPrefix(f.call("DELETE", base+"/"+def.ID, ""), http.StatusBadRequest, CodeVnetInUse, "The default virtual network cannot be deleted")
	f.ok(f.call("DELETE", routePath("10.0.0.0/8")+"?virtual_network_id="+prod.ID, ""), nil)
	var gone vnetJSONT
	f.ok(f.call("DELETE", base+"/"+prod.ID, ""), &gone)
	if gone.DeletedAt == nil {
		t.Errorf("deleted %+v", gone)
	}
	f.ok(f.call("GET", base+"?id="+prod.ID+"&is_deleted=false", ""), &list)
	if len(list) != 0 {
		t.Errorf("deleted virtual network still listed: %+v", list)
	}
	f.failedPrefix(f.call("PATCH", base+"/"+prod.ID, `{"name":"x"}`), http.StatusNotFound, CodeVnetNotFound, "Virtual network not found")
	kinds := []EventKind{}
	for _, e := range f.s.Events() {
		if e.Kind == VnetCreated || e.Kind == VnetDeleted {
			kinds = append(kinds, e.Kind)
		}
	}
	if fmt.Sprint(kinds) != fmt.Sprint([]EventKind{VnetCreated, VnetDeleted}) {
		t.Errorf("events %v", kinds)
	}
}

func TestTunnelRoutes(t *testing.T) {
	f := start(t)
	tun := f.createTunnel(acct, "private", "cloudflare")
	other := f.createTunnel(acct, "private-2", "cloudflare")
	var lab vnetJSONT
	f.ok(f.call("POST", "/accounts/"+acct+"/teamnet/virtual_networks", `{"name":"lab","comment":"","is_default":false}`), &lab)

	// cloudflare-go's create: network in the path, tunnel and comment in the body.
	var r routeJSONT
	f.ok(f.call("POST", routePath("10.20.0.0/16"), fmt.Sprintf(`{"tunnel_id":%q,"comment":"office"}`, tun.ID)), &r)
	if r.Network != "10.20.0.0/16" || r.TunnelID != tun.ID || r.Comment != "office" || r.TunnelName != "private" || r.VirtualNetworkID == "" {
		t.Errorf("created %+v", r)
	}
	def := r.VirtualNetworkID
	f.ok(f.call("POST", routePath("2001:db8:1::/48"), fmt.Sprintf(`{"tunnel_id":%q,"virtual_network_id":%q}`, tun.ID, lab.ID)), &r)
	if r.Network != "2001:db8:1::/48" || r.VirtualNetworkID != lab.ID {
		t.Errorf("created in lab %+v", r)
	}
	// The same network in another virtual network is another route; twice in one is refused.
	f.ok(f.call("POST", routePath("10.20.0.0/16"), fmt.Sprintf(`{"tunnel_id":%q,"virtual_network_id":%q}`, other.ID, lab.ID)), nil)
	f.failedPrefix(f.call("POST", routePath("10.20.0.0/16"), fmt.Sprintf(`{"tunnel_id":%q}`, other.ID)), http.StatusConflict, CodeRouteExists, "A route for 10.20.0.0/16 already exists in virtual network default")
	for _, bad := range []struct{ network, body string }{
		{"10.1.2.3/16", fmt.Sprintf(`{"tunnel_id":%q}`, tun.ID)},
		{"2001:DB8::/32", fmt.Sprintf(`{"tunnel_id":%q}`, tun.ID)},
	} {
		f.failedPrefix(f.call("POST", routePath(bad.network), bad.body), http.StatusBadRequest, CodeBadRouteNetwork, fmt.Sprintf("%q is not a network", bad.network))
	}
	f.failedPrefix(f.call("POST", routePath("192.168.0.0/24"), `{"tunnel_id":"`+noUUID+`"}`), http.StatusBadRequest, CodeTunnelNotFound, "Tunnel")
	f.failedPrefix(f.call("POST", routePath("192.168.0.0/24"), fmt.Sprintf(`{"tunnel_id":%q,"comment":"%0101d"}`, tun.ID, 0)), http.StatusBadRequest, CodeBadJSON, "Could not parse input. comment is 101 characters long")
	f.failedPrefix(f.call("POST", routePath("192.168.0.0/24"), fmt.Sprintf(`{"tunnel_id":%q,"virtual_network_id":%q}`, tun.ID, noUUID)), http.StatusBadRequest, CodeVnetNotFound, "Virtual network")

	// The provider's read: subset = superset = the network, not deleted, the virtual network.
	var list []routeJSONT
	f.ok(f.call("GET", "/accounts/"+acct+"/teamnet/routes?is_deleted=false&network_subset=10.20.0.0%2F16&network_superset=10.20.0.0%2F16&virtual_network_id="+lab.ID, ""), &list)
	if len(list) != 1 || list[0].TunnelID != other.ID {
		t.Fatalf("read in lab: %+v", list)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/teamnet/routes?is_deleted=false&network_subset=10.20.0.0%2F16&network_superset=10.20.0.0%2F16", ""), &list)
	if len(list) != 2 {
		t.Errorf("read in every virtual network: %+v", list)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/teamnet/routes?network_subset=10.0.0.0%2F8", ""), &list)
	if len(list) != 2 {
		t.Errorf("subset of 10/8: %+v", list)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/teamnet/routes?network_superset=10.20.30.0%2F24", ""), &list)
	if len(list) != 2 {
		t.Errorf("superset of 10.20.30/24: %+v", list)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/teamnet/routes?tunnel_id="+tun.ID, ""), &list)
	if len(list) != 2 {
		t.Errorf("by tunnel: %+v", list)
	}

	// The provider's update (a rotation moves the route to another tunnel): the full body, by network.
	f.ok(f.call("PATCH", routePath("10.20.0.0/16"), fmt.Sprintf(`{"network":"10.20.0.0/16","tunnel_id":%q,"comment":"moved"}`, other.ID)), &r)
	if r.TunnelID != other.ID || r.Comment != "moved" || r.VirtualNetworkID != def {
		t.Errorf("updated %+v", r)
	}
	f.failedPrefix(f.call("PATCH", routePath("10.99.0.0/16"), fmt.Sprintf(`{"network":"10.99.0.0/16","tunnel_id":%q}`, tun.ID)), http.StatusNotFound, CodeRouteNotFound, "Route for 10.99.0.0/16 not found")

	// Deleting a tunnel that routes still point at is an ordering violation.
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+other.ID, ""), nil)
	if v := f.s.Violations(); len(v) != 2 {
		t.Errorf("violations %v, want the two routes of the deleted tunnel", v)
	}
	f.ok(f.call("DELETE", routePath("10.20.0.0/16"), ""), &r)
	if r.DeletedAt == nil {
		t.Errorf("deleted %+v", r)
	}
	f.failedPrefix(f.call("DELETE", routePath("10.20.0.0/16"), ""), http.StatusNotFound, CodeRouteNotFound, "Route for 10.20.0.0/16 not found")
	live := 0
	for _, r := range f.s.TunnelRoutes() {
		if !r.Deleted() {
			live++
		}
	}
	if live != 2 {
		t.Errorf("%d live routes, want 2", live)
	}
}
