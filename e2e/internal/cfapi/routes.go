package cfapi

import (
	"fmt"
	"net/http"
	"net/netip"
	"time"
	"unicode/utf8"
)

// Tunnel routes of private networks (cloudflare-go v0.114.0 tunnel_routes.go, used by the provider's
// zero_trust_tunnel_route resource). cloudflare-go addresses a route by its network, URL-escaped in the path
// ("10.0.0.0%2F8"), and its virtual network; terraform-provider-cloudflare v4 reads one back by listing with
// network_subset = network_superset = the network, is_deleted=false and the virtual network, and takes the
// first result's tunnel_id, network and non-empty comment.
//
//	POST   /accounts/{a}/teamnet/routes/network/{network}  CreateTunnelRoute {"tunnel_id","comment","virtual_network_id"} -> TunnelRoute
//	GET    /accounts/{a}/teamnet/routes?tunnel_id=&comment=&is_deleted=&network_subset=&network_superset=&virtual_network_id=
//	                                                       ListTunnelRoutes -> []TunnelRoute + result_info
//	PATCH  /accounts/{a}/teamnet/routes/network/{network}  UpdateTunnelRoute {"network","tunnel_id","comment","virtual_network_id"}
//	DELETE /accounts/{a}/teamnet/routes/network/{network}?virtual_network_id=  DeleteTunnelRoute -> TunnelRoute
//
// A network is unique among the live routes of a virtual network (routes without virtual_network_id are in the
// account's default one); it must be a CIDR in canonical form and name a live tunnel of the account; comments
// take at most 100 characters. Deleting a tunnel that live routes still point at is recorded as a violation.

// MaxRouteComment is the most characters a route's comment may have (the API's maxLength).
const MaxRouteComment = 100

// TunnelRoute is a private network route as the fake holds it.
type TunnelRoute struct {
	// ID is its UUID.
	ID string
	// AccountID owns it.
	AccountID string
	// Network is the CIDR, canonical.
	Network string
	// TunnelID is the tunnel that serves it.
	TunnelID string
	// Comment is as sent.
	Comment string
	// VirtualNetworkID is its virtual network (the account's default when none was sent).
	VirtualNetworkID string
	// CreatedAt and DeletedAt are its timestamps (DeletedAt zero while it exists).
	CreatedAt, DeletedAt time.Time
}

// Deleted reports whether the route was deleted.
func (r TunnelRoute) Deleted() bool { return !r.DeletedAt.IsZero() }

func (s *Server) tunnelRouteRoutes() []route {
	return []route{
		{"POST /accounts/{account}/teamnet/routes/network/{network}", s.createRoute},
		{"GET /accounts/{account}/teamnet/routes", s.listRoutes},
		{"PATCH /accounts/{account}/teamnet/routes/network/{network}", s.updateRoute},
		{"DELETE /accounts/{account}/teamnet/routes/network/{network}", s.deleteRoute},
	}
}

// TunnelRoutes returns every route, deleted ones included, in creation order.
func (s *Server) TunnelRoutes() []TunnelRoute {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TunnelRoute, 0, len(s.teamRoutes))
	for _, r := range s.teamRoutes {
		out = append(out, *r)
	}
	return out
}

// routeInput is a route request's body; nil fields were not sent.
type routeInput struct {
	Network          *string `json:"network"`
	TunnelID         *string `json:"tunnel_id"`
	Comment          *string `json:"comment"`
	VirtualNetworkID *string `json:"virtual_network_id"`
}

// routeTarget checks the network of the path and the virtual network of the call (the account's default when
// vnetID is empty) and returns the canonical network and the virtual network.
func (s *Server) routeTarget(c *call, vnetID string) (string, *VirtualNetwork, *reply) {
	network := c.req.PathValue("network")
	p, err := netip.ParsePrefix(network)
	if err != nil || p.Masked() != p || p.String() != network {
		r := fail(http.StatusBadRequest, APIError{Code: CodeBadRouteNetwork, Message: fmt.Sprintf("%q is not a network in CIDR notation", network)})
		return "", nil, &r
	}
	account := c.req.PathValue("account")
	v := s.defaultVnet(account)
	if vnetID != "" {
		if v = s.vnetByID(account, vnetID); v == nil {
			r := fail(http.StatusBadRequest, APIError{Code: CodeVnetNotFound, Message: fmt.Sprintf("Virtual network %s not found", vnetID)})
			return "", nil, &r
		}
	}
	return network, v, nil
}

// liveRoute is the live route of network in the virtual network vnet, or nil.
func (s *Server) liveRoute(account, network, vnet string) *TunnelRoute {
	for _, r := range s.teamRoutes {
		if r.AccountID == account && r.Network == network && r.VirtualNetworkID == vnet && !r.Deleted() {
			return r
		}
	}
	return nil
}

// checkRouteFields checks the tunnel and the comment a route would get.
func (s *Server) checkRouteFields(account, tunnelID, comment string) *reply {
	if t := s.tunnelByID(tunnelID); t == nil || t.AccountID != account || t.Deleted() {
		r := fail(http.StatusBadRequest, APIError{Code: CodeTunnelNotFound, Message: fmt.Sprintf("Tunnel %s not found", tunnelID)})
		return &r
	}
	if n := utf8.RuneCountInString(comment); n > MaxRouteComment {
		r := fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: fmt.Sprintf("Could not parse input. comment is %d characters long, at most %d are allowed", n, MaxRouteComment)})
		return &r
	}
	return nil
}

// routeWrite is the common start of a create or an update: the account, the body, the network of the path
// and the virtual network of the body.
func (s *Server) routeWrite(c *call) (account string, in routeInput, network string, v *VirtualNetwork, rep *reply) {
	account = c.req.PathValue("account")
	if !s.accounts[account] {
		r := couldNotRoute(c)
		return "", in, "", nil, &r
	}
	if e := decodeBody(c, &in, CodeBadJSON); e != nil {
		r := fail(http.StatusBadRequest, *e)
		return "", in, "", nil, &r
	}
	network, v, rep = s.routeTarget(c, deref(in.VirtualNetworkID))
	return account, in, network, v, rep
}

func (s *Server) createRoute(c *call) reply {
	account, in, network, v, rep := s.routeWrite(c)
	if rep != nil {
		return *rep
	}
	if in.TunnelID == nil {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: "Could not parse input. tunnel_id is required"})
	}
	if rep := s.checkRouteFields(account, *in.TunnelID, deref(in.Comment)); rep != nil {
		return *rep
	}
	if s.liveRoute(account, network, v.ID) != nil {
		return fail(http.StatusConflict, APIError{Code: CodeRouteExists, Message: fmt.Sprintf("A route for %s already exists in virtual network %s", network, v.Name)})
	}
	r := &TunnelRoute{
		ID: newUUID(), AccountID: account, Network: network, TunnelID: *in.TunnelID, Comment: deref(in.Comment),
		VirtualNetworkID: v.ID, CreatedAt: time.Now().UTC(),
	}
	s.teamRoutes = append(s.teamRoutes, r)
	s.log(Event{Time: r.CreatedAt, Kind: RouteCreated, AccountID: account, TunnelID: r.TunnelID, Content: network, VnetID: v.ID})
	return ok(s.routeJSON(r))
}

func (s *Server) listRoutes(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	q := c.req.URL.Query()
	subset, errSub := optionalPrefix(q.Get("network_subset"))
	superset, errSup := optionalPrefix(q.Get("network_superset"))
	if errSub != nil || errSup != nil {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadRouteNetwork, Message: "network_subset and network_superset take networks in CIDR notation"})
	}
	var matched []*TunnelRoute
	for _, r := range s.teamRoutes {
		p := netip.MustParsePrefix(r.Network)
		switch {
		case r.AccountID != account,
			q.Has("tunnel_id") && r.TunnelID != q.Get("tunnel_id"),
			q.Has("comment") && r.Comment != q.Get("comment"),
			q.Has("virtual_network_id") && q.Get("virtual_network_id") != "" && r.VirtualNetworkID != q.Get("virtual_network_id"),
			q.Get("is_deleted") != "" && fmt.Sprint(r.Deleted()) != q.Get("is_deleted"),
			// network_subset=X: routes inside X; network_superset=X: routes containing X.
			subset.IsValid() && !(subset.Bits() <= p.Bits() && subset.Contains(p.Addr())),
			superset.IsValid() && !(p.Bits() <= superset.Bits() && p.Contains(superset.Addr())):
			continue
		}
		matched = append(matched, r)
	}
	return listReply(c, matched, 20, 1000, s.routeJSON)
}

func (s *Server) updateRoute(c *call) reply {
	account, in, network, v, rep := s.routeWrite(c)
	if rep != nil {
		return *rep
	}
	r := s.liveRoute(account, network, v.ID)
	if r == nil {
		return fail(http.StatusNotFound, APIError{Code: CodeRouteNotFound, Message: fmt.Sprintf("Route for %s not found in virtual network %s", network, v.Name)})
	}
	if in.Network != nil && *in.Network != network {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadRouteNetwork, Message: "the network of a route cannot change: delete it and create another"})
	}
	tunnelID, comment := r.TunnelID, r.Comment
	if in.TunnelID != nil {
		tunnelID = *in.TunnelID
	}
	if in.Comment != nil {
		comment = *in.Comment
	}
	if rep := s.checkRouteFields(account, tunnelID, comment); rep != nil {
		return *rep
	}
	old := r.TunnelID
	r.TunnelID, r.Comment = tunnelID, comment
	s.log(Event{Time: time.Now().UTC(), Kind: RouteUpdated, AccountID: account, TunnelID: r.TunnelID, Content: network, VnetID: v.ID, OldContent: old})
	return ok(s.routeJSON(r))
}

func (s *Server) deleteRoute(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	network, v, rep := s.routeTarget(c, c.req.URL.Query().Get("virtual_network_id"))
	if rep != nil {
		return *rep
	}
	r := s.liveRoute(account, network, v.ID)
	if r == nil {
		return fail(http.StatusNotFound, APIError{Code: CodeRouteNotFound, Message: fmt.Sprintf("Route for %s not found in virtual network %s", network, v.Name)})
	}
	r.DeletedAt = time.Now().UTC()
	s.log(Event{Time: r.DeletedAt, Kind: RouteDeleted, AccountID: account, TunnelID: r.TunnelID, Content: network, VnetID: v.ID})
	return ok(s.routeJSON(r))
}

// routeJSON is a route as the API shows it (cloudflare-go's TunnelRoute; the list also names the tunnel and
// the virtual network).
func (s *Server) routeJSON(r *TunnelRoute) map[string]any {
	var deleted any
	if r.Deleted() {
		deleted = timestamp(r.DeletedAt)
	}
	tunnelName, vnetName := "", ""
	if t := s.tunnelByID(r.TunnelID); t != nil {
		tunnelName = t.Name
	}
	for _, v := range s.vnets {
		if v.ID == r.VirtualNetworkID {
			vnetName = v.Name
		}
	}
	return map[string]any{
		"id":                   r.ID,
		"network":              r.Network,
		"tunnel_id":            r.TunnelID,
		"tunnel_name":          tunnelName,
		"tun_type":             "cfd_tunnel",
		"comment":              r.Comment,
		"virtual_network_id":   r.VirtualNetworkID,
		"virtual_network_name": vnetName,
		"created_at":           timestamp(r.CreatedAt),
		"deleted_at":           deleted,
	}
}

func optionalPrefix(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, nil
	}
	return netip.ParsePrefix(s)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
