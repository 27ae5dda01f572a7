package tunnel

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

var (
	nameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	hex32Re = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// Validate checks every input that is known without Pulumi, after defaults, and returns all problems
// at once as *check.FieldError values (field paths such as "routes[2].path"). NewTunnel calls it before
// registering anything. Outputs given for AccountID or ZoneID are checked once known, before any
// resource uses them. Name is checked when set (NewTunnel also checks the default).
//
// Cost: linear in the number of routes times the labels per hostname (map lookups per label suffix),
// plus parsing each path once; a valid route costs a few allocations (its service URL, map entries).
func (a *Args) Validate() error { return validate(a.withDefaults("")) }

func validate(d Args) error {
	var es check.Errors
	if d.Name != "" && !nameRe.MatchString(d.Name) {
		es.Add("name", d.Name, "the tunnel name takes letters, digits, '.', '_' and '-', starting with a letter or digit")
	}
	es.Generation("rotation", d.Rotation, "the tunnel name")
	if d.AccountID == nil {
		es.Add("accountId", nil, "required: the Cloudflare account id")
	} else {
		es.Literal("accountId", d.AccountID, checkHex32)
	}
	if c := d.ClusterDomain; c != "" {
		es.DNSSubdomain("clusterDomain", c)
	}
	validateZone(&es, &d)
	validateRoutes(&es, &d)
	validatePrivate(&es, d.PrivateNetwork)
	validateAccess(&es, &d)
	if d.Vault != nil {
		es.Merge("vault", d.Vault.Validate())
	} else if d.KeepVaultVersions {
		es.Add("keepVaultVersions", true, "only with vault: there is no Vault secret to keep versions of")
	}
	return es.Err(Type)
}

func checkHex32(es *check.Errors, field, v string) {
	if !hex32Re.MatchString(v) {
		es.Add(field, v, "must be 32 hex characters (Cloudflare shows it in the dashboard's overview)")
	}
}

func validateZone(es *check.Errors, d *Args) {
	if d.ZoneName != "" && !validDomain(d.ZoneName, false) {
		es.Add("zoneName", d.ZoneName, "not a domain name: lower-case RFC 1123 labels separated by dots, e.g. example.com")
	}
	switch {
	case d.ZoneID != nil && d.LookupZone:
		es.Add("lookupZone", true, "conflicts with zoneId: give the zone id, or the zone name to look up, not both")
	case d.ZoneID != nil:
		es.Literal("zoneId", d.ZoneID, checkHex32)
	case d.LookupZone && d.ZoneName == "":
		es.Add("zoneName", "", "required with lookupZone: the zone to look up")
	case !d.LookupZone:
		es.Add("zoneId", nil, "required: the zone of the DNS records (or zoneName with lookupZone: true, an API call even in preview)")
	}
}

func validateOrigin(es *check.Errors, field string, o *OriginRequest) {
	if o == nil {
		return
	}
	if h := o.HTTPHostHeader; h != "" && !validHost(strings.TrimSuffix(hostOnly(h), ".")) {
		es.Add(field+".httpHostHeader", h, "not a host name (optionally with :port)")
	}
	if o.OriginServerName != "" && !validHost(o.OriginServerName) {
		es.Add(field+".originServerName", o.OriginServerName, "not a DNS name")
	}
	if o.CAPool != "" && !strings.HasPrefix(o.CAPool, "/") {
		es.Add(field+".caPool", o.CAPool, "must be an absolute file path inside the cloudflared container")
	}
	if t := o.ConnectTimeout; t != "" {
		if d, err := time.ParseDuration(t); err != nil || d <= 0 {
			es.Add(field+".connectTimeout", t, "must be a positive duration such as \"10s\"")
		}
	}
	if ac := o.Access; ac != nil {
		if !validLabel(ac.TeamName, true) {
			es.Add(field+".access.teamName", ac.TeamName, "required: the Zero Trust team name (<team>.cloudflareaccess.com)")
		}
		if len(ac.AudTags) == 0 {
			es.Add(field+".access.audTags", nil, "at least one Access application audience tag is required")
		}
		for i, t := range ac.AudTags {
			if t == "" || strings.ContainsAny(t, " \t\r\n") {
				es.Add(check.Index(field+".access.audTags", i), t, "not an audience tag")
			}
		}
	}
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
		return h[:i]
	}
	return h
}

// validDomain reports whether h is a lower-case DNS name with at least two RFC 1123 labels; with
// wildcard, the first label may be "*".
func validDomain(h string, wildcard bool) bool {
	if len(h) > 253 {
		return false
	}
	labels := 0
	for rest, more := h, true; more; labels++ {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		if !(validLabel(l, false) || (wildcard && labels == 0 && l == "*")) {
			return false
		}
	}
	return labels >= 2
}

type ruleKey struct{ host, path string }

// rules indexes the routes validated so far, to find the earlier route that makes a later one
// unreachable. Lookups are O(labels) per route.
type rules struct {
	exact    map[ruleKey]int // hostname+path -> first route
	allPaths map[string]int  // hostname -> first route matching every path
	wildAll  map[string]int  // ".suffix" of "*.suffix" -> first route matching every path
	wildPath map[ruleKey]int // ".suffix"+path -> first route
}

func newRules(n int) *rules {
	return &rules{exact: make(map[ruleKey]int, n), allPaths: make(map[string]int, n), wildAll: map[string]int{}, wildPath: map[ruleKey]int{}}
}

// validateRoutes checks each route and the rule list as cloudflared evaluates it: first match wins, a
// leading "*" label spans dots. A rule is reported as shadowed when an earlier rule matches every
// request it matches: same hostname or a wildcard covering it, and a path that is empty, matches every
// path (see matchesEveryPath) or is written identically. Other regular-expression overlaps are not
// detected (containment of regular expressions is not decided here).
func validateRoutes(es *check.Errors, d *Args) {
	n := len(d.Routes)
	if n == 0 {
		es.Add("routes", nil, "at least one route is required")
		return
	}
	idx, hosts := newRules(n), 0
	for i, r := range d.Routes {
		// The field path is only built for an error: this loop runs once per route.
		f := func(sub string) string { return check.Index("routes", i) + sub }
		switch {
		case r.KubernetesService != nil && r.Service != "":
			es.Add(f(".kubernetesService"), nil, "set either service (a URL: %q) or kubernetesService, not both", r.Service)
		case r.KubernetesService != nil:
			es.Merge(f(".kubernetesService"), r.KubernetesService.Validate())
		case r.Service == "":
			es.Add(f(".service"), r.Service, "required: a URL such as http://web.apps.svc:8080, or set kubernetesService")
		default:
			if _, _, err := parseService(r.Service); err != nil {
				es.Add(f(".service"), r.Service, "%s", err.Error())
			}
		}
		if r.Origin != nil {
			validateOrigin(es, f(".origin"), r.Origin)
		}
		if r.isCatchAll() {
			if i != n-1 {
				es.Add(f(".hostname"), "", "a catch-all rule (no hostname, no path) must be the last route: routes[%d:] would never match", i+1)
			} else if d.CatchAll != "" {
				es.Add("catchAll", d.CatchAll, "conflicts with the catch-all routes[%d] (service %q): give one of them", i, r.Service)
			}
			continue
		}
		hosts++
		hostOK := checkHostname(es, i, r.Hostname, d.ZoneName)
		all, pathOK := checkPath(es, i, r.Path)
		if hostOK && pathOK {
			idx.add(es, d.Routes, i, all)
		}
	}
	if hosts == 0 {
		es.Add("routes", nil, "at least one route with a hostname is required (a catch-all alone publishes nothing)")
	}
	if d.CatchAll != "" {
		if _, err := ParseService(d.CatchAll); err != nil {
			es.Add("catchAll", d.CatchAll, "%s", err.Error())
		}
	}
	validateOrigin(es, "originDefaults", d.OriginDefaults)
}

// routeField is the field path of routes[i] + sub. It is only built for an error: routes are checked
// once per route, and most have none.
func routeField(i int, sub string) string { return check.Index("routes", i) + sub }

// checkHostname reports the hostname of routes[i] when it is missing, malformed or outside zone.
func checkHostname(es *check.Errors, i int, h, zone string) bool {
	switch {
	case h == "":
		es.Add(routeField(i, ".hostname"), h, "required: only the catch-all (no hostname and no path, the last rule) has none")
	case !validDomain(h, true):
		es.Add(routeField(i, ".hostname"), h, "not a hostname: lower-case RFC 1123 labels separated by dots, at least two, only the first may be \"*\"")
	case zone != "" && h != zone && !strings.HasSuffix(h, "."+zone):
		es.Add(routeField(i, ".hostname"), h, "not inside the zone %q: the DNS record could not be created there", zone)
	default:
		return true
	}
	return false
}

// checkPath parses the path of routes[i] and reports whether it matches every request path; ok is false when
// it does not parse.
func checkPath(es *check.Errors, i int, path string) (all, ok bool) {
	if path == "" {
		return true, true
	}
	re, err := syntax.Parse(path, syntax.Perl)
	if err != nil {
		es.Add(routeField(i, ".path"), path, "not a regular expression (Go RE2 syntax): %v", err)
		return false, false
	}
	return matchesEveryPath(re.Simplify()), true
}

// add reports routes[i] when an earlier route makes it unreachable, else indexes it; all says that its
// path matches every request path.
func (x *rules) add(es *check.Errors, routes []Route, i int, all bool) {
	h, path := routes[i].Hostname, routes[i].Path
	key := ruleKey{h, path}
	if j, ok := x.exact[key]; ok {
		es.Add(routeField(i, ".hostname"), h, "duplicates routes[%d] (same hostname and path %q): it would never match", j, path)
		return
	}
	if j := x.shadowedBy(h, path); j >= 0 {
		es.Add(routeField(i, ".hostname"), h, "shadowed by routes[%d] (%q, path %q), which matches every request this rule matches: cloudflared takes the first match (a leading * spans dots), so this rule would never match; put the more specific rule first",
			j, routes[j].Hostname, routes[j].Path)
		return
	}
	x.exact[key] = i
	if all {
		setFirst(x.allPaths, h, i)
	}
	if strings.HasPrefix(h, "*.") {
		if all {
			setFirst(x.wildAll, h[1:], i)
		} else if _, ok := x.wildPath[ruleKey{h[1:], path}]; !ok {
			x.wildPath[ruleKey{h[1:], path}] = i
		}
	}
}

// shadowedBy returns the earliest route that matches every request of (h, path), or -1. It looks at
// the exact hostname and at the wildcards of each label suffix of h: O(labels) map lookups.
func (x *rules) shadowedBy(h, path string) int {
	best := -1
	take := func(j int, ok bool) {
		if ok && (best < 0 || j < best) {
			best = j
		}
	}
	j, ok := x.allPaths[h]
	take(j, ok)
	for rest := h; ; {
		dot := strings.IndexByte(rest[1:], '.')
		if dot < 0 {
			break
		}
		rest = rest[dot+1:] // ".suffix"
		j, ok = x.wildAll[rest]
		take(j, ok)
		j, ok = x.wildPath[ruleKey{rest, path}]
		take(j, ok)
	}
	return best
}

func setFirst(m map[string]int, k string, i int) {
	if _, ok := m[k]; !ok {
		m[k] = i
	}
}

// matchesEveryPath reports whether re, searched unanchored as cloudflared does, matches every request
// path (which always starts with "/" and holds no newline): ".*", "^/", "/", "^/.*$" and the like. It
// is sound, not complete: false means "not proven".
func matchesEveryPath(re *syntax.Regexp) bool {
	if nullable(re, true) {
		return true
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	// ".*$": the star consumes the rest of any path, so the end anchor always matches after it.
	if n := len(subs); n >= 2 && (subs[n-1].Op == syntax.OpEndText || subs[n-1].Op == syntax.OpEndLine) &&
		subs[n-2].Op == syntax.OpStar && (subs[n-2].Sub[0].Op == syntax.OpAnyCharNotNL || subs[n-2].Sub[0].Op == syntax.OpAnyChar) {
		subs = subs[:n-1]
	}
	i := 0
	for i < len(subs) && (subs[i].Op == syntax.OpBeginText || subs[i].Op == syntax.OpBeginLine) {
		i++
	}
	rest := subs[i:]
	// A leading "/" (every path has one; case folding does not change it).
	if len(rest) > 0 && rest[0].Op == syntax.OpLiteral && len(rest[0].Rune) > 0 && rest[0].Rune[0] == '/' {
		lit := *rest[0]
		lit.Rune = lit.Rune[1:]
		rest = append([]*syntax.Regexp{&lit}, rest[1:]...)
	}
	for _, s := range rest {
		if !nullable(s, false) {
			return false
		}
	}
	return true
}

// nullable reports whether re can match the empty string at the start of any text; atStart allows the
// begin anchors ^ and \A.
func nullable(re *syntax.Regexp, atStart bool) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpBeginLine, syntax.OpBeginText:
		return atStart
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	case syntax.OpCapture, syntax.OpPlus:
		return nullable(re.Sub[0], atStart)
	case syntax.OpRepeat:
		return re.Min == 0 || nullable(re.Sub[0], atStart)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !nullable(s, atStart) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if nullable(s, atStart) {
				return true
			}
		}
	}
	return false
}
