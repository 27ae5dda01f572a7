package cfapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TunnelCNAMESuffix is the domain of tunnel CNAME targets: a record for a tunnel points at
// "<tunnel id>.cfargotunnel.com".
const TunnelCNAMESuffix = ".cfargotunnel.com"

// Tunnel is a tunnel as the fake holds it.
type Tunnel struct {
	// ID is the tunnel's UUID.
	ID string
	// AccountID is the account that owns it.
	AccountID string
	// Name is its name.
	Name string
	// Secret is tunnel_secret exactly as received (base64), or the one the fake generated if none was sent.
	Secret string
	// ConfigSrc is "cloudflare" (remotely managed) or "local".
	ConfigSrc string
	// Token is what GET .../token answers: base64 of {"a":"<account>","t":"<tunnel id>","s":"<Secret>"}.
	Token string
	// CreatedAt is when it was created.
	CreatedAt time.Time
	// DeletedAt is when it was deleted; zero while it exists.
	DeletedAt time.Time
}

// Deleted reports whether the tunnel was deleted.
func (t Tunnel) Deleted() bool { return !t.DeletedAt.IsZero() }

// CNAME is the target DNS records point at: "<id>.cfargotunnel.com".
func (t Tunnel) CNAME() string { return t.ID + TunnelCNAMESuffix }

// tunnel is the fake's record of a tunnel.
type tunnel struct {
	Tunnel
	activeSince time.Time // first time Connectors reported a connector; zero if never
}

// Configuration is the last configuration PUT for a tunnel.
type Configuration struct {
	// TunnelID is the tunnel.
	TunnelID string
	// Version counts the PUTs, from 1.
	Version int
	// Config is the "config" object exactly as PUT; GET answers with it.
	Config json.RawMessage
	// Ingress are the rules of Config, in order.
	Ingress []IngressRule
	// UpdatedAt is when it was PUT.
	UpdatedAt time.Time
}

// IngressRule is the routing part of an ingress rule (its originRequest stays in Configuration.Config).
type IngressRule struct {
	Hostname string `json:"hostname,omitempty"`
	Path     string `json:"path,omitempty"`
	Service  string `json:"service"`
}

// Record is a DNS record.
type Record struct {
	// ID is 32 hex characters.
	ID string
	// ZoneID and ZoneName are the record's zone.
	ZoneID, ZoneName string
	// Name is the fully qualified name, lower case, e.g. "app.example.com".
	Name string
	// Type is e.g. "CNAME".
	Type string
	// Content is e.g. "<tunnel id>.cfargotunnel.com".
	Content string
	// Proxied tells whether traffic goes through Cloudflare's edge.
	Proxied bool
	// TTL is 1 (automatic) or seconds.
	TTL int
	// Comment and Tags are as sent.
	Comment string
	Tags    []string
	// Priority is set for records that have one (MX, URI).
	Priority *int
	// CreatedOn and ModifiedOn are the record's timestamps.
	CreatedOn, ModifiedOn time.Time
}

// TunnelID returns the tunnel a CNAME points at ("" if it is not a CNAME to <id>.cfargotunnel.com).
func (r Record) TunnelID() string {
	if r.Type != "CNAME" {
		return ""
	}
	return tunnelOfTarget(r.Content)
}

// EventKind names a state change.
type EventKind string

// The state changes the fake logs.
const (
	TunnelCreated       EventKind = "tunnel created"
	TunnelDeleted       EventKind = "tunnel deleted"
	ConnectionsCleaned  EventKind = "tunnel connections cleaned"
	ConfigPut           EventKind = "tunnel configuration put"
	RecordCreated       EventKind = "record created"
	RecordUpdated       EventKind = "record updated"
	RecordDeleted       EventKind = "record deleted"
	VnetCreated         EventKind = "virtual network created"
	VnetDeleted         EventKind = "virtual network deleted"
	RouteCreated        EventKind = "route created"
	RouteUpdated        EventKind = "route updated"
	RouteDeleted        EventKind = "route deleted"
	AccessAppCreated    EventKind = "access application created"
	AccessAppUpdated    EventKind = "access application updated"
	AccessAppDeleted    EventKind = "access application deleted"
	AccessPolicyCreated EventKind = "access policy created"
	AccessPolicyUpdated EventKind = "access policy updated"
	AccessPolicyDeleted EventKind = "access policy deleted"
	ServiceTokenCreated EventKind = "service token created"
	ServiceTokenUpdated EventKind = "service token updated"
	ServiceTokenDeleted EventKind = "service token deleted"
)

// Event is one state change. Fields that do not apply to the kind are empty.
type Event struct {
	// Time is when it happened.
	Time time.Time
	// Kind is what happened.
	Kind EventKind
	// AccountID, TunnelID and TunnelName name the tunnel of tunnel and configuration events.
	AccountID, TunnelID, TunnelName string
	// Version and Ingress describe a ConfigPut.
	Version int
	Ingress []IngressRule
	// ZoneID, RecordID, Name, Type and Content describe the record of record events (for RecordDeleted its
	// last content).
	ZoneID, RecordID, Name, Type, Content string
	// OldContent is a RecordUpdated's previous content, a RouteUpdated's previous tunnel id.
	OldContent string
	// VnetID is the virtual network of virtual network and route events (Name: a virtual network's name,
	// Content: a route's network, TunnelID: its tunnel).
	VnetID string
	// AccessID and AccessName name the object of Access events: an application (its domain), a policy or a
	// service token (their names).
	AccessID, AccessName string
	// Connectors, with Options.Connectors, is the number of connectors of the tunnel the record points at
	// after a RecordCreated or RecordUpdated (0 for a record that points at no tunnel), and of the tunnel
	// at its TunnelDeleted; OldConnectors is that of the tunnel a RecordUpdated or RecordDeleted pointed at
	// before. Visitors of the record's name get Cloudflare error 1033 while it points at a tunnel without.
	Connectors, OldConnectors int
}

// String renders the event for logs.
func (e Event) String() string {
	at := e.Time.Format("15:04:05.000000")
	switch e.Kind {
	case ConfigPut:
		var rules []string
		for _, r := range e.Ingress {
			host := r.Hostname
			if host == "" {
				host = "*"
			}
			rules = append(rules, host+r.Path+" -> "+r.Service)
		}
		return fmt.Sprintf("%s %s: %s (%s) v%d [%s]", at, e.Kind, e.TunnelID, e.TunnelName, e.Version, strings.Join(rules, ", "))
	case RecordCreated:
		return fmt.Sprintf("%s %s: %s %s %s (%s; %d connectors)", at, e.Kind, e.Type, e.Name, e.Content, e.RecordID, e.Connectors)
	case RecordDeleted:
		return fmt.Sprintf("%s %s: %s %s %s (%s)", at, e.Kind, e.Type, e.Name, e.Content, e.RecordID)
	case RecordUpdated:
		return fmt.Sprintf("%s %s: %s %s %s -> %s (%s; connectors %d -> %d)", at, e.Kind, e.Type, e.Name, e.OldContent, e.Content, e.RecordID, e.OldConnectors, e.Connectors)
	case VnetCreated, VnetDeleted:
		return fmt.Sprintf("%s %s: %s (%s)", at, e.Kind, e.Name, e.VnetID)
	case RouteCreated, RouteUpdated, RouteDeleted:
		return fmt.Sprintf("%s %s: %s in %s -> tunnel %s", at, e.Kind, e.Content, e.VnetID, e.TunnelID)
	case AccessAppCreated, AccessAppUpdated, AccessAppDeleted, AccessPolicyCreated, AccessPolicyUpdated,
		AccessPolicyDeleted, ServiceTokenCreated, ServiceTokenUpdated, ServiceTokenDeleted:
		return fmt.Sprintf("%s %s: %s (%s)", at, e.Kind, e.AccessName, e.AccessID)
	default:
		return fmt.Sprintf("%s %s: %s (%s)", at, e.Kind, e.TunnelID, e.TunnelName)
	}
}

// Tunnels returns every tunnel, deleted ones included, in creation order.
func (s *Server) Tunnels() []Tunnel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Tunnel, 0, len(s.tunnels))
	for _, t := range s.tunnels {
		out = append(out, t.Tunnel)
	}
	return out
}

// Zones returns the zones the fake serves, with their ids and accounts filled in.
func (s *Server) Zones() []Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Zone, 0, len(s.zones))
	for _, z := range s.zones {
		out = append(out, *z)
	}
	return out
}

// Configuration returns the last configuration PUT for a tunnel (kept after the tunnel's deletion).
func (s *Server) Configuration(tunnelID string) (Configuration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.configs[tunnelID]
	if !found {
		return Configuration{}, false
	}
	cp := *c
	cp.Config = slices.Clone(c.Config)
	cp.Ingress = slices.Clone(c.Ingress)
	return cp, true
}

// Records returns the DNS records of a zone ("" for every zone), in creation order.
func (s *Server) Records(zoneID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.records {
		if zoneID == "" || r.ZoneID == zoneID {
			cp := *r
			cp.Tags = slices.Clone(r.Tags)
			if r.Priority != nil {
				p := *r.Priority
				cp.Priority = &p
			}
			out = append(out, cp)
		}
	}
	return out
}

// Events returns the state changes so far, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Violations returns the ordering problems detected when they happened: a tunnel deleted while a CNAME still
// pointed at it, a record pointed at a tunnel that does not exist, is deleted, or belongs to another account
// than the record's zone. Empty means none.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// Resolve models the edge: the tunnel of a hostname is the one its CNAME (or the zone's wildcard CNAME) points
// at. It returns that tunnel's id (when the hostname has a CNAME to <id>.cfargotunnel.com), the number of its
// connectors (Options.Connectors), and ok, which is true only if the record is proxied and the tunnel exists
// and is not deleted, i.e. the hostname would reach a tunnel.
func (s *Server) Resolve(hostname string) (tunnelID string, connectors int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(strings.TrimSuffix(hostname, "."))
	r := s.cnameFor(name)
	if r == nil {
		if _, parent, found := strings.Cut(name, "."); found {
			r = s.cnameFor("*." + parent)
		}
	}
	if r == nil {
		return "", 0, false
	}
	tunnelID = r.TunnelID()
	t := s.tunnelByID(tunnelID)
	if tunnelID == "" || !r.Proxied || t == nil || t.Deleted() {
		return tunnelID, 0, false
	}
	return tunnelID, s.connectorsOf(tunnelID), true
}

func (s *Server) cnameFor(name string) *Record {
	for _, r := range s.records {
		if r.Name == name && r.Type == "CNAME" {
			return r
		}
	}
	return nil
}

func (s *Server) tunnelByID(id string) *tunnel {
	for _, t := range s.tunnels {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (s *Server) connectorsOf(tunnelID string) int {
	if s.connectors == nil || tunnelID == "" {
		return 0
	}
	return max(s.connectors(tunnelID), 0)
}

func (s *Server) zoneByID(id string) *Zone {
	for _, z := range s.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

func (s *Server) log(e Event) { s.events = append(s.events, e) }

func (s *Server) violate(format string, args ...any) {
	v := fmt.Sprintf(format, args...)
	s.violations = append(s.violations, v)
	s.t.Logf("cfapi: violation: %s", v)
}

// checkTarget records a violation if a record points at a tunnel that cannot serve it.
func (s *Server) checkTarget(r *Record, verb string) {
	id := r.TunnelID()
	if id == "" {
		return
	}
	t := s.tunnelByID(id)
	zone := s.zoneByID(r.ZoneID)
	switch {
	case t == nil:
		s.violate("DNS record %s (%s) %s to point at tunnel %s, which does not exist", r.Name, r.ID, verb, id)
	case t.Deleted():
		s.violate("DNS record %s (%s) %s to point at tunnel %s (%s), which was deleted at %s", r.Name, r.ID, verb, id, t.Name, timestamp(t.DeletedAt))
	case zone != nil && zone.AccountID != t.AccountID:
		s.violate("DNS record %s (%s) %s to point at tunnel %s of account %s, but zone %s belongs to account %s", r.Name, r.ID, verb, id, t.AccountID, zone.Name, zone.AccountID)
	}
}

// tunnelOfTarget returns <id> of "<id>.cfargotunnel.com" ("" otherwise).
func tunnelOfTarget(content string) string {
	c := strings.ToLower(strings.TrimSuffix(content, "."))
	id, found := strings.CutSuffix(c, TunnelCNAMESuffix)
	if !found || id == "" || strings.Contains(id, ".") {
		return ""
	}
	return id
}
