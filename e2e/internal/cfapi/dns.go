package cfapi

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DNS records (cloudflare-go v0.114.0 dns.go, used by the provider's record resource):
//
//	POST   /zones/{z}/dns_records                  CreateDNSRecord {"type","name","content","ttl","proxied","comment",...} -> DNSRecord
//	GET    /zones/{z}/dns_records?name=&type=&...  ListDNSRecords (the provider's allow_overwrite path) -> []DNSRecord + result_info
//	GET    /zones/{z}/dns_records/{id}             GetDNSRecord -> DNSRecord (404 makes the provider drop the record from its state)
//	PATCH  /zones/{z}/dns_records/{id}             UpdateDNSRecord (only the fields sent change; tags is always sent) -> DNSRecord
//	PUT    /zones/{z}/dns_records/{id}             overwrite (not used by cloudflare-go v0.114.0) -> DNSRecord
//	DELETE /zones/{z}/dns_records/{id}             DeleteDNSRecord -> {"id"}
//
// Names are answered fully qualified; "@" and the zone's name mean the apex, a single label is relative to the
// zone. The provider's create retries for its whole timeout on any error whose message contains "already exist"
// (the 8105x conflicts), then fails with "expected DNS record to not already be present but already exists".

func (s *Server) dnsRoutes() []route {
	return []route{
		{"POST /zones/{zone}/dns_records", s.createRecord},
		{"GET /zones/{zone}/dns_records", s.listRecords},
		{"GET /zones/{zone}/dns_records/{record}", s.getRecord},
		{"PATCH /zones/{zone}/dns_records/{record}", s.updateRecord},
		{"PUT /zones/{zone}/dns_records/{record}", s.updateRecord},
		{"DELETE /zones/{zone}/dns_records/{record}", s.deleteRecord},
	}
}

// recordInput is a record request's body; nil fields were not sent.
type recordInput struct {
	Type     *string   `json:"type"`
	Name     *string   `json:"name"`
	Content  *string   `json:"content"`
	TTL      *int      `json:"ttl"`
	Proxied  *bool     `json:"proxied"`
	Comment  *string   `json:"comment"`
	Tags     *[]string `json:"tags"`
	Priority *int      `json:"priority"`
}

// apply sets the fields that were sent.
func (in recordInput) apply(r *Record) {
	if in.Type != nil {
		r.Type = strings.ToUpper(*in.Type)
	}
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Content != nil {
		r.Content = *in.Content
	}
	if in.TTL != nil {
		r.TTL = *in.TTL
	}
	if in.Proxied != nil {
		r.Proxied = *in.Proxied
	}
	if in.Comment != nil {
		r.Comment = *in.Comment
	}
	if in.Tags != nil {
		r.Tags = slices.Clone(*in.Tags)
	}
	if in.Priority != nil {
		p := *in.Priority
		r.Priority = &p
	}
}

func (s *Server) createRecord(c *call) reply {
	z := s.zoneByID(c.req.PathValue("zone"))
	if z == nil {
		return couldNotRoute(c)
	}
	var in recordInput
	if e := decodeBody(c, &in, CodeDNSValidation); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	r := &Record{ID: randomHex(16), ZoneID: z.ID, ZoneName: z.Name, TTL: 1}
	in.apply(r)
	if rep := s.validateRecord(z, r); rep != nil {
		return *rep
	}
	r.CreatedOn = time.Now().UTC()
	r.ModifiedOn = r.CreatedOn
	s.records = append(s.records, r)
	s.log(Event{Time: r.CreatedOn, Kind: RecordCreated, ZoneID: z.ID, RecordID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content,
		Connectors: s.connectorsOf(r.TunnelID())})
	s.checkTarget(r, "created")
	return ok(recordJSON(r))
}

func (s *Server) listRecords(c *call) reply {
	z := s.zoneByID(c.req.PathValue("zone"))
	if z == nil {
		return couldNotRoute(c)
	}
	q := c.req.URL.Query()
	name := strings.ToLower(strings.TrimSuffix(firstOf(q.Get("name"), q.Get("name.exact")), "."))
	content := firstOf(q.Get("content"), q.Get("content.exact"))
	var matched []*Record
	for _, r := range s.records {
		switch {
		case r.ZoneID != z.ID,
			name != "" && r.Name != name,
			q.Get("type") != "" && r.Type != strings.ToUpper(q.Get("type")),
			content != "" && r.Content != content,
			q.Get("proxied") != "" && fmt.Sprint(r.Proxied) != q.Get("proxied"):
			continue
		}
		matched = append(matched, r)
	}
	return listReply(c, matched, 100, 5000, recordJSON)
}

// recordIn finds the record of the call's path.
func (s *Server) recordIn(c *call) (*Zone, *Record, *reply) {
	z := s.zoneByID(c.req.PathValue("zone"))
	if z == nil {
		r := couldNotRoute(c)
		return nil, nil, &r
	}
	id := c.req.PathValue("record")
	for _, r := range s.records {
		if r.ID == id && r.ZoneID == z.ID {
			return z, r, nil
		}
	}
	r := fail(http.StatusNotFound, APIError{Code: CodeRecordNotFound, Message: "Record does not exist."})
	return nil, nil, &r
}

func (s *Server) getRecord(c *call) reply {
	_, r, rep := s.recordIn(c)
	if rep != nil {
		return *rep
	}
	return ok(recordJSON(r))
}

// updateRecord is PATCH (the fields sent change) and PUT (the record is replaced by what was sent).
func (s *Server) updateRecord(c *call) reply {
	z, r, rep := s.recordIn(c)
	if rep != nil {
		return *rep
	}
	var in recordInput
	if e := decodeBody(c, &in, CodeDNSValidation); e != nil {
		return fail(http.StatusBadRequest, *e)
	}
	next := *r
	if c.req.Method == http.MethodPut {
		next = Record{ID: r.ID, ZoneID: r.ZoneID, ZoneName: r.ZoneName, TTL: 1, CreatedOn: r.CreatedOn}
	}
	next.Tags = slices.Clone(next.Tags)
	in.apply(&next)
	if rep := s.validateRecord(z, &next); rep != nil {
		return *rep
	}
	next.ModifiedOn = time.Now().UTC()
	old := r.Content
	*r = next
	s.log(Event{Time: r.ModifiedOn, Kind: RecordUpdated, ZoneID: z.ID, RecordID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content, OldContent: old,
		Connectors: s.connectorsOf(r.TunnelID()), OldConnectors: s.connectorsOf(tunnelOfTarget(old))})
	s.checkTarget(r, "updated")
	return ok(recordJSON(r))
}

func (s *Server) deleteRecord(c *call) reply {
	z, r, rep := s.recordIn(c)
	if rep != nil {
		return *rep
	}
	s.records = slices.DeleteFunc(s.records, func(x *Record) bool { return x == r })
	s.log(Event{Time: time.Now().UTC(), Kind: RecordDeleted, ZoneID: z.ID, RecordID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content,
		OldConnectors: s.connectorsOf(r.TunnelID())})
	return ok(map[string]any{"id": r.ID})
}

// validateRecord normalises r (fully qualified name, content without a trailing dot) and checks it, and that it
// does not conflict with the zone's other records.
func (s *Server) validateRecord(z *Zone, r *Record) *reply {
	invalid := func(code int, format string, args ...any) *reply {
		rep := fail(http.StatusBadRequest, APIError{Code: code, Message: fmt.Sprintf(format, args...)})
		return &rep
	}
	if r.Type == "" {
		return invalid(CodeDNSValidation, "DNS Validation Error: type is required.")
	}
	name, err := fqdn(z.Name, r.Name)
	if err != nil {
		return invalid(CodeDNSValidation, "DNS Validation Error: %v", err)
	}
	r.Name = name
	r.Content = strings.TrimSuffix(strings.TrimSpace(r.Content), ".")
	if r.Content == "" {
		return invalid(CodeDNSValidation, "DNS Validation Error: content is required for a %s record.", r.Type)
	}
	switch r.Type {
	case "A":
		if ip := net.ParseIP(r.Content); ip == nil || ip.To4() == nil {
			return invalid(CodeDNSValidation, "Content for A record must be a valid IPv4 address.")
		}
	case "AAAA":
		if ip := net.ParseIP(r.Content); ip == nil || ip.To4() != nil {
			return invalid(CodeDNSValidation, "Content for AAAA record must be a valid IPv6 address.")
		}
	case "CNAME":
		if !isHostname(r.Content) {
			return invalid(CodeInvalidCNAME, "Content for CNAME record is invalid.")
		}
	}
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return invalid(CodeDNSValidation, "DNS Validation Error: ttl %d must be between 60 and 86400 seconds, or 1 for automatic.", r.TTL)
	}
	if r.Proxied {
		if !proxiable(r.Type) {
			return invalid(CodeDNSValidation, "DNS Validation Error: %s records cannot be proxied.", r.Type)
		}
		if r.TTL != 1 {
			return invalid(CodeDNSValidation, "DNS Validation Error: ttl must be 1 (automatic) for a proxied record, got %d.", r.TTL)
		}
	}
	for _, o := range s.records {
		if o.ZoneID != z.ID || o.ID == r.ID || o.Name != r.Name {
			continue
		}
		switch {
		case r.Type == "CNAME":
			return invalid(CodeNameHasRecord, "An A, AAAA, or CNAME record with that host already exists.")
		case o.Type == "CNAME":
			return invalid(CodeNameHasCNAME, "A CNAME record with that host already exists.")
		case o.Type == r.Type && strings.EqualFold(o.Content, r.Content):
			return invalid(CodeRecordExists, "Record already exists.")
		}
	}
	return nil
}

// fqdn makes a record name fully qualified in zone: "@" and the zone are the apex, a name ending in the zone is
// kept, a single label is relative to the zone. Any other name is refused (the real API would append the zone,
// e.g. "app.other.com.example.com"; the fake refuses it so that a hostname of the wrong zone shows).
func fqdn(zone, name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	switch {
	case n == "":
		return "", fmt.Errorf("name is required (use @ for the zone apex).")
	case n == "@" || n == zone:
		return zone, nil
	case strings.HasSuffix(n, "."+zone):
		return n, nil
	case !strings.Contains(n, "."):
		return n + "." + zone, nil
	}
	return "", fmt.Errorf("record name %q is not inside zone %q.", name, zone)
}

var hostLabel = regexp.MustCompile(`^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$`)

// isHostname reports whether s is a DNS hostname (not an IP address).
func isHostname(s string) bool {
	if s == "" || len(s) > 253 || net.ParseIP(s) != nil {
		return false
	}
	for _, l := range strings.Split(strings.ToLower(s), ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func proxiable(recordType string) bool {
	return recordType == "A" || recordType == "AAAA" || recordType == "CNAME"
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// recordJSON is a record as the API shows it (cloudflare-go's DNSRecord: meta must be an object, the provider
// turns it into a map).
func recordJSON(r *Record) map[string]any {
	var comment any
	if r.Comment != "" {
		comment = r.Comment
	}
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	out := map[string]any{
		"id":          r.ID,
		"zone_id":     r.ZoneID,
		"zone_name":   r.ZoneName,
		"name":        r.Name,
		"type":        r.Type,
		"content":     r.Content,
		"proxiable":   proxiable(r.Type),
		"proxied":     r.Proxied,
		"ttl":         r.TTL,
		"locked":      false,
		"comment":     comment,
		"tags":        tags,
		"settings":    map[string]any{},
		"meta":        map[string]any{"auto_added": false, "managed_by_apps": false, "managed_by_argo_tunnel": false},
		"created_on":  timestamp(r.CreatedOn),
		"modified_on": timestamp(r.ModifiedOn),
	}
	if r.Priority != nil {
		out["priority"] = *r.Priority
	}
	return out
}
