package cfapi

import (
	"strings"
	"time"
)

// Zones: the cloudflare_zone data source (invoke LookupZone) lists zones by name and account
// (cloudflare-go ListZonesContext: GET /zones?account.id=<a>&name=<zone>&per_page=50, reading
// result_info.total_count) or reads one (ZoneDetails: GET /zones/{zone}); the record resource reads a zone when
// it overwrites an existing record (allow_overwrite).

// zoneEpoch is the creation time the fake reports for every zone.
var zoneEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *Server) zoneRoutes() []route {
	return []route{
		{"GET /zones", s.listZones},
		{"GET /zones/{zone}", s.getZone},
	}
}

func (s *Server) listZones(c *call) reply {
	q := c.req.URL.Query()
	name := strings.ToLower(strings.TrimSuffix(q.Get("name"), "."))
	account := q.Get("account.id")
	status := q.Get("status")
	var matched []*Zone
	for _, z := range s.zones {
		if (name == "" || z.Name == name) && (account == "" || z.AccountID == account) && (status == "" || status == "active") {
			matched = append(matched, z)
		}
	}
	return listReply(c, matched, 20, 50, zoneJSON)
}

func (s *Server) getZone(c *call) reply {
	z := s.zoneByID(c.req.PathValue("zone"))
	if z == nil {
		return couldNotRoute(c)
	}
	return ok(zoneJSON(z))
}

// zoneJSON is a zone as cloudflare-go's Zone decodes it (timestamps must be RFC 3339: zero values do not parse).
func zoneJSON(z *Zone) map[string]any {
	return map[string]any{
		"id":                    z.ID,
		"name":                  z.Name,
		"status":                "active",
		"paused":                false,
		"type":                  "full",
		"development_mode":      0,
		"name_servers":          []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
		"original_name_servers": []string{},
		"original_registrar":    nil,
		"original_dnshost":      nil,
		"vanity_name_servers":   []string{},
		"created_on":            timestamp(zoneEpoch),
		"modified_on":           timestamp(zoneEpoch),
		"activated_on":          timestamp(zoneEpoch),
		"meta":                  map[string]any{"page_rule_quota": 3, "wildcard_proxiable": false, "phishing_detected": false},
		"owner":                 map[string]any{"id": nil, "type": "user", "email": nil},
		"account":               map[string]any{"id": z.AccountID, "name": "tunnelgate e2e account " + z.AccountID[:8]},
		"permissions":           []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
		"plan": map[string]any{
			"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD",
			"frequency": "", "is_subscribed": false, "can_subscribe": false, "legacy_id": "free",
			"legacy_discount": false, "externally_managed": false,
		},
	}
}
