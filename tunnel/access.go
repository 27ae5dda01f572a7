package tunnel

import (
	"cmp"
	"errors"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Cloudflare Access: what the tunnel creates for a route with an AccessPolicy.
const (
	// DefaultAccessSessionDuration is how long an Access login lasts when AccessPolicy.SessionDuration is
	// empty (Cloudflare's own default). It is sent explicitly, on the application and on its policies.
	DefaultAccessSessionDuration = "24h"
	// MaxAccessSessionDuration is the longest session Cloudflare Access offers (one month).
	MaxAccessSessionDuration = 730 * time.Hour
	// AccessAppType is the type of every Access application the tunnel creates.
	AccessAppType = "self_hosted"
	// AccessDecisionAllow is the decision of the policy that lets people in (emails, email domains,
	// groups): they log in with an identity provider.
	AccessDecisionAllow = "allow"
	// AccessDecisionServiceAuth is the decision of the policy that lets service tokens in ("Service
	// Auth" in the dashboard): machine clients send the token's id and secret as headers and never see
	// a login page. A service token in an "allow" policy would not pass.
	AccessDecisionServiceAuth = "non_identity"
)

// AccessPolicy puts Cloudflare Access in front of a route and says who may reach it. From it the tunnel
// creates, with the account's Cloudflare provider: an Access application of type self_hosted for the
// route's hostname (and path), its policies (an "allow" policy for people, a "non_identity" policy for
// service tokens), a service token per machine client, and the route's originRequest.access, so that
// cloudflared itself rejects every request without a valid Access token for that application (see the
// package doc, "Cloudflare Access").
//
// At least one principal (Emails, EmailDomains, Groups or ServiceTokens) is required: an application
// that names nobody is an error, never an open door.
type AccessPolicy struct {
	// TeamName is the Zero Trust team: "<team>.cloudflareaccess.com" issues the tokens and serves the
	// keys cloudflared checks them with (the connector then needs egress there, see package network).
	// Required in Args.Access; a route's own policy may leave it empty to use Args.Access's. One account
	// has one team: every policy of a tunnel names the same.
	TeamName string `pulumi:"teamName,optional"`
	// Emails allows these addresses, e.g. "alice@example.com".
	Emails []string `pulumi:"emails,optional"`
	// EmailDomains allows every address at these domains, e.g. "example.com" (without "@").
	EmailDomains []string `pulumi:"emailDomains,optional"`
	// Groups allows the members of these Access groups, by id (a UUID, shown in Zero Trust under Access >
	// Access groups).
	Groups []string `pulumi:"groups,optional"`
	// ServiceTokens names machine clients, e.g. "ci" (lower-case letters, digits and '-', at most 32):
	// the tunnel creates one Access service token per distinct name (shared by every route that names
	// it) and lets it through. Its client id and secret are the Tunnel's ServiceTokenIDs and
	// ServiceTokenSecrets outputs (secrets); clients send them as the CF-Access-Client-Id and
	// CF-Access-Client-Secret headers. Tokens last Cloudflare's default duration (one year).
	ServiceTokens []string `pulumi:"serviceTokens,optional"`
	// IdentityProviders limits the login to these identity providers, by id (a UUID, shown in Zero Trust
	// under Settings > Authentication). Empty: every identity provider of the account.
	IdentityProviders []string `pulumi:"identityProviders,optional"`
	// SessionDuration is how long a login lasts, e.g. "30m", "8h" (h and m units, at most 730h).
	// Default DefaultAccessSessionDuration ("24h").
	SessionDuration string `pulumi:"sessionDuration,optional"`
}

// AccessApp is one Cloudflare Access application the tunnel creates: the route it protects and the
// policy in effect for it (the team name resolved and the session duration defaulted).
type AccessApp struct {
	// Domain is what Access protects: "<hostname>" or "<hostname>/<path prefix>".
	Domain string
	// Route is the index of the route in Args.Routes.
	Route int
	// Policy is the route's AccessPolicy, or Args.Access.
	Policy AccessPolicy
}

// AccessApps returns the Access applications the tunnel creates, in route order: one per route with
// a hostname whose own Access or Args.Access is set. Call Validate first: AccessApps does not check
// anything, and leaves out routes whose path Access cannot express.
func (a *Args) AccessApps() []AccessApp {
	var out []AccessApp
	for i, r := range a.Routes {
		p := a.accessOf(r)
		if p == nil {
			continue
		}
		domain, err := AccessDomain(r.Hostname, r.Path)
		if err != nil {
			continue
		}
		eff := *p
		eff.SessionDuration = cmp.Or(eff.SessionDuration, DefaultAccessSessionDuration)
		out = append(out, AccessApp{Domain: domain, Route: i, Policy: eff})
	}
	return out
}

// ServiceTokens returns the distinct machine client names of every route's Access policy, in route
// order: one Access service token each.
func (a *Args) ServiceTokens() []string {
	var out []string
	for _, r := range a.Routes {
		if p := a.accessOf(r); p != nil {
			for _, t := range p.ServiceTokens {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// accessOf is the Access policy in effect for r: its own, else Args.Access for a rule with a hostname,
// with the team name taken from Args.Access when r's own leaves it empty; nil when r is public.
func (a *Args) accessOf(r Route) *AccessPolicy {
	if r.Hostname == "" {
		return nil
	}
	p := r.Access
	switch {
	case p == nil:
		return a.Access
	case p.TeamName == "" && a.Access != nil:
		c := *p
		c.TeamName = a.Access.TeamName
		return &c
	}
	return p
}

// AccessName is the Pulumi name of the Access application of domain (see AccessDomain) in the
// component named component: "<component>-access-<domain>", e.g. "edge-access-app.example.com/admin".
// Its policies are that name plus "-allow" and "-service".
func AccessName(component, domain string) string { return component + "-access-" + domain }

// ServiceTokenName is the Pulumi name of the Access service token of a machine client:
// "<component>-token-<client>".
func ServiceTokenName(component, client string) string { return component + "-token-" + client }

// errAccessPath explains which route paths Access can express.
var errAccessPath = errors.New(`Cloudflare Access cannot express this path: an Access application protects a hostname and a literal path prefix (host/prefix and everything below it), while cloudflared matches the regular expression anywhere in the path; write it as "^/prefix" (letters, digits, '-', '.', '_', '~' and '/'; optionally ending in "/", ".*" or "$"), or protect the whole hostname with a route without a path`)

// AccessDomain returns what a Cloudflare Access application protects for a route: the hostname, or
// "<hostname>/<prefix>" when the route's path is an anchored literal prefix ("^/admin", "^/admin/",
// "^/admin/.*", "^/admin$"). A path that matches every path ("", "^/", ".*") gives the hostname. Any
// other regular expression is an error: Access matches a hostname and a path prefix, not a regular
// expression, and a looser application would let requests through that the rule does not mean.
//
// What Access then covers is a superset of what the rule routes (e.g. "^/admin$" routes only /admin,
// Access covers /admin/... too), never less. A wildcard hostname "*.example.com" covers one level in
// Access ("a.example.com", not "a.b.example.com", which cloudflared would route): requests for deeper
// names carry no token for the application and cloudflared rejects them.
func AccessDomain(hostname, path string) (string, error) {
	prefix, err := accessPath(path)
	if err != nil {
		return "", err
	}
	if prefix == "" {
		return hostname, nil
	}
	return hostname + "/" + prefix, nil
}

// accessPath is the literal path prefix (without leading and trailing '/') a route path stands for in
// Access, "" for every path.
func accessPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	re, err := syntax.Parse(path, syntax.Perl)
	if err != nil {
		return "", err
	}
	re = re.Simplify()
	if matchesEveryPath(re) {
		return "", nil
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	if len(subs) < 2 || subs[0].Op != syntax.OpBeginText || subs[1].Op != syntax.OpLiteral || subs[1].Flags&syntax.FoldCase != 0 {
		return "", errAccessPath
	}
	lit := string(subs[1].Rune)
	switch tail := subs[2:]; {
	case len(tail) == 0:
	case len(tail) == 1 && (tail[0].Op == syntax.OpEndText || anyStar(tail[0])):
	case len(tail) == 2 && anyStar(tail[0]) && tail[1].Op == syntax.OpEndText:
	default:
		return "", errAccessPath
	}
	if !accessPathRe.MatchString(lit) {
		return "", errAccessPath
	}
	return strings.Trim(lit, "/"), nil
}

// accessPathRe is a literal path Access and cloudflared read alike: "/" then segments of unreserved
// characters, no empty, "." or ".." segment.
var accessPathRe = regexp.MustCompile(`^(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*|/\.[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/?$`)

// anyStar reports whether re is ".*" (any character, any number of times).
func anyStar(re *syntax.Regexp) bool {
	return re.Op == syntax.OpStar && (re.Sub[0].Op == syntax.OpAnyCharNotNL || re.Sub[0].Op == syntax.OpAnyChar)
}

var (
	uuidRe         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	clientRe       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	emailLocalRe   = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+$`)
	sessionUnitsRe = regexp.MustCompile(`^([0-9]+h)?([0-9]+m)?$`)
)

// validateAccess checks Args.Access and every route's Access: the policies themselves, one team name,
// and a path Access can express for every route they protect.
func validateAccess(es *check.Errors, d *Args) {
	if d.Access != nil {
		validatePolicy(es, "access", d.Access)
		if d.Access.TeamName == "" {
			es.Add("access.teamName", "", "required: the Zero Trust team name (<team>.cloudflareaccess.com issues the tokens cloudflared checks)")
		}
	}
	team, teamField := "", ""
	if d.Access != nil && d.Access.TeamName != "" {
		team, teamField = strings.ToLower(d.Access.TeamName), "access.teamName"
	}
	domains := map[string]int{}
	for i, r := range d.Routes {
		f := func(sub string) string { return routeField(i, sub) }
		if r.Access != nil {
			if r.Hostname == "" {
				es.Add(f(".access"), nil, "a rule without hostname has nothing for Cloudflare Access to protect: Access applications protect a hostname (and path)")
				continue
			}
			validatePolicy(es, f(".access"), r.Access)
			if r.Origin != nil && r.Origin.Access != nil {
				es.Add(f(".origin.access"), nil, "conflicts with access: the route's JWT check is derived from the Access application tunnelgate creates (required, team name, its audience tag)")
			}
			switch t := strings.ToLower(r.Access.TeamName); {
			case t == "" && team == "":
				es.Add(f(".access.teamName"), "", "required: the Zero Trust team name (<team>.cloudflareaccess.com issues the tokens cloudflared checks); set it here or once in access.teamName")
			case t == "":
			case team == "":
				team, teamField = t, f(".access.teamName")
			case t != team:
				es.Add(f(".access.teamName"), r.Access.TeamName, "differs from %q (%s): one Cloudflare account has one Zero Trust team", team, teamField)
			}
		}
		if d.accessOf(r) == nil {
			continue
		}
		domain, err := AccessDomain(r.Hostname, r.Path)
		if err != nil {
			if r.Access == nil {
				es.Add(f(".path"), r.Path, "%v (access applies to every route with a hostname)", err)
			} else {
				es.Add(f(".path"), r.Path, "%v", err)
			}
			continue
		}
		if j, dup := domains[domain]; dup {
			es.Add(f(".path"), r.Path, "protected as %q, like routes[%d]: one Access application per hostname and path prefix; give both rules one path, or merge them", domain, j)
			continue
		}
		domains[domain] = i
	}
}

// validatePolicy checks one AccessPolicy (not its team name's presence, which depends on where it is).
func validatePolicy(es *check.Errors, f string, p *AccessPolicy) {
	if len(p.Emails)+len(p.EmailDomains)+len(p.Groups)+len(p.ServiceTokens) == 0 {
		es.Add(f, nil, "no allowed principal: give emails, emailDomains, groups or serviceTokens (tunnelgate never creates an Access application that names nobody)")
	}
	if p.TeamName != "" && !validLabel(p.TeamName, true) {
		es.Add(f+".teamName", p.TeamName, "not a Zero Trust team name: one DNS label (<team>.cloudflareaccess.com)")
	}
	for i, e := range p.Emails {
		local, domain, ok := strings.Cut(e, "@")
		if !ok || !emailLocalRe.MatchString(local) || !validDomain(strings.ToLower(domain), false) {
			es.Add(check.Index(f+".emails", i), e, "not an email address such as alice@example.com")
		}
	}
	for i, d := range p.EmailDomains {
		switch {
		case strings.HasPrefix(d, "@"):
			es.Add(check.Index(f+".emailDomains", i), d, "write the domain without \"@\", e.g. %q", strings.TrimPrefix(d, "@"))
		case !validDomain(strings.ToLower(d), false):
			es.Add(check.Index(f+".emailDomains", i), d, "not a domain such as example.com")
		}
	}
	for i, g := range p.Groups {
		if !uuidRe.MatchString(g) {
			es.Add(check.Index(f+".groups", i), g, "not an Access group id: give the group's id (a UUID, shown in Zero Trust under Access > Access groups), not its name")
		}
	}
	for i, idp := range p.IdentityProviders {
		if !uuidRe.MatchString(idp) {
			es.Add(check.Index(f+".identityProviders", i), idp, "unknown identity provider form: give the identity provider's id (a UUID, shown in Zero Trust under Settings > Authentication); names and types such as \"google\" are not accepted")
		}
	}
	for i, t := range p.ServiceTokens {
		switch {
		case !clientRe.MatchString(t):
			es.Add(check.Index(f+".serviceTokens", i), t, "a machine client name takes 1-32 lower-case letters, digits and '-' (it becomes part of the token's resource name), e.g. \"ci\"")
		case slices.Index(p.ServiceTokens, t) < i:
			es.Add(check.Index(f+".serviceTokens", i), t, "given twice")
		}
	}
	if s := p.SessionDuration; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || !sessionUnitsRe.MatchString(s) || d <= 0 || d > MaxAccessSessionDuration {
			es.Add(f+".sessionDuration", s, "must be a duration in hours and minutes from 1m to 730h, e.g. \"30m\", \"8h\" or \"2h45m\"")
		}
	}
}
