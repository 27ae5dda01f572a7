package cfapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Cloudflare Access, account level (cloudflare-go v0.114.0 access_application.go, access_policy.go and
// access_service_tokens.go, used by the provider's zeroTrustAccessApplication, zeroTrustAccessPolicy and
// zeroTrustAccessServiceToken resources with account_id set):
//
//	POST   /accounts/{a}/access/apps                 CreateAccessApplication {"name","domain","type","session_duration","policies":[ids],...} -> AccessApplication
//	GET    /accounts/{a}/access/apps/{id}            GetAccessApplication -> AccessApplication; "policies" are objects ({"id","precedence",...})
//	PUT    /accounts/{a}/access/apps/{id}            UpdateAccessApplication (the whole application) -> AccessApplication
//	DELETE /accounts/{a}/access/apps/{id}            DeleteAccessApplication -> {"id"}; the provider then reads it and wants a 404
//	POST   /accounts/{a}/access/policies             CreateAccessPolicy, reusable (no application in the path) {"name","decision","include",...} -> AccessPolicy
//	GET    /accounts/{a}/access/policies/{id}        GetAccessPolicy -> AccessPolicy
//	PUT    /accounts/{a}/access/policies/{id}        UpdateAccessPolicy -> AccessPolicy
//	DELETE /accounts/{a}/access/policies/{id}        DeleteAccessPolicy -> {"id"}; then read, 404 wanted
//	POST   /accounts/{a}/access/service_tokens       CreateAccessServiceToken {"name","duration"?} -> with "client_secret" (only here)
//	GET    /accounts/{a}/access/service_tokens       ListAccessServiceTokens (the provider reads a token by listing) -> []AccessServiceToken
//	PUT    /accounts/{a}/access/service_tokens/{id}  UpdateAccessServiceToken {"name","duration"?}
//	DELETE /accounts/{a}/access/service_tokens/{id}  DeleteAccessServiceToken -> the token
//
// The answers carry what the real API adds (seen in answers quoted in the provider's issue tracker): an
// application's "aud" (64 hex) and "uid", "self_hosted_domains" and "destinations" derived from its domain,
// "session_duration" "24h" when none is sent (policies too), "allowed_idps" and "tags" as [], and
// "app_launcher_visible" true; everything else is what was sent. Linking an application to a policy that does
// not exist fails (CodeAccessBadRequest). What the fake cannot know the real API does is logged as a violation
// instead of refused: a policy deleted while a live application uses it, a service token deleted while a live
// policy names it, a policy that names an unknown service token, or a service token in a policy whose
// decision is not "non_identity" (such a token never passes: service tokens only pass Service Auth policies).

func (s *Server) accessRoutes() []route {
	return []route{
		{"POST /accounts/{account}/access/apps", s.createAccessApp},
		{"GET /accounts/{account}/access/apps/{app}", s.getAccessApp},
		{"PUT /accounts/{account}/access/apps/{app}", s.updateAccessApp},
		{"DELETE /accounts/{account}/access/apps/{app}", s.deleteAccessApp},
		{"POST /accounts/{account}/access/policies", s.createAccessPolicy},
		{"GET /accounts/{account}/access/policies/{policy}", s.getAccessPolicy},
		{"PUT /accounts/{account}/access/policies/{policy}", s.updateAccessPolicy},
		{"DELETE /accounts/{account}/access/policies/{policy}", s.deleteAccessPolicy},
		{"POST /accounts/{account}/access/service_tokens", s.createServiceToken},
		{"GET /accounts/{account}/access/service_tokens", s.listServiceTokens},
		{"PUT /accounts/{account}/access/service_tokens/{token}", s.updateServiceToken},
		{"DELETE /accounts/{account}/access/service_tokens/{token}", s.deleteServiceToken},
	}
}

// DefaultAccessSessionDuration is the session duration the API gives applications and policies created
// without one.
const DefaultAccessSessionDuration = "24h"

// DefaultServiceTokenDuration is the duration the API gives service tokens created without one.
const DefaultServiceTokenDuration = "8760h"

// AccessApp is an Access application as the fake holds it.
type AccessApp struct {
	// ID is its UUID; AUD its audience tag (64 hex characters), fixed for its life.
	ID, AUD string
	// AccountID owns it.
	AccountID string
	// Name, Domain, Type and SessionDuration are as sent (SessionDuration defaulted).
	Name, Domain, Type, SessionDuration string
	// Policies are the ids of its policies, in precedence order.
	Policies []string
	// Fields are the other fields of the last create or update body, as sent (nulls dropped).
	Fields map[string]any
	// CreatedAt, UpdatedAt and DeletedAt (zero while it exists) are its timestamps.
	CreatedAt, UpdatedAt, DeletedAt time.Time
}

// AccessPolicy is a reusable Access policy as the fake holds it.
type AccessPolicy struct {
	// ID is its UUID; AccountID owns it.
	ID, AccountID string
	// Name, Decision and SessionDuration are as sent (SessionDuration defaulted).
	Name, Decision, SessionDuration string
	// Include, Exclude and Require are its rules as sent, e.g. {"email": {"email": "a@example.com"}}.
	Include, Exclude, Require []map[string]any
	// Fields are the other fields of the last create or update body, as sent (nulls dropped).
	Fields map[string]any
	// CreatedAt, UpdatedAt and DeletedAt (zero while it exists) are its timestamps.
	CreatedAt, UpdatedAt, DeletedAt time.Time
}

// ServiceToken is an Access service token as the fake holds it.
type ServiceToken struct {
	// ID is its UUID; AccountID owns it.
	ID, AccountID string
	// Name and Duration are as sent (Duration defaulted).
	Name, Duration string
	// ClientID ("<32 hex>.access") and ClientSecret (64 hex) are what clients send; the secret is only in
	// the creation's answer.
	ClientID, ClientSecret string
	// CreatedAt, UpdatedAt, ExpiresAt and DeletedAt (zero while it exists) are its timestamps.
	CreatedAt, UpdatedAt, ExpiresAt, DeletedAt time.Time
}

// accessState is the fake's Access objects, deleted ones included, in creation order.
type accessState struct {
	apps     []*AccessApp
	policies []*AccessPolicy
	tokens   []*ServiceToken
}

// accessRuleKinds are the include/exclude/require rule kinds the API knows (cloudflare-go access_group.go).
var accessRuleKinds = []string{
	"email", "email_list", "email_domain", "everyone", "ip", "ip_list", "certificate", "group", "azureAD", "gsuite",
	"github-organization", "okta", "saml", "service_token", "any_valid_service_token", "login_method",
	"device_posture", "geo", "auth_method", "common_name", "external_evaluation", "auth_context",
}

var serviceTokenDurations = map[string]time.Duration{
	"8760h": 8760 * time.Hour, "17520h": 17520 * time.Hour, "43800h": 43800 * time.Hour, "87600h": 87600 * time.Hour,
	"forever": 100 * 8760 * time.Hour,
}

// AccessApps returns every Access application, deleted ones included, in creation order.
func (s *Server) AccessApps() []AccessApp {
	return snapshot(s, &s.access.apps, func(a AccessApp) AccessApp {
		a.Policies, a.Fields = slices.Clone(a.Policies), maps.Clone(a.Fields)
		return a
	})
}

// AccessPolicies returns every Access policy, deleted ones included, in creation order.
func (s *Server) AccessPolicies() []AccessPolicy {
	return snapshot(s, &s.access.policies, func(p AccessPolicy) AccessPolicy {
		p.Include, p.Exclude, p.Require, p.Fields = slices.Clone(p.Include), slices.Clone(p.Exclude), slices.Clone(p.Require), maps.Clone(p.Fields)
		return p
	})
}

// ServiceTokens returns every Access service token, deleted ones included, in creation order.
func (s *Server) ServiceTokens() []ServiceToken {
	return snapshot(s, &s.access.tokens, func(t ServiceToken) ServiceToken { return t })
}

// snapshot copies the objects of *list under the lock, deep where clone makes it so.
func snapshot[T any](s *Server, list *[]*T, clone func(T) T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]T, 0, len(*list))
	for _, o := range *list {
		out = append(out, clone(*o))
	}
	return out
}

// accessBad is the API's answer to an invalid Access request.
func accessBad(format string, args ...any) reply {
	return fail(http.StatusBadRequest, APIError{Code: CodeAccessBadRequest, Message: "access.api.error.invalid_request: " + fmt.Sprintf(format, args...)})
}

func accessNotFound(what, id string) reply {
	return fail(http.StatusNotFound, APIError{Code: CodeAccessNotFound, Message: fmt.Sprintf("access.api.error.not_found: %s %s not found", what, id)})
}

// accessBody decodes a request body into fields (nulls dropped), or answers why it cannot.
func accessBody(c *call) (map[string]any, *reply) {
	var in map[string]any
	if e := decodeBody(c, &in, CodeAccessBadRequest); e != nil {
		r := fail(http.StatusBadRequest, *e)
		return nil, &r
	}
	maps.DeleteFunc(in, func(_ string, v any) bool { return v == nil })
	return in, nil
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// sessionOf is a body's session_duration, DefaultAccessSessionDuration when none is sent.
func sessionOf(in map[string]any) (string, *reply) {
	session := str(in, "session_duration")
	if session == "" {
		return DefaultAccessSessionDuration, nil
	}
	if d, err := time.ParseDuration(session); err != nil || d < 0 {
		r := accessBad("session_duration %q is not a duration", session)
		return "", &r
	}
	return session, nil
}

// creation is the account of a creation's path and its body, or the API's answer to a wrong one.
func (s *Server) creation(c *call) (string, map[string]any, *reply) {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		r := couldNotRoute(c)
		return "", nil, &r
	}
	in, r := accessBody(c)
	return account, in, r
}

// accessObject is what the Access objects share: an id, an owning account, a deletion.
type accessObject interface {
	key() (id, account string, deleted bool)
}

func (a *AccessApp) key() (string, string, bool)    { return a.ID, a.AccountID, !a.DeletedAt.IsZero() }
func (p *AccessPolicy) key() (string, string, bool) { return p.ID, p.AccountID, !p.DeletedAt.IsZero() }
func (t *ServiceToken) key() (string, string, bool) { return t.ID, t.AccountID, !t.DeletedAt.IsZero() }

// findLive is the object of list with id in account that is not deleted; found is false if none is.
func findLive[T accessObject](list []T, account, id string) (o T, found bool) {
	for _, o := range list {
		if oid, acct, deleted := o.key(); oid == id && acct == account && !deleted {
			return o, true
		}
	}
	return o, false
}

// objectIn finds the live object that the call's path value param names in list, and answers as the API
// does for an unknown account or object (what names the object in the error).
func objectIn[T accessObject](s *Server, c *call, list []T, param, what string) (T, *reply) {
	account, id := c.req.PathValue("account"), c.req.PathValue(param)
	var none T
	if !s.accounts[account] {
		r := couldNotRoute(c)
		return none, &r
	}
	o, found := findLive(list, account, id)
	if !found {
		r := accessNotFound(what, id)
		return none, &r
	}
	return o, nil
}

// updateObject applies a PUT body to the live object the call's path names: set checks it and applies it
// to a copy, which replaces the object only when the body is valid.
func updateObject[T any, P interface {
	*T
	accessObject
}](s *Server, c *call, list []P, param, what string, set func(P, map[string]any) *reply) (P, *reply) {
	o, r := objectIn(s, c, list, param, what)
	if r != nil {
		return nil, r
	}
	in, r := accessBody(c)
	if r != nil {
		return nil, r
	}
	next := *o
	if r := set(&next, in); r != nil {
		return nil, r
	}
	*o = next
	return o, nil
}

// --- applications ---

func (s *Server) createAccessApp(c *call) reply {
	account, in, r := s.creation(c)
	if r != nil {
		return *r
	}
	now := time.Now().UTC()
	a := &AccessApp{ID: newUUID(), AUD: randomHex(32), AccountID: account, CreatedAt: now}
	if r := s.setAccessApp(a, in); r != nil {
		return *r
	}
	a.UpdatedAt = now
	s.access.apps = append(s.access.apps, a)
	s.log(Event{Time: now, Kind: AccessAppCreated, AccountID: account, AccessID: a.ID, AccessName: a.Domain})
	return ok(s.accessAppJSON(a))
}

// setAccessApp checks an application body and applies it to a.
func (s *Server) setAccessApp(a *AccessApp, in map[string]any) *reply {
	typ := str(in, "type")
	if typ == "" {
		typ = "self_hosted"
	}
	switch typ {
	case "self_hosted", "ssh", "vnc", "saas", "bookmark", "app_launcher", "warp", "biso", "dash_sso", "infrastructure":
	default:
		r := accessBad("unknown application type %q", typ)
		return &r
	}
	domain := str(in, "domain")
	if (typ == "self_hosted" || typ == "ssh" || typ == "vnc") && domain == "" {
		r := accessBad("domain is required for %s applications", typ)
		return &r
	}
	if domain != "" && s.zoneOfDomain(a.AccountID, domain) == nil {
		r := accessBad("domain %q is not in a zone of this account", domain)
		return &r
	}
	session, r := sessionOf(in)
	if r != nil {
		return r
	}
	var policies []string
	if raw, ok := in["policies"].([]any); ok {
		for _, p := range raw {
			id, _ := p.(string)
			if m, ok := p.(map[string]any); ok {
				id = str(m, "id")
			}
			if _, found := findLive(s.access.policies, a.AccountID, id); !found {
				r := accessBad("policy %q does not exist", id)
				return &r
			}
			policies = append(policies, id)
		}
	} else if _, sent := in["policies"]; !sent {
		policies = a.Policies // not sent: the links stay (UpdateAccessApplicationParams.Policies is omitempty)
	}
	a.Name, a.Domain, a.Type, a.SessionDuration, a.Policies = str(in, "name"), domain, typ, session, policies
	if a.Name == "" {
		a.Name = domain
	}
	a.Fields = in
	for _, k := range []string{"id", "aud", "uid", "name", "domain", "type", "session_duration", "policies", "created_at", "updated_at"} {
		delete(a.Fields, k)
	}
	return nil
}

// zoneOfDomain is the zone of an account that holds domain's host ("app.example.com/admin",
// "*.example.com").
func (s *Server) zoneOfDomain(account, domain string) *Zone {
	host, _, _ := strings.Cut(domain, "/")
	host = strings.ToLower(strings.TrimPrefix(host, "*."))
	for _, z := range s.zones {
		if z.AccountID == account && (host == z.Name || strings.HasSuffix(host, "."+z.Name)) {
			return z
		}
	}
	return nil
}

// accessAppJSON is an application as the API shows it.
func (s *Server) accessAppJSON(a *AccessApp) map[string]any {
	out := map[string]any{
		"allowed_idps": []any{}, "tags": []any{}, "app_launcher_visible": true, "auto_redirect_to_identity": false,
		"enable_binding_cookie": false, "http_only_cookie_attribute": true, "options_preflight_bypass": false,
	}
	maps.Copy(out, a.Fields)
	policies := make([]any, 0, len(a.Policies))
	for i, id := range a.Policies {
		if p, found := findLive(s.access.policies, a.AccountID, id); found {
			pj := accessPolicyJSON(p)
			pj["precedence"] = i + 1
			policies = append(policies, pj)
		}
	}
	out["id"], out["uid"], out["aud"], out["name"], out["type"] = a.ID, a.ID, a.AUD, a.Name, a.Type
	out["session_duration"], out["policies"] = a.SessionDuration, policies
	out["created_at"], out["updated_at"] = timestamp(a.CreatedAt), timestamp(a.UpdatedAt)
	if a.Domain != "" {
		out["domain"] = a.Domain
		if _, sent := out["self_hosted_domains"]; !sent {
			out["self_hosted_domains"] = []any{a.Domain}
		}
		if d, _ := out["destinations"].([]any); len(d) == 0 {
			out["destinations"] = []any{map[string]any{"type": "public", "uri": a.Domain}}
		}
	}
	return out
}

func (s *Server) getAccessApp(c *call) reply {
	a, r := objectIn(s, c, s.access.apps, "app", "application")
	if r != nil {
		return *r
	}
	return ok(s.accessAppJSON(a))
}

func (s *Server) updateAccessApp(c *call) reply {
	a, r := updateObject(s, c, s.access.apps, "app", "application", s.setAccessApp)
	if r != nil {
		return *r
	}
	a.UpdatedAt = time.Now().UTC()
	s.log(Event{Time: a.UpdatedAt, Kind: AccessAppUpdated, AccountID: a.AccountID, AccessID: a.ID, AccessName: a.Domain})
	return ok(s.accessAppJSON(a))
}

func (s *Server) deleteAccessApp(c *call) reply {
	a, r := objectIn(s, c, s.access.apps, "app", "application")
	if r != nil {
		return *r
	}
	a.DeletedAt = time.Now().UTC()
	s.log(Event{Time: a.DeletedAt, Kind: AccessAppDeleted, AccountID: a.AccountID, AccessID: a.ID, AccessName: a.Domain})
	return ok(map[string]any{"id": a.ID})
}

// --- policies ---

func (s *Server) createAccessPolicy(c *call) reply {
	account, in, r := s.creation(c)
	if r != nil {
		return *r
	}
	now := time.Now().UTC()
	p := &AccessPolicy{ID: newUUID(), AccountID: account, CreatedAt: now, UpdatedAt: now}
	if r := s.setAccessPolicy(p, in); r != nil {
		return *r
	}
	s.access.policies = append(s.access.policies, p)
	s.log(Event{Time: now, Kind: AccessPolicyCreated, AccountID: account, AccessID: p.ID, AccessName: p.Name})
	return ok(accessPolicyJSON(p))
}

// setAccessPolicy checks a policy body and applies it to p.
func (s *Server) setAccessPolicy(p *AccessPolicy, in map[string]any) *reply {
	name, decision := str(in, "name"), str(in, "decision")
	if name == "" {
		r := accessBad("name is required")
		return &r
	}
	switch decision {
	case "allow", "deny", "non_identity", "bypass":
	default:
		r := accessBad("decision %q: must be one of allow, deny, non_identity, bypass", decision)
		return &r
	}
	rules := map[string][]map[string]any{}
	for _, k := range []string{"include", "exclude", "require"} {
		raw, _ := in[k].([]any)
		for i, x := range raw {
			rule, ok := x.(map[string]any)
			if !ok || len(rule) != 1 {
				r := accessBad("%s[%d]: a rule is an object with one condition", k, i)
				return &r
			}
			for kind := range rule {
				if !slices.Contains(accessRuleKinds, kind) {
					r := accessBad("%s[%d]: unknown condition %q", k, i, kind)
					return &r
				}
			}
			rules[k] = append(rules[k], rule)
		}
	}
	if len(rules["include"]) == 0 {
		r := accessBad("include must contain at least one rule")
		return &r
	}
	session, r := sessionOf(in)
	if r != nil {
		return r
	}
	for _, rule := range rules["include"] {
		st, ok := rule["service_token"].(map[string]any)
		if !ok {
			continue
		}
		id := str(st, "token_id")
		if _, found := findLive(s.access.tokens, p.AccountID, id); !found {
			s.violate("policy %q names service token %s, which does not exist", name, id)
		}
		if decision != "non_identity" {
			s.violate("policy %q (decision %s) includes service token %s: service tokens only pass non_identity (Service Auth) policies", name, decision, id)
		}
	}
	p.Name, p.Decision, p.SessionDuration = name, decision, session
	p.Include, p.Exclude, p.Require = rules["include"], rules["exclude"], rules["require"]
	p.Fields = in
	for _, k := range []string{"id", "name", "decision", "session_duration", "include", "exclude", "require", "precedence", "reusable", "created_at", "updated_at"} {
		delete(p.Fields, k)
	}
	return nil
}

// accessPolicyJSON is a reusable policy as the API shows it.
func accessPolicyJSON(p *AccessPolicy) map[string]any {
	out := map[string]any{"approval_groups": []any{}}
	maps.Copy(out, p.Fields)
	rules := func(rs []map[string]any) []any {
		list := make([]any, 0, len(rs))
		for _, r := range rs {
			list = append(list, r)
		}
		return list
	}
	out["id"], out["name"], out["decision"], out["session_duration"] = p.ID, p.Name, p.Decision, p.SessionDuration
	out["include"], out["exclude"], out["require"] = rules(p.Include), rules(p.Exclude), rules(p.Require)
	out["reusable"], out["precedence"] = true, 0
	out["created_at"], out["updated_at"] = timestamp(p.CreatedAt), timestamp(p.UpdatedAt)
	return out
}

func (s *Server) getAccessPolicy(c *call) reply {
	p, r := objectIn(s, c, s.access.policies, "policy", "policy")
	if r != nil {
		return *r
	}
	return ok(accessPolicyJSON(p))
}

func (s *Server) updateAccessPolicy(c *call) reply {
	p, r := updateObject(s, c, s.access.policies, "policy", "policy", s.setAccessPolicy)
	if r != nil {
		return *r
	}
	p.UpdatedAt = time.Now().UTC()
	s.log(Event{Time: p.UpdatedAt, Kind: AccessPolicyUpdated, AccountID: p.AccountID, AccessID: p.ID, AccessName: p.Name})
	return ok(accessPolicyJSON(p))
}

func (s *Server) deleteAccessPolicy(c *call) reply {
	p, r := objectIn(s, c, s.access.policies, "policy", "policy")
	if r != nil {
		return *r
	}
	for _, a := range s.access.apps {
		if a.DeletedAt.IsZero() && slices.Contains(a.Policies, p.ID) {
			s.violate("policy %q (%s) deleted while application %s (%s) uses it", p.Name, p.ID, a.Domain, a.ID)
		}
	}
	p.DeletedAt = time.Now().UTC()
	s.log(Event{Time: p.DeletedAt, Kind: AccessPolicyDeleted, AccountID: p.AccountID, AccessID: p.ID, AccessName: p.Name})
	return ok(map[string]any{"id": p.ID})
}

// --- service tokens ---

// serviceTokenJSON is a token as the API shows it; the secret only in the creation's answer.
func serviceTokenJSON(t *ServiceToken, withSecret bool) map[string]any {
	out := map[string]any{
		"id": t.ID, "name": t.Name, "client_id": t.ClientID, "duration": t.Duration,
		"created_at": timestamp(t.CreatedAt), "updated_at": timestamp(t.UpdatedAt), "expires_at": timestamp(t.ExpiresAt),
	}
	if withSecret {
		out["client_secret"] = t.ClientSecret
	}
	return out
}

// tokenBody reads a service token body: the name (required) and the duration (optional).
func tokenBody(c *call) (name, duration string, r *reply) {
	in, r := accessBody(c)
	if r != nil {
		return "", "", r
	}
	name, duration = str(in, "name"), str(in, "duration")
	if strings.TrimSpace(name) == "" {
		bad := accessBad("name is required")
		return "", "", &bad
	}
	if _, known := serviceTokenDurations[duration]; duration != "" && !known {
		bad := accessBad("duration %q: must be one of 8760h, 17520h, 43800h, 87600h, forever", duration)
		return "", "", &bad
	}
	return name, duration, nil
}

func (s *Server) createServiceToken(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	name, duration, r := tokenBody(c)
	if r != nil {
		return *r
	}
	if duration == "" {
		duration = DefaultServiceTokenDuration
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := &ServiceToken{
		ID: newUUID(), AccountID: account, Name: name, Duration: duration,
		ClientID: randomHex(16) + ".access", ClientSecret: randomHex(32),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(serviceTokenDurations[duration]),
	}
	s.access.tokens = append(s.access.tokens, t)
	s.log(Event{Time: now, Kind: ServiceTokenCreated, AccountID: account, AccessID: t.ID, AccessName: t.Name})
	return ok(serviceTokenJSON(t, true))
}

func (s *Server) listServiceTokens(c *call) reply {
	account := c.req.PathValue("account")
	if !s.accounts[account] {
		return couldNotRoute(c)
	}
	var live []*ServiceToken
	for _, t := range s.access.tokens {
		if t.AccountID == account && t.DeletedAt.IsZero() {
			live = append(live, t)
		}
	}
	return listReply(c, live, 1000, 1000, func(t *ServiceToken) any { return serviceTokenJSON(t, false) })
}

func (s *Server) updateServiceToken(c *call) reply {
	t, r := objectIn(s, c, s.access.tokens, "token", "service token")
	if r != nil {
		return *r
	}
	name, duration, r := tokenBody(c)
	if r != nil {
		return *r
	}
	t.Name, t.UpdatedAt = name, time.Now().UTC().Truncate(time.Second)
	if duration != "" && duration != t.Duration {
		t.Duration, t.ExpiresAt = duration, t.UpdatedAt.Add(serviceTokenDurations[duration])
	}
	s.log(Event{Time: t.UpdatedAt, Kind: ServiceTokenUpdated, AccountID: t.AccountID, AccessID: t.ID, AccessName: t.Name})
	return ok(serviceTokenJSON(t, false))
}

func (s *Server) deleteServiceToken(c *call) reply {
	t, r := objectIn(s, c, s.access.tokens, "token", "service token")
	if r != nil {
		return *r
	}
	for _, p := range s.access.policies {
		if !p.DeletedAt.IsZero() {
			continue
		}
		for _, rule := range p.Include {
			if st, ok := rule["service_token"].(map[string]any); ok && str(st, "token_id") == t.ID {
				s.violate("service token %q (%s) deleted while policy %q (%s) names it", t.Name, t.ID, p.Name, p.ID)
			}
		}
	}
	t.DeletedAt = time.Now().UTC()
	s.log(Event{Time: t.DeletedAt, Kind: ServiceTokenDeleted, AccountID: t.AccountID, AccessID: t.ID, AccessName: t.Name})
	return ok(serviceTokenJSON(t, false))
}
