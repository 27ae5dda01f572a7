package cfapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Virtual networks (cloudflare-go v0.114.0 tunnel_virtual_networks.go, used by the provider's
// zero_trust_tunnel_virtual_network resource; terraform-provider-cloudflare v4 reads one back by listing with
// id and is_deleted=false, and sets name, is_default_network and a non-empty comment):
//
//	POST   /accounts/{a}/teamnet/virtual_networks         CreateTunnelVirtualNetwork {"name","comment","is_default"} -> TunnelVirtualNetwork
//	GET    /accounts/{a}/teamnet/virtual_networks?id=&name=&is_default=&is_deleted=  ListTunnelVirtualNetworks -> []TunnelVirtualNetwork
//	PATCH  /accounts/{a}/teamnet/virtual_networks/{id}    UpdateTunnelVirtualNetwork {"name","comment","is_default_network"} (sent fields only)
//	DELETE /accounts/{a}/teamnet/virtual_networks/{id}    DeleteTunnelVirtualNetwork -> TunnelVirtualNetwork
//
// Every account has a default virtual network (DefaultVirtualNetwork), where routes without a
// virtual_network_id go. Names are unique among an account's virtual networks; a virtual network that routes
// use, or the default one, cannot be deleted.

// DefaultVirtualNetwork is the name of the virtual network every account starts with.
const DefaultVirtualNetwork = "default"

// VirtualNetwork is a virtual network as the fake holds it.
type VirtualNetwork struct {
	// ID is its UUID.
	ID string
	// AccountID owns it.
	AccountID string
	// Name and Comment are as sent.
	Name, Comment string
	// IsDefault marks the account's default virtual network.
	IsDefault bool
	// CreatedAt and DeletedAt are its timestamps (DeletedAt zero while it exists).
	CreatedAt, DeletedAt time.Time
}

// Deleted reports whether the virtual network was deleted.
func (v VirtualNetwork) Deleted() bool { return !v.DeletedAt.IsZero() }

func (s *Server) vnetRoutes() []route {
	return []route{
		{"POST /accounts/{account}/teamnet/virtual_networks", s.createVnet},
		{"GET /accounts/{account}/teamnet/virtual_networks", s.listVnets},
		{"PATCH /accounts/{account}/teamnet/virtual_networks/{vnet}", s.updateVnet},
		{"DELETE /accounts/{account}/teamnet/virtual_networks/{vnet}", s.deleteVnet},
	}
}

// VirtualNetworks returns the virtual networks of every account, deleted ones and the defaults included,
// in creation order.
func (s *Server) VirtualNetworks() []VirtualNetwork {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]VirtualNetwork, 0, len(s.vnets))
	for _, v := range s.vnets {
		out = append(out, *v)
	}
	return out
}

// defaultVnet returns the account's default virtual network, creating it on first use.
func (s *Server) defaultVnet(account string) *VirtualNetwork {
	for _, v := range s.vnets {
		if v.AccountID == account && v.IsDefault && !v.Deleted() {
			return v
		}
	}
	v := &VirtualNetwork{ID: derivedUUID("vnet/default/" + account), AccountID: account, Name: DefaultVirtualNetwork, IsDefault: true, CreatedAt: time.Now().UTC()}
	s.vnets = append(s.vnets, v)
	return v
}

// vnetByID returns a live virtual network of the account, or nil.
func (s *Server) vnetByID(account, id string) *VirtualNetwork {
	s.defaultVnet(account)
	for _, v := range s.vnets {
		if v.AccountID == account && v.ID == id && !v.Deleted() {
			return v
		}
	}
	return nil
}

func (s *Server) createVnet(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	var in struct {
		Name      *string `json:"name"`
		Comment   string  `json:"comment"`
		IsDefault bool    `json:"is_default"`
	}
	if e := decodeBody(c, &in, CodeBadJSON); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: "Could not parse input. name is required"})
	}
	s.defaultVnet(account)
	for _, v := range s.vnets {
		if v.AccountID == account && v.Name == *in.Name && !v.Deleted() {
			return fail(http.StatusConflict, APIError{Code: CodeVnetNameExists, Message: fmt.Sprintf("A virtual network named %q already exists in this account", *in.Name)})
		}
	}
	v := &VirtualNetwork{ID: newUUID(), AccountID: account, Name: *in.Name, Comment: in.Comment, CreatedAt: time.Now().UTC()}
	s.vnets = append(s.vnets, v)
	if in.IsDefault {
		s.makeDefault(v)
	}
	s.log(Event{Time: v.CreatedAt, Kind: VnetCreated, AccountID: account, VnetID: v.ID, Name: v.Name})
	return ok(vnetJSON(v))
}

// makeDefault makes v its account's default virtual network (there is one at a time).
func (s *Server) makeDefault(v *VirtualNetwork) {
	for _, o := range s.vnets {
		if o.AccountID == v.AccountID {
			o.IsDefault = false
		}
	}
	v.IsDefault = true
}

func (s *Server) listVnets(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	s.defaultVnet(account)
	q := c.req.URL.Query()
	var matched []*VirtualNetwork
	for _, v := range s.vnets {
		switch {
		case v.AccountID != account,
			q.Has("id") && v.ID != q.Get("id"),
			q.Has("name") && v.Name != q.Get("name"),
			q.Get("is_default") != "" && fmt.Sprint(v.IsDefault) != q.Get("is_default"),
			q.Get("is_deleted") != "" && fmt.Sprint(v.Deleted()) != q.Get("is_deleted"):
			continue
		}
		matched = append(matched, v)
	}
	return listReply(c, matched, 20, 1000, vnetJSON)
}

func (s *Server) updateVnet(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	v := s.vnetByID(account, c.req.PathValue("vnet"))
	if v == nil {
		return fail(http.StatusNotFound, APIError{Code: CodeVnetNotFound, Message: "Virtual network not found"})
	}
	var in struct {
		Name      *string `json:"name"`
		Comment   *string `json:"comment"`
		IsDefault *bool   `json:"is_default_network"`
	}
	if e := decodeBody(c, &in, CodeBadJSON); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	if in.Name != nil && *in.Name != v.Name {
		for _, o := range s.vnets {
			if o.AccountID == account && o.Name == *in.Name && !o.Deleted() {
				return fail(http.StatusConflict, APIError{Code: CodeVnetNameExists, Message: fmt.Sprintf("A virtual network named %q already exists in this account", *in.Name)})
			}
		}
		v.Name = *in.Name
	}
	if in.Comment != nil {
		v.Comment = *in.Comment
	}
	if in.IsDefault != nil && *in.IsDefault {
		s.makeDefault(v)
	}
	return ok(vnetJSON(v))
}

func (s *Server) deleteVnet(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	v := s.vnetByID(account, c.req.PathValue("vnet"))
	switch {
	case v == nil:
		return fail(http.StatusNotFound, APIError{Code: CodeVnetNotFound, Message: "Virtual network not found"})
	case v.IsDefault:
		return fail(http.StatusBadRequest, APIError{Code: CodeVnetInUse, Message: "The default virtual network cannot be deleted"})
	}
	for _, r := range s.teamRoutes {
		if r.VirtualNetworkID == v.ID && !r.Deleted() {
			return fail(http.StatusBadRequest, APIError{Code: CodeVnetInUse, Message: fmt.Sprintf("Virtual network %s is used by route %s: delete its routes first", v.ID, r.Network)})
		}
	}
	v.DeletedAt = time.Now().UTC()
	s.log(Event{Time: v.DeletedAt, Kind: VnetDeleted, AccountID: account, VnetID: v.ID, Name: v.Name})
	return ok(vnetJSON(v))
}

// vnetJSON is a virtual network as the API shows it (cloudflare-go's TunnelVirtualNetwork).
func vnetJSON(v *VirtualNetwork) map[string]any {
	var deleted any
	if v.Deleted() {
		deleted = timestamp(v.DeletedAt)
	}
	return map[string]any{
		"id":                 v.ID,
		"name":               v.Name,
		"comment":            v.Comment,
		"is_default_network": v.IsDefault,
		"created_at":         timestamp(v.CreatedAt),
		"deleted_at":         deleted,
	}
}
