package cfapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Tunnels (cloudflare-go v0.114.0 tunnel.go, used by the provider's tunnel and tunnel config resources):
//
//	POST   /accounts/{a}/cfd_tunnel                      CreateTunnel {"name","tunnel_secret","config_src"} -> Tunnel
//	GET    /accounts/{a}/cfd_tunnel?name=&uuid=&...      ListTunnels -> []Tunnel + result_info
//	GET    /accounts/{a}/cfd_tunnel/{id}                 GetTunnel -> Tunnel (deleted tunnels too, deleted_at set)
//	DELETE /accounts/{a}/cfd_tunnel/{id}                 DeleteTunnel -> Tunnel
//	GET    /accounts/{a}/cfd_tunnel/{id}/token           GetTunnelToken -> the token as a plain string
//	GET    /accounts/{a}/cfd_tunnel/{id}/connections     ListTunnelConnections -> []Connection (connectors)
//	DELETE /accounts/{a}/cfd_tunnel/{id}/connections     CleanupTunnelConnections -> an object (decoded as a Tunnel:
//	                                                     an array breaks the client)
//	PUT    /accounts/{a}/cfd_tunnel/{id}/configurations  UpdateTunnelConfiguration {"config":{...}} -> {tunnel_id,version,config}
//	GET    /accounts/{a}/cfd_tunnel/{id}/configurations  GetTunnelConfiguration -> the same; the provider takes its id
//	                                                     from tunnel_id and re-reads config as an object

func (s *Server) tunnelRoutes() []route {
	return []route{
		{"POST /accounts/{account}/cfd_tunnel", s.createTunnel},
		{"GET /accounts/{account}/cfd_tunnel", s.listTunnels},
		{"GET /accounts/{account}/cfd_tunnel/{tunnel}", s.getTunnel},
		{"DELETE /accounts/{account}/cfd_tunnel/{tunnel}", s.deleteTunnel},
		{"GET /accounts/{account}/cfd_tunnel/{tunnel}/token", s.tunnelToken},
		{"GET /accounts/{account}/cfd_tunnel/{tunnel}/connections", s.listConnections},
		{"DELETE /accounts/{account}/cfd_tunnel/{tunnel}/connections", s.cleanupConnections},
		{"PUT /accounts/{account}/cfd_tunnel/{tunnel}/configurations", s.putConfiguration},
		{"GET /accounts/{account}/cfd_tunnel/{tunnel}/configurations", s.getConfiguration},
	}
}

func (s *Server) createTunnel(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	var in struct {
		Name      *string `json:"name"`
		Secret    *string `json:"tunnel_secret"`
		ConfigSrc *string `json:"config_src"`
	}
	if e := decodeBody(c, &in, CodeBadJSON); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	bad := func(msg string) reply {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: "Could not parse input. " + msg})
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return bad("name is required")
	}
	secret := base64.StdEncoding.EncodeToString(randomBytes(32)) // the real API makes one when none is sent
	if in.Secret != nil {
		raw, err := base64.StdEncoding.Strict().DecodeString(*in.Secret)
		if err != nil {
			return bad(fmt.Sprintf("tunnel_secret is not valid base64: %v", err))
		}
		if len(raw) < 32 {
			return bad(fmt.Sprintf("tunnel_secret must be at least 32 bytes, got %d", len(raw)))
		}
		secret = *in.Secret
	}
	configSrc := "local"
	if in.ConfigSrc != nil {
		configSrc = *in.ConfigSrc
		if configSrc != "local" && configSrc != "cloudflare" {
			return bad(fmt.Sprintf("unknown variant `%s`, expected `local` or `cloudflare`", configSrc))
		}
	}
	for _, t := range s.tunnels {
		if t.AccountID == account && t.Name == *in.Name && !t.Deleted() {
			return fail(http.StatusConflict, APIError{Code: CodeTunnelNameExists, Message: "You already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new tunnel"})
		}
	}
	t := &tunnel{Tunnel: Tunnel{
		ID: newUUID(), AccountID: account, Name: *in.Name, Secret: secret, ConfigSrc: configSrc, CreatedAt: time.Now().UTC(),
	}}
	t.Token = makeToken(account, t.ID, secret)
	s.tunnels = append(s.tunnels, t)
	s.log(Event{Time: t.CreatedAt, Kind: TunnelCreated, AccountID: account, TunnelID: t.ID, TunnelName: t.Name})
	out := s.tunnelJSON(t)
	out["token"] = t.Token
	return ok(out)
}

// makeToken makes a token in the format cloudflared reads: base64 of {"a":account,"t":tunnel id,"s":secret}.
func makeToken(account, id, secret string) string {
	b, _ := json.Marshal(struct {
		A string `json:"a"`
		T string `json:"t"`
		S string `json:"s"`
	}{account, id, secret})
	return base64.StdEncoding.EncodeToString(b)
}

func (s *Server) listTunnels(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	q := c.req.URL.Query()
	var matched []*tunnel
	for _, t := range s.tunnels {
		switch {
		case t.AccountID != account,
			q.Has("name") && t.Name != q.Get("name"),
			q.Has("uuid") && t.ID != q.Get("uuid"),
			q.Get("is_deleted") == "true" && !t.Deleted(),
			q.Get("is_deleted") == "false" && t.Deleted(),
			q.Has("include_prefix") && !strings.HasPrefix(t.Name, q.Get("include_prefix")),
			q.Has("exclude_prefix") && strings.HasPrefix(t.Name, q.Get("exclude_prefix")):
			continue
		}
		matched = append(matched, t)
	}
	return listReply(c, matched, 20, 1000, s.tunnelJSON)
}

// tunnelIn finds the tunnel of the call's path; live requires it not to be deleted.
func (s *Server) tunnelIn(c *call, live bool) (*tunnel, *reply) {
	account, id := c.req.PathValue("account"), c.req.PathValue("tunnel")
	if !s.accounts[account] {
		r := couldNotRoute(c)
		return nil, &r
	}
	t := s.tunnelByID(id)
	if t == nil || t.AccountID != account {
		r := fail(http.StatusNotFound, APIError{Code: CodeTunnelNotFound, Message: fmt.Sprintf("Tunnel %s not found", id)})
		return nil, &r
	}
	if live && t.Deleted() {
		r := fail(http.StatusNotFound, APIError{Code: CodeTunnelNotFound, Message: fmt.Sprintf("Tunnel %s was deleted at %s", id, timestamp(t.DeletedAt))})
		return nil, &r
	}
	return t, nil
}

func (s *Server) getTunnel(c *call) reply {
	t, r := s.tunnelIn(c, false)
	if r != nil {
		return *r
	}
	return ok(s.tunnelJSON(t))
}

func (s *Server) tunnelToken(c *call) reply {
	t, r := s.tunnelIn(c, true)
	if r != nil {
		return *r
	}
	return ok(t.Token)
}

func (s *Server) deleteTunnel(c *call) reply {
	t, r := s.tunnelIn(c, true)
	if r != nil {
		return *r
	}
	n := s.connectorsOf(t.ID)
	if n > 0 && c.req.URL.Query().Get("cascade") != "true" {
		return fail(http.StatusBadRequest, APIError{Code: CodeTunnelHasConnections, Message: fmt.Sprintf(
			"Cannot delete tunnel %s because it has %d active connector(s); stop them first", t.ID, n)})
	}
	t.DeletedAt = time.Now().UTC()
	s.log(Event{Time: t.DeletedAt, Kind: TunnelDeleted, AccountID: t.AccountID, TunnelID: t.ID, TunnelName: t.Name, Connectors: n})
	for _, rec := range s.records {
		if rec.TunnelID() == t.ID {
			s.violate("tunnel %s (%s) deleted while DNS record %s (%s, zone %s) still points at it", t.ID, t.Name, rec.Name, rec.ID, rec.ZoneName)
		}
	}
	for _, r := range s.teamRoutes {
		if r.TunnelID == t.ID && !r.Deleted() {
			s.violate("tunnel %s (%s) deleted while route %s (virtual network %s) still points at it", t.ID, t.Name, r.Network, r.VirtualNetworkID)
		}
	}
	return ok(s.tunnelJSON(t))
}

func (s *Server) cleanupConnections(c *call) reply {
	t, r := s.tunnelIn(c, true)
	if r != nil {
		return *r
	}
	s.log(Event{Time: time.Now().UTC(), Kind: ConnectionsCleaned, AccountID: t.AccountID, TunnelID: t.ID, TunnelName: t.Name})
	return ok(map[string]any{})
}

func (s *Server) listConnections(c *call) reply {
	t, r := s.tunnelIn(c, false)
	if r != nil {
		return *r
	}
	version := 0
	if cfg := s.configs[t.ID]; cfg != nil {
		version = cfg.Version
	}
	clients := []any{}
	for i := range s.liveConnectors(t) {
		clients = append(clients, map[string]any{
			"id":             connectorID(t.ID, i),
			"features":       []string{"ha-origin", "serialized_headers", "support_datagram_v3"},
			"version":        "2025.8.1",
			"arch":           "linux_amd64",
			"config_version": version,
			"run_at":         timestamp(t.activeSince),
			"conns":          connections(t, i),
		})
	}
	return ok(clients)
}

// liveConnectors is Options.Connectors for a tunnel that is not deleted; it notes when the tunnel was first
// seen with connectors.
func (s *Server) liveConnectors(t *tunnel) int {
	if t.Deleted() {
		return 0
	}
	n := s.connectorsOf(t.ID)
	if n > 0 && t.activeSince.IsZero() {
		t.activeSince = time.Now().UTC()
	}
	return n
}

// tunnelJSON is a tunnel as the API shows it (cloudflare-go's Tunnel: the provider reads id, name and, for
// config_src, remote_config).
func (s *Server) tunnelJSON(t *tunnel) map[string]any {
	n := s.liveConnectors(t)
	conns := []any{}
	for i := range n {
		conns = append(conns, connections(t, i)...)
	}
	status := "inactive"
	switch {
	case n > 0:
		status = "healthy"
	case !t.activeSince.IsZero():
		status = "down"
	}
	var deletedAt, activeAt any
	if t.Deleted() {
		deletedAt = timestamp(t.DeletedAt)
	}
	if !t.activeSince.IsZero() {
		activeAt = timestamp(t.activeSince)
	}
	return map[string]any{
		"id":                t.ID,
		"account_tag":       t.AccountID,
		"name":              t.Name,
		"created_at":        timestamp(t.CreatedAt),
		"deleted_at":        deletedAt,
		"connections":       conns,
		"conns_active_at":   activeAt,
		"conns_inactive_at": nil,
		"tun_type":          "cfd_tunnel",
		"status":            status,
		"remote_config":     t.ConfigSrc == "cloudflare",
		"config_src":        t.ConfigSrc,
		"metadata":          map[string]any{},
	}
}

// connections are the 4 edge connections of connector i.
func connections(t *tunnel, i int) []any {
	colos := []string{"ams01", "fra06", "ams08", "fra13"}
	out := make([]any, 0, len(colos))
	for j, colo := range colos {
		out = append(out, map[string]any{
			"id":                   derivedUUID(fmt.Sprintf("%s/connector/%d/conn/%d", t.ID, i, j)),
			"colo_name":            colo,
			"is_pending_reconnect": false,
			"client_id":            connectorID(t.ID, i),
			"client_version":       "2025.8.1",
			"opened_at":            timestamp(t.activeSince),
			"origin_ip":            fmt.Sprintf("10.0.0.%d", i+1),
		})
	}
	return out
}

func connectorID(tunnelID string, i int) string {
	return derivedUUID(fmt.Sprintf("%s/connector/%d", tunnelID, i))
}

func (s *Server) putConfiguration(c *call) reply {
	t, r := s.tunnelIn(c, true)
	if r != nil {
		return *r
	}
	var in struct {
		Config json.RawMessage `json:"config"`
	}
	if e := decodeBody(c, &in, CodeBadJSON); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	var parsed struct {
		Ingress []IngressRule `json:"ingress"`
	}
	if len(in.Config) == 0 || in.Config[0] != '{' || json.Unmarshal(in.Config, &parsed) != nil {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: "Could not parse input. config must be an object with an ingress list"})
	}
	if err := validateIngress(parsed.Ingress); err != nil {
		return fail(http.StatusBadRequest, APIError{Code: CodeBadConfiguration, Message: "Bad Configuration: Validation failed: " + err.Error() + "\n"})
	}
	cfg := &Configuration{
		TunnelID:  t.ID,
		Version:   1,
		Config:    append(json.RawMessage(nil), in.Config...),
		Ingress:   parsed.Ingress,
		UpdatedAt: time.Now().UTC(),
	}
	if prev := s.configs[t.ID]; prev != nil {
		cfg.Version = prev.Version + 1
	}
	s.configs[t.ID] = cfg
	s.log(Event{Time: cfg.UpdatedAt, Kind: ConfigPut, AccountID: t.AccountID, TunnelID: t.ID, TunnelName: t.Name, Version: cfg.Version, Ingress: append([]IngressRule(nil), cfg.Ingress...)})
	return ok(configJSON(t, cfg))
}

func (s *Server) getConfiguration(c *call) reply {
	t, r := s.tunnelIn(c, true)
	if r != nil {
		return *r
	}
	cfg := s.configs[t.ID]
	if cfg == nil {
		cfg = &Configuration{TunnelID: t.ID, Config: json.RawMessage("null"), UpdatedAt: t.CreatedAt}
	}
	return ok(configJSON(t, cfg))
}

// configJSON is a configuration as the API shows it: config exactly as PUT, plus the fields the API adds.
func configJSON(t *tunnel, cfg *Configuration) map[string]any {
	return map[string]any{
		"account_id": t.AccountID,
		"tunnel_id":  t.ID,
		"version":    cfg.Version,
		"config":     cfg.Config,
		"source":     "cloudflare",
		"created_at": timestamp(cfg.UpdatedAt),
	}
}

// validateIngress applies cloudflared's checks of ingress rules (ingress.validateIngress and validateHostname),
// with cloudflared's messages, which the real API passes on.
func validateIngress(rules []IngressRule) error {
	if len(rules) == 0 {
		return errors.New("The config file doesn't contain any ingress rules")
	}
	for i, r := range rules {
		if err := validateService(r.Service); err != nil {
			return err
		}
		if _, _, err := net.SplitHostPort(r.Hostname); err == nil {
			return errors.New("Hostname cannot contain a port")
		}
		if strings.LastIndex(r.Hostname, "*") > 0 {
			return errors.New(`Hostname patterns can have at most one wildcard character ("*") and it can only be used for subdomains, e.g. "*.example.com"`)
		}
		catchAll := (r.Hostname == "" || r.Hostname == "*") && r.Path == ""
		last := i == len(rules)-1
		if last && !catchAll {
			return errors.New("The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)")
		}
		if !last && catchAll {
			return fmt.Errorf("Rule #%d is matching the hostname '%s', but this will match every hostname, meaning the rules which follow it will never be triggered.", i+1, r.Hostname)
		}
		if r.Path != "" {
			if _, err := regexp.Compile(r.Path); err != nil {
				return fmt.Errorf("Rule #%d has an invalid regex: %w", i+1, err)
			}
		}
	}
	return nil
}

func validateService(svc string) error {
	switch {
	case strings.HasPrefix(svc, "unix:"), strings.HasPrefix(svc, "unix+tls:"):
		return nil
	case strings.HasPrefix(svc, "http_status:"):
		if _, err := strconv.Atoi(strings.TrimPrefix(svc, "http_status:")); err != nil {
			return fmt.Errorf("invalid HTTP status: %w", err)
		}
		return nil
	case svc == "hello_world", svc == "hello-world", svc == "helloworld", svc == "socks-proxy", svc == "bastion":
		return nil
	}
	u, err := url.Parse(svc)
	if err != nil {
		return err
	}
	if u.Scheme == "" || u.Hostname() == "" {
		return fmt.Errorf("%s is an invalid address, please make sure it has a scheme and a hostname", svc)
	}
	if u.Path != "" {
		return fmt.Errorf("%s is an invalid address, ingress rules don't support proxying to a different path on the origin service. The path will be the same as the eyeball request's path", svc)
	}
	return nil
}
