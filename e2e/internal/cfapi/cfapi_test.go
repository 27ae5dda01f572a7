package cfapi

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	acct   = "0123456789abcdef0123456789abcdef"
	acct2  = "fedcba9876543210fedcba9876543210"
	zoneA  = "aaaabbbbccccddddeeeeffff00001111"
	ghost  = "99999999999999999999999999999999"
	noUUID = "00000000-0000-4000-8000-000000000000"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// fixture is a started fake with a client that trusts the CA file, and a settable connector count per tunnel.
type fixture struct {
	t  *testing.T
	s  *Server
	hc *http.Client

	mu         sync.Mutex
	connectors map[string]int
}

func start(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, connectors: map[string]int{}}
	f.s = Start(t, Options{
		Accounts: []string{acct},
		Zones: []Zone{
			{Name: "example.com", ID: zoneA},
			{Name: "Other.ORG.", AccountID: acct2},
		},
		Connectors: func(id string) int {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.connectors[id]
		},
	})
	pemBytes, err := os.ReadFile(f.s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CA file %s holds no certificate", f.s.CAFile)
	}
	f.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return f
}

func (f *fixture) setConnectors(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connectors[id] = n
}

// answer is a decoded envelope.
type answer struct {
	Status     int
	Success    bool            `json:"success"`
	Errors     []APIError      `json:"errors"`
	Messages   []APIError      `json:"messages"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *ResultInfo     `json:"result_info"`
}

// call sends a request with the token; body is raw JSON ("" for none).
func (f *fixture) call(method, path, body string) answer {
	f.t.Helper()
	return f.callAuth(method, path, body, "Bearer "+Token)
}

func (f *fixture) callAuth(method, path, body, auth string) answer {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.s.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &a); err != nil {
		f.t.Fatalf("%s %s: answer is not JSON: %v: %s", method, path, err, raw)
	}
	if a.Errors == nil || a.Messages == nil {
		f.t.Fatalf("%s %s: errors and messages must be arrays: %s", method, path, raw)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q", method, path, resp.Header.Get("Content-Type"))
	}
	return a
}

// ok checks a successful answer and decodes its result.
func (f *fixture) ok(a answer, into any) {
	f.t.Helper()
	if a.Status != http.StatusOK || !a.Success || len(a.Errors) != 0 {
		f.t.Fatalf("want success, got %d %v %v: %s", a.Status, a.Success, a.Errors, a.Result)
	}
	if into != nil {
		if err := json.Unmarshal(a.Result, into); err != nil {
			f.t.Fatalf("result %s: %v", a.Result, err)
		}
	}
}

// failed checks an error answer.
func (f *fixture) failed(a answer, status int, want ...APIError) {
	f.t.Helper()
	if a.Status != status || a.Success || string(a.Result) != "null" {
		f.t.Errorf("want failure %d with result null, got %d success=%v result=%s", status, a.Status, a.Success, a.Result)
	}
	if !reflect.DeepEqual(a.Errors, want) {
		f.t.Errorf("errors:\n got %#v\nwant %#v", a.Errors, want)
	}
}

// failedPrefix checks an error answer with one error whose message starts with prefix.
func (f *fixture) failedPrefix(a answer, status, code int, prefix string) {
	f.t.Helper()
	if a.Status != status || a.Success || len(a.Errors) != 1 || a.Errors[0].Code != code || !strings.HasPrefix(a.Errors[0].Message, prefix) {
		f.t.Errorf("want %d [%d %q...], got %d %#v", status, code, prefix, a.Status, a.Errors)
	}
}

func secretOf(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// tunnelJSON is the part of the tunnel object the tests look at.
type tunnelJSON struct {
	ID              string  `json:"id"`
	AccountTag      string  `json:"account_tag"`
	Name            string  `json:"name"`
	CreatedAt       string  `json:"created_at"`
	DeletedAt       *string `json:"deleted_at"`
	Connections     []any   `json:"connections"`
	ConnsActiveAt   *string `json:"conns_active_at"`
	ConnsInactiveAt *string `json:"conns_inactive_at"`
	TunType         string  `json:"tun_type"`
	Status          string  `json:"status"`
	RemoteConfig    bool    `json:"remote_config"`
	ConfigSrc       string  `json:"config_src"`
	Token           *string `json:"token"`
}

func (f *fixture) createTunnel(account, name, configSrc string) tunnelJSON {
	f.t.Helper()
	var tj tunnelJSON
	f.ok(f.call("POST", "/accounts/"+account+"/cfd_tunnel",
		fmt.Sprintf(`{"name":%q,"tunnel_secret":%q,"config_src":%q}`, name, secretOf(32), configSrc)), &tj)
	return tj
}

func (f *fixture) createRecord(zone, body string) map[string]any {
	f.t.Helper()
	var r map[string]any
	f.ok(f.call("POST", "/zones/"+zone+"/dns_records", body), &r)
	return r
}

func cname(name, tunnelID string) string {
	return fmt.Sprintf(`{"type":"CNAME","name":%q,"content":"%s.cfargotunnel.com","ttl":1,"proxied":true}`, name, tunnelID)
}

func kinds(es []Event) []EventKind {
	var out []EventKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

func TestServerTLSAndAddresses(t *testing.T) {
	f := start(t)
	if !regexp.MustCompile(`^127\.0\.0\.1:[0-9]+$`).MatchString(f.s.Host) {
		t.Errorf("Host = %q", f.s.Host)
	}
	if f.s.URL != "https://"+f.s.Host+"/client/v4" {
		t.Errorf("URL = %q", f.s.URL)
	}
	pemBytes, _ := os.ReadFile(f.s.CAFile)
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("CA file is not one PEM certificate: %q", pemBytes)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA certificate: IsCA=%v err=%v", ca != nil && ca.IsCA, err)
	}

	// Trusted through the CA file, for 127.0.0.1 and localhost; untrusted without it.
	f.ok(f.call("GET", "/zones", ""), nil)
	port := strings.TrimPrefix(f.s.Host, "127.0.0.1:")
	req, _ := http.NewRequest("GET", "https://localhost:"+port+BasePath+"/zones", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatalf("localhost: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("localhost: status %d", resp.StatusCode)
	}
	_, err = (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}).Get(f.s.URL + "/zones")
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &unknownCA) {
		t.Errorf("a client without the CA: want x509.UnknownAuthorityError, got %v", err)
	}
	// Server.Client trusts the CA too.
	resp, err = f.s.Client().Get(f.s.URL + "/zones")
	if err != nil {
		t.Fatalf("Server.Client: %v", err)
	}
	resp.Body.Close()

	if !regexp.MustCompile(`^[A-Za-z0-9_-]{40}$`).MatchString(Token) {
		t.Errorf("Token %q is not 40 characters of [A-Za-z0-9_-] (the provider refuses it)", Token)
	}
	wantEnv := []string{"CLOUDFLARE_API_HOSTNAME=" + f.s.Host, "CLOUDFLARE_API_TOKEN=" + Token, "SSL_CERT_FILE=" + f.s.CAFile}
	if got := f.s.Env(); !reflect.DeepEqual(got, wantEnv) {
		t.Errorf("Env() = %v, want %v", got, wantEnv)
	}
}

func TestAuthorization(t *testing.T) {
	f := start(t)
	f.failed(f.callAuth("GET", "/zones", "", ""), http.StatusBadRequest,
		APIError{Code: CodeMissingAuth, Message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers"})
	bad := APIError{Code: CodeInvalidHeaders, Message: "Invalid request headers", ErrorChain: []APIError{
		{Code: CodeInvalidAuthHeader, Message: "Invalid format for Authorization header"}}}
	f.failed(f.callAuth("GET", "/zones", "", "Basic dXNlcjpwYXNz"), http.StatusBadRequest, bad)
	f.failed(f.callAuth("GET", "/zones", "", "Bearer  "), http.StatusBadRequest, bad)
	// A refused call changes nothing.
	f.failed(f.callAuth("POST", "/accounts/"+acct+"/cfd_tunnel", `{"name":"x","tunnel_secret":"`+secretOf(32)+`"}`, ""),
		http.StatusBadRequest, APIError{Code: CodeMissingAuth, Message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers"})
	if n := len(f.s.Tunnels()); n != 0 {
		t.Errorf("tunnels after a call without token: %d", n)
	}
	f.ok(f.callAuth("GET", "/zones", "", "Bearer any-non-empty-token"), nil)
	if n := len(f.s.Requests()); n != 5 {
		t.Errorf("recorded %d requests, want 5", n)
	}
}

func TestUnknownEndpoints(t *testing.T) {
	f := start(t)
	f.failed(f.call("GET", "/accounts/"+acct+"/gateway/rules", ""), http.StatusNotFound, APIError{Code: CodeNoRoute,
		Message: "No route for that URI: GET /accounts/" + acct + "/gateway/rules (the cfapi fake does not implement this endpoint)"})
	// A known path with a method the fake does not serve.
	f.failed(f.call("PATCH", "/accounts/"+acct+"/cfd_tunnel/"+noUUID, `{"name":"x"}`), http.StatusNotFound, APIError{Code: CodeNoRoute,
		Message: "No route for that URI: PATCH /accounts/" + acct + "/cfd_tunnel/" + noUUID + " (the cfapi fake does not implement this endpoint)"})
	f.call("GET", "/zones", "")
	u := f.s.Unhandled()
	if len(u) != 2 || u[0].Path != "/accounts/"+acct+"/gateway/rules" || u[1].Method != "PATCH" || u[1].Handled || u[1].Status != 404 {
		t.Errorf("Unhandled() = %+v", u)
	}
	if !reflect.DeepEqual(u[1].Body, map[string]any{"name": "x"}) {
		t.Errorf("unhandled body = %#v", u[1].Body)
	}

	// Outside the base path.
	req, _ := http.NewRequest("GET", "https://"+f.s.Host+"/v4/zones", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("outside the base path: %d", resp.StatusCode)
	}
	if u := f.s.Unhandled(); len(u) != 3 || u[2].Path != "/v4/zones" {
		t.Errorf("Unhandled()[2] = %+v", u[len(u)-1])
	}
}

func TestZones(t *testing.T) {
	f := start(t)
	otherID := derivedID("zone:other.org")
	if zs := f.s.Zones(); !reflect.DeepEqual(zs, []Zone{{Name: "example.com", ID: zoneA, AccountID: acct}, {Name: "other.org", ID: otherID, AccountID: acct2}}) {
		t.Errorf("Zones() = %+v", zs)
	}

	a := f.call("GET", "/zones?account.id="+acct+"&name=example.com&per_page=50", "")
	var zones []map[string]any
	f.ok(a, &zones)
	if len(zones) != 1 || zones[0]["id"] != zoneA || zones[0]["name"] != "example.com" || zones[0]["status"] != "active" ||
		zones[0]["paused"] != false || zones[0]["account"].(map[string]any)["id"] != acct {
		t.Errorf("zones = %v", zones)
	}
	if *a.ResultInfo != (ResultInfo{Page: 1, PerPage: 50, Count: 1, TotalCount: 1, TotalPages: 1}) {
		t.Errorf("result_info = %+v", *a.ResultInfo)
	}
	if _, err := time.Parse(time.RFC3339, zones[0]["created_on"].(string)); err != nil {
		t.Errorf("created_on: %v", err)
	}
	if p := zones[0]["plan"].(map[string]any); p["name"] != "Free Website" {
		t.Errorf("plan = %v", p)
	}

	f.ok(f.call("GET", "/zones?name=EXAMPLE.com.", ""), &zones)
	if len(zones) != 1 || zones[0]["id"] != zoneA {
		t.Errorf("case and trailing dot: %v", zones)
	}
	for _, q := range []string{"name=nope.com", "name=example.com&account.id=" + acct2, "account.id=" + ghost, "status=pending"} {
		a := f.call("GET", "/zones?"+q, "")
		f.ok(a, &zones)
		if len(zones) != 0 || a.ResultInfo.TotalCount != 0 || a.ResultInfo.Count != 0 || a.ResultInfo.TotalPages != 0 {
			t.Errorf("%s: %v %+v", q, zones, a.ResultInfo)
		}
	}
	a = f.call("GET", "/zones?per_page=1&page=3", "")
	f.ok(a, &zones)
	if len(zones) != 0 || *a.ResultInfo != (ResultInfo{Page: 3, PerPage: 1, Count: 0, TotalCount: 2, TotalPages: 2}) {
		t.Errorf("page past the end: %v %+v", zones, *a.ResultInfo)
	}
	a = f.call("GET", "/zones?per_page=1&page=2", "")
	f.ok(a, &zones)
	if len(zones) != 1 || zones[0]["id"] != otherID || zones[0]["name"] != "other.org" ||
		*a.ResultInfo != (ResultInfo{Page: 2, PerPage: 1, Count: 1, TotalCount: 2, TotalPages: 2}) {
		t.Errorf("page 2: %v %+v", zones, *a.ResultInfo)
	}

	var z map[string]any
	f.ok(f.call("GET", "/zones/"+otherID, ""), &z)
	if z["id"] != otherID || z["name"] != "other.org" || z["account"].(map[string]any)["id"] != acct2 {
		t.Errorf("zone = %v", z)
	}
	f.failed(f.call("GET", "/zones/"+ghost, ""), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /zones/" + ghost + ", perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
}

func TestTunnelLifecycle(t *testing.T) {
	f := start(t)
	secret := secretOf(32)
	var created tunnelJSON
	f.ok(f.call("POST", "/accounts/"+acct+"/cfd_tunnel", `{"name":"edge-1","tunnel_secret":"`+secret+`","config_src":"cloudflare"}`), &created)
	id := created.ID
	if !uuidRE.MatchString(id) {
		t.Fatalf("id %q is not a UUID v4", id)
	}
	wantToken := base64.StdEncoding.EncodeToString([]byte(`{"a":"` + acct + `","t":"` + id + `","s":"` + secret + `"}`))
	if created.Token == nil || *created.Token != wantToken {
		t.Errorf("create answer token = %v, want %s", created.Token, wantToken)
	}
	created.Token = nil
	if _, err := time.Parse(time.RFC3339Nano, created.CreatedAt); err != nil {
		t.Errorf("created_at %q: %v", created.CreatedAt, err)
	}
	want := tunnelJSON{ID: id, AccountTag: acct, Name: "edge-1", CreatedAt: created.CreatedAt, Connections: []any{},
		TunType: "cfd_tunnel", Status: "inactive", RemoteConfig: true, ConfigSrc: "cloudflare"}
	if !reflect.DeepEqual(created, want) {
		t.Errorf("created:\n got %+v\nwant %+v", created, want)
	}

	base := "/accounts/" + acct + "/cfd_tunnel/" + id
	var got tunnelJSON
	f.ok(f.call("GET", base, ""), &got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET:\n got %+v\nwant %+v", got, want)
	}
	var token string
	f.ok(f.call("GET", base+"/token", ""), &token)
	if token != wantToken {
		t.Errorf("token = %q, want %q", token, wantToken)
	}
	var list []tunnelJSON
	a := f.call("GET", "/accounts/"+acct+"/cfd_tunnel?name=edge-1&is_deleted=false", "")
	f.ok(a, &list)
	if len(list) != 1 || list[0].ID != id || a.ResultInfo.TotalCount != 1 {
		t.Errorf("list = %+v %+v", list, a.ResultInfo)
	}
	a = f.call("GET", base+"/connections", "")
	if f.ok(a, nil); string(a.Result) != "[]" {
		t.Errorf("connections = %s, want []", a.Result)
	}

	// destroy: connections cleanup (an object, not an array), then delete.
	a = f.call("DELETE", base+"/connections", "")
	if f.ok(a, nil); string(a.Result) != "{}" {
		t.Errorf("cleanup result = %s, want {}", a.Result)
	}
	var deleted tunnelJSON
	f.ok(f.call("DELETE", base, ""), &deleted)
	if deleted.DeletedAt == nil || deleted.ID != id {
		t.Fatalf("delete answer = %+v", deleted)
	}
	f.ok(f.call("GET", base, ""), &got)
	if got.DeletedAt == nil || *got.DeletedAt != *deleted.DeletedAt {
		t.Errorf("GET after delete: deleted_at = %v, want %s", got.DeletedAt, *deleted.DeletedAt)
	}
	gone := APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + id + " was deleted at " + *deleted.DeletedAt}
	f.failed(f.call("GET", base+"/token", ""), http.StatusNotFound, gone)
	f.failed(f.call("DELETE", base+"/connections", ""), http.StatusNotFound, gone)
	f.failed(f.call("DELETE", base, ""), http.StatusNotFound, gone)
	f.ok(f.call("GET", "/accounts/"+acct+"/cfd_tunnel?is_deleted=false", ""), &list)
	if len(list) != 0 {
		t.Errorf("live tunnels after delete: %+v", list)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/cfd_tunnel?is_deleted=true", ""), &list)
	if len(list) != 1 || list[0].ID != id {
		t.Errorf("deleted tunnels: %+v", list)
	}

	ts := f.s.Tunnels()
	if len(ts) != 1 {
		t.Fatalf("Tunnels() = %+v", ts)
	}
	tn := ts[0]
	if tn.ID != id || tn.AccountID != acct || tn.Name != "edge-1" || tn.Secret != secret || tn.ConfigSrc != "cloudflare" ||
		tn.Token != wantToken || !tn.Deleted() || timestamp(tn.DeletedAt) != *deleted.DeletedAt || tn.CNAME() != id+".cfargotunnel.com" {
		t.Errorf("Tunnels()[0] = %+v", tn)
	}
	es := f.s.Events()
	if k := kinds(es); !reflect.DeepEqual(k, []EventKind{TunnelCreated, ConnectionsCleaned, TunnelDeleted}) {
		t.Errorf("events = %v", k)
	}
	for _, e := range es {
		if e.TunnelID != id || e.TunnelName != "edge-1" || e.AccountID != acct {
			t.Errorf("event %+v", e)
		}
	}
	if !es[0].Time.Before(es[2].Time) && !es[0].Time.Equal(es[2].Time) {
		t.Errorf("event times out of order: %v", es)
	}
	// The name is free again once the tunnel is deleted.
	again := f.createTunnel(acct, "edge-1", "cloudflare")
	if again.ID == id {
		t.Errorf("a new tunnel got the old id")
	}
	if v := f.s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

func TestTunnelRules(t *testing.T) {
	f := start(t)
	post := func(body string) answer { return f.call("POST", "/accounts/"+acct+"/cfd_tunnel", body) }
	parse := "Could not parse input. "
	f.failedPrefix(post(`{"name":`), 400, CodeBadJSON, parse+"Json deserialize error: ")
	f.failedPrefix(post(``), 400, CodeBadJSON, parse+"Json deserialize error: ")
	f.failed(post(`{"tunnel_secret":"`+secretOf(32)+`"}`), 400, APIError{Code: CodeBadJSON, Message: parse + "name is required"})
	f.failed(post(`{"name":"x","tunnel_secret":"not base64!"}`), 400, APIError{Code: CodeBadJSON,
		Message: parse + "tunnel_secret is not valid base64: illegal base64 data at input byte 3"})
	f.failed(post(`{"name":"x","tunnel_secret":"`+secretOf(31)+`"}`), 400, APIError{Code: CodeBadJSON,
		Message: parse + "tunnel_secret must be at least 32 bytes, got 31"})
	f.failed(post(`{"name":"x","tunnel_secret":"`+secretOf(32)+`","config_src":"remote"}`), 400, APIError{Code: CodeBadJSON,
		Message: parse + "unknown variant `remote`, expected `local` or `cloudflare`"})
	if n := len(f.s.Tunnels()); n != 0 {
		t.Fatalf("refused creates made %d tunnels", n)
	}

	// A 44-character random password is valid base64 of 33 bytes.
	var tj tunnelJSON
	pw := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
	f.ok(post(`{"name":"pw","tunnel_secret":"`+pw+`","config_src":"cloudflare"}`), &tj)
	// No config_src: a locally managed tunnel.
	f.ok(post(`{"name":"local","tunnel_secret":"`+secretOf(32)+`"}`), &tj)
	if tj.RemoteConfig || tj.ConfigSrc != "local" {
		t.Errorf("default config_src: remote_config=%v config_src=%q", tj.RemoteConfig, tj.ConfigSrc)
	}
	// No secret: the API makes one of 32 bytes.
	f.ok(post(`{"name":"nosecret","config_src":"cloudflare"}`), &tj)
	ts := f.s.Tunnels()
	if raw, err := base64.StdEncoding.DecodeString(ts[2].Secret); err != nil || len(raw) != 32 {
		t.Errorf("generated secret %q: %d bytes, %v", ts[2].Secret, len(raw), err)
	}
	if ts[0].Secret != pw {
		t.Errorf("secret as received: %q", ts[0].Secret)
	}

	// Names are unique per account among live tunnels.
	f.failed(post(`{"name":"pw","tunnel_secret":"`+secretOf(32)+`","config_src":"cloudflare"}`), http.StatusConflict,
		APIError{Code: CodeTunnelNameExists, Message: "You already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new tunnel"})
	other := f.createTunnel(acct2, "pw", "cloudflare")
	if other.AccountTag != acct2 {
		t.Errorf("account_tag = %q", other.AccountTag)
	}

	// Unknown account, unknown tunnel, a tunnel of another account.
	f.failed(f.call("POST", "/accounts/"+ghost+"/cfd_tunnel", `{"name":"x","tunnel_secret":"`+secretOf(32)+`"}`), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /accounts/" + ghost + "/cfd_tunnel, perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
	f.failed(f.call("GET", "/accounts/"+acct+"/cfd_tunnel/"+noUUID, ""), http.StatusNotFound,
		APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + noUUID + " not found"})
	f.failed(f.call("GET", "/accounts/"+acct+"/cfd_tunnel/"+other.ID+"/token", ""), http.StatusNotFound,
		APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + other.ID + " not found"})
	f.failed(f.call("GET", "/accounts/"+ghost+"/cfd_tunnel", ""), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /accounts/" + ghost + "/cfd_tunnel, perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})

	// List filters and pagination.
	var list []tunnelJSON
	a := f.call("GET", "/accounts/"+acct+"/cfd_tunnel?include_prefix=no&per_page=1", "")
	f.ok(a, &list)
	if len(list) != 1 || list[0].Name != "nosecret" || a.ResultInfo.TotalCount != 1 {
		t.Errorf("include_prefix: %+v", list)
	}
	a = f.call("GET", "/accounts/"+acct+"/cfd_tunnel?exclude_prefix=no&per_page=1&page=2", "")
	f.ok(a, &list)
	if len(list) != 1 || list[0].Name != "local" || *a.ResultInfo != (ResultInfo{Page: 2, PerPage: 1, Count: 1, TotalCount: 2, TotalPages: 2}) {
		t.Errorf("exclude_prefix page 2: %+v %+v", list, a.ResultInfo)
	}
	f.ok(f.call("GET", "/accounts/"+acct+"/cfd_tunnel?uuid="+ts[1].ID, ""), &list)
	if len(list) != 1 || list[0].ID != ts[1].ID {
		t.Errorf("uuid filter: %+v", list)
	}
}

func TestConfiguration(t *testing.T) {
	f := start(t)
	tn := f.createTunnel(acct, "edge", "cloudflare")
	base := "/accounts/" + acct + "/cfd_tunnel/" + tn.ID + "/configurations"

	// Before any PUT.
	var cfg struct {
		AccountID string          `json:"account_id"`
		TunnelID  string          `json:"tunnel_id"`
		Version   int             `json:"version"`
		Config    json.RawMessage `json:"config"`
		Source    string          `json:"source"`
		CreatedAt string          `json:"created_at"`
	}
	f.ok(f.call("GET", base, ""), &cfg)
	if cfg.TunnelID != tn.ID || cfg.Version != 0 || string(cfg.Config) != "null" {
		t.Errorf("before PUT: %+v", cfg)
	}

	config := `{"ingress":[` +
		`{"hostname":"app.example.com","service":"http://app.default.svc:80","originRequest":{"connectTimeout":10,"tlsTimeout":10,"noTLSVerify":false,"proxyAddress":"127.0.0.1","proxyPort":0,"access":{"required":true,"teamName":"team","audTag":["aud1"]}}},` +
		`{"hostname":"*.example.com","path":"^/v1/","service":"https://api:443"},` +
		`{"service":"http_status:404"}],"warp-routing":{},"originRequest":{}}`
	f.ok(f.call("PUT", base, `{"config":`+config+`}`), &cfg)
	if cfg.AccountID != acct || cfg.TunnelID != tn.ID || cfg.Version != 1 || cfg.Source != "cloudflare" || string(cfg.Config) != config {
		t.Errorf("PUT answer: %+v config=%s", cfg, cfg.Config)
	}
	if _, err := time.Parse(time.RFC3339Nano, cfg.CreatedAt); err != nil {
		t.Errorf("created_at: %v", err)
	}
	f.ok(f.call("GET", base, ""), &cfg)
	if cfg.TunnelID != tn.ID || cfg.Version != 1 || string(cfg.Config) != config {
		t.Errorf("GET answers what was PUT: %+v config=%s", cfg, cfg.Config)
	}
	c, found := f.s.Configuration(tn.ID)
	wantRules := []IngressRule{
		{Hostname: "app.example.com", Service: "http://app.default.svc:80"},
		{Hostname: "*.example.com", Path: "^/v1/", Service: "https://api:443"},
		{Service: "http_status:404"},
	}
	if !found || c.TunnelID != tn.ID || c.Version != 1 || string(c.Config) != config || !reflect.DeepEqual(c.Ingress, wantRules) {
		t.Errorf("Configuration() = %+v, %v", c, found)
	}

	// The provider's reset on destroy.
	reset := `{"config":{"ingress":[{"service":"http_status:404"}],"warp-routing":{},"originRequest":{}}}`
	f.ok(f.call("PUT", base, reset), &cfg)
	if cfg.Version != 2 {
		t.Errorf("version after the second PUT = %d", cfg.Version)
	}

	bad := "Bad Configuration: Validation failed: "
	for _, tc := range []struct{ ingress, msg string }{
		{`[{"hostname":"a.example.com","service":"http://a:80"}]`, "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)"},
		{`[{"path":"^/x","service":"http_status:404"}]`, "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)"},
		{`[]`, "The config file doesn't contain any ingress rules"},
		{`[{"hostname":"a.example.com"},{"service":"http_status:404"}]`, " is an invalid address, please make sure it has a scheme and a hostname"},
		{`[{"hostname":"a.example.com","service":"a:80"},{"service":"http_status:404"}]`, "a:80 is an invalid address, please make sure it has a scheme and a hostname"},
		{`[{"hostname":"a.example.com","service":"http://a:80/x"},{"service":"http_status:404"}]`, "http://a:80/x is an invalid address, ingress rules don't support proxying to a different path on the origin service. The path will be the same as the eyeball request's path"},
		{`[{"service":"http_status:abc"}]`, `invalid HTTP status: strconv.Atoi: parsing "abc": invalid syntax`},
		{`[{"service":"http://a:80"},{"service":"http_status:404"}]`, "Rule #1 is matching the hostname '', but this will match every hostname, meaning the rules which follow it will never be triggered."},
		{`[{"hostname":"a.example.com:443","service":"http://a:80"},{"service":"http_status:404"}]`, "Hostname cannot contain a port"},
		{`[{"hostname":"a.*.example.com","service":"http://a:80"},{"service":"http_status:404"}]`, `Hostname patterns can have at most one wildcard character ("*") and it can only be used for subdomains, e.g. "*.example.com"`},
		{`[{"hostname":"a.example.com","path":"(","service":"http://a:80"},{"service":"http_status:404"}]`, "Rule #1 has an invalid regex: error parsing regexp: missing closing ): `(`"},
	} {
		f.failed(f.call("PUT", base, `{"config":{"ingress":`+tc.ingress+`}}`), http.StatusBadRequest,
			APIError{Code: CodeBadConfiguration, Message: bad + tc.msg + "\n"})
	}
	f.failed(f.call("PUT", base, `{"config":"ingress"}`), http.StatusBadRequest,
		APIError{Code: CodeBadJSON, Message: "Could not parse input. config must be an object with an ingress list"})
	if c, _ := f.s.Configuration(tn.ID); c.Version != 2 || !reflect.DeepEqual(c.Ingress, []IngressRule{{Service: "http_status:404"}}) {
		t.Errorf("refused PUTs changed the configuration: %+v", c)
	}
	// Unknown and deleted tunnels.
	f.failed(f.call("PUT", "/accounts/"+acct+"/cfd_tunnel/"+noUUID+"/configurations", reset), http.StatusNotFound,
		APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + noUUID + " not found"})
	f.failed(f.call("GET", "/accounts/"+acct+"/cfd_tunnel/"+noUUID+"/configurations", ""), http.StatusNotFound,
		APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + noUUID + " not found"})
	var del tunnelJSON
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+tn.ID, ""), &del)
	gone := APIError{Code: CodeTunnelNotFound, Message: "Tunnel " + tn.ID + " was deleted at " + *del.DeletedAt}
	f.failed(f.call("PUT", base, reset), http.StatusNotFound, gone)
	f.failed(f.call("GET", base, ""), http.StatusNotFound, gone)

	es := f.s.Events()
	if k := kinds(es); !reflect.DeepEqual(k, []EventKind{TunnelCreated, ConfigPut, ConfigPut, TunnelDeleted}) {
		t.Fatalf("events = %v", k)
	}
	if es[1].Version != 1 || !reflect.DeepEqual(es[1].Ingress, wantRules) || es[2].Version != 2 || es[2].TunnelID != tn.ID {
		t.Errorf("config events: %+v / %+v", es[1], es[2])
	}
	if s := es[1].String(); !strings.Contains(s, "tunnel configuration put: "+tn.ID+" (edge) v1 [app.example.com -> http://app.default.svc:80, *.example.com^/v1/ -> https://api:443, * -> http_status:404]") {
		t.Errorf("String() = %q", s)
	}
}

func TestDNSRecords(t *testing.T) {
	f := start(t)
	t1 := f.createTunnel(acct, "edge-1", "cloudflare")
	t2 := f.createTunnel(acct, "edge-2", "cloudflare")
	records := "/zones/" + zoneA + "/dns_records"

	r := f.createRecord(zoneA, `{"type":"CNAME","name":"app","content":"`+t1.ID+`.cfargotunnel.com","ttl":1,"proxied":true,"comment":"managed by tunnelgate"}`)
	rid := r["id"].(string)
	if !hex32.MatchString(rid) {
		t.Errorf("record id %q", rid)
	}
	created, _ := time.Parse(time.RFC3339Nano, r["created_on"].(string))
	want := map[string]any{
		"id": rid, "zone_id": zoneA, "zone_name": "example.com", "name": "app.example.com", "type": "CNAME",
		"content": t1.ID + ".cfargotunnel.com", "proxiable": true, "proxied": true, "ttl": float64(1), "locked": false,
		"comment": "managed by tunnelgate", "tags": []any{}, "settings": map[string]any{},
		"meta":       map[string]any{"auto_added": false, "managed_by_apps": false, "managed_by_argo_tunnel": false},
		"created_on": r["created_on"], "modified_on": r["created_on"],
	}
	if created.IsZero() || !reflect.DeepEqual(r, want) {
		t.Errorf("create answer:\n got %v\nwant %v", r, want)
	}
	var got map[string]any
	f.ok(f.call("GET", records+"/"+rid, ""), &got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET:\n got %v\nwant %v", got, want)
	}

	api := f.createRecord(zoneA, `{"type":"CNAME","name":"API.example.com.","content":"`+t1.ID+`.cfargotunnel.com.","ttl":1,"proxied":true}`)
	if api["name"] != "api.example.com" || api["content"] != t1.ID+".cfargotunnel.com" || api["comment"] != nil {
		t.Errorf("FQDN name: %v", api)
	}
	apex := f.createRecord(zoneA, `{"type":"txt","name":"@","content":"v=spf1 -all","ttl":3600,"tags":["a:b"]}`)
	if apex["name"] != "example.com" || apex["type"] != "TXT" || apex["proxied"] != false || apex["proxiable"] != false ||
		apex["ttl"] != float64(3600) || !reflect.DeepEqual(apex["tags"], []any{"a:b"}) {
		t.Errorf("apex TXT: %v", apex)
	}
	mx := f.createRecord(zoneA, `{"type":"MX","name":"example.com","content":"mail.example.com","priority":10}`)
	if mx["priority"] != float64(10) {
		t.Errorf("MX priority: %v", mx)
	}

	var list []map[string]any
	a := f.call("GET", records+"?name=app.example.com&type=CNAME", "")
	f.ok(a, &list)
	if len(list) != 1 || list[0]["id"] != rid || *a.ResultInfo != (ResultInfo{Page: 1, PerPage: 100, Count: 1, TotalCount: 1, TotalPages: 1}) {
		t.Errorf("list by name and type: %v %+v", list, a.ResultInfo)
	}
	for q, n := range map[string]int{"": 4, "type=TXT": 1, "name=example.com": 2, "proxied=true": 2, "content=" + t1.ID + ".cfargotunnel.com": 2, "name=nope.example.com": 0} {
		f.ok(f.call("GET", records+"?"+q, ""), &list)
		if len(list) != n {
			t.Errorf("list %q: %d records, want %d", q, len(list), n)
		}
	}

	// PATCH changes what is sent (the provider always sends tags).
	time.Sleep(2 * time.Millisecond)
	f.ok(f.call("PATCH", records+"/"+rid, `{"type":"CNAME","name":"app","content":"`+t2.ID+`.cfargotunnel.com","tags":[]}`), &got)
	if got["content"] != t2.ID+".cfargotunnel.com" || got["comment"] != "managed by tunnelgate" || got["proxied"] != true ||
		got["ttl"] != float64(1) || got["created_on"] != want["created_on"] || got["modified_on"] == got["created_on"] {
		t.Errorf("PATCH: %v", got)
	}
	// PUT replaces the record.
	f.ok(f.call("PUT", records+"/"+rid, `{"type":"CNAME","name":"app.example.com","content":"`+t2.ID+`.cfargotunnel.com","proxied":true}`), &got)
	if got["comment"] != nil || got["ttl"] != float64(1) || got["proxied"] != true || got["id"] != rid {
		t.Errorf("PUT: %v", got)
	}

	a = f.call("DELETE", records+"/"+rid, "")
	if f.ok(a, nil); string(a.Result) != `{"id":"`+rid+`"}` {
		t.Errorf("DELETE result = %s", a.Result)
	}
	notFound := APIError{Code: CodeRecordNotFound, Message: "Record does not exist."}
	f.failed(f.call("GET", records+"/"+rid, ""), http.StatusNotFound, notFound)
	f.failed(f.call("DELETE", records+"/"+rid, ""), http.StatusNotFound, notFound)
	f.failed(f.call("PATCH", records+"/"+rid, `{"content":"x.example.com"}`), http.StatusNotFound, notFound)

	rs := f.s.Records(zoneA)
	if len(rs) != 3 || rs[0].Name != "api.example.com" || rs[0].TunnelID() != t1.ID || rs[1].Name != "example.com" || rs[1].TunnelID() != "" ||
		!reflect.DeepEqual(rs[1].Tags, []string{"a:b"}) || rs[2].Priority == nil || *rs[2].Priority != 10 {
		t.Errorf("Records() = %+v", rs)
	}
	if n := len(f.s.Records("")); n != 3 {
		t.Errorf("Records(\"\") = %d records", n)
	}
	es := f.s.Events()
	if k := kinds(es[2:]); !reflect.DeepEqual(k, []EventKind{RecordCreated, RecordCreated, RecordCreated, RecordCreated, RecordUpdated, RecordUpdated, RecordDeleted}) {
		t.Fatalf("record events = %v", k)
	}
	upd := es[6]
	if upd.RecordID != rid || upd.Name != "app.example.com" || upd.OldContent != t1.ID+".cfargotunnel.com" || upd.Content != t2.ID+".cfargotunnel.com" || upd.ZoneID != zoneA {
		t.Errorf("update event = %+v", upd)
	}
	if del := es[8]; del.RecordID != rid || del.Content != t2.ID+".cfargotunnel.com" || del.Type != "CNAME" {
		t.Errorf("delete event = %+v", del)
	}
	if v := f.s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

func TestDNSRules(t *testing.T) {
	f := start(t)
	tn := f.createTunnel(acct, "edge", "cloudflare")
	app := f.createRecord(zoneA, cname("app", tn.ID))
	host := f.createRecord(zoneA, `{"type":"A","name":"host","content":"192.0.2.1","ttl":1,"proxied":true}`)
	f.createRecord(zoneA, `{"type":"TXT","name":"txt","content":"hello"}`)
	records := "/zones/" + zoneA + "/dns_records"
	dns := func(format string, args ...any) APIError {
		return APIError{Code: CodeDNSValidation, Message: "DNS Validation Error: " + fmt.Sprintf(format, args...)}
	}
	for _, tc := range []struct {
		body string
		want APIError
	}{
		{`{"type":"CNAME","name":"x","content":"192.0.2.1","proxied":true}`, APIError{Code: CodeInvalidCNAME, Message: "Content for CNAME record is invalid."}},
		{`{"type":"CNAME","name":"x","content":"not a host","proxied":true}`, APIError{Code: CodeInvalidCNAME, Message: "Content for CNAME record is invalid."}},
		{`{"type":"CNAME","name":"x","content":"` + tn.ID + `.cfargotunnel.com","ttl":120,"proxied":true}`, dns("ttl must be 1 (automatic) for a proxied record, got 120.")},
		{`{"type":"CNAME","name":"x","content":"a.example.net","ttl":30}`, dns("ttl 30 must be between 60 and 86400 seconds, or 1 for automatic.")},
		{`{"type":"CNAME","name":"app.other.org","content":"a.example.net"}`, dns(`record name "app.other.org" is not inside zone "example.com".`)},
		{`{"type":"CNAME","name":"","content":"a.example.net"}`, dns("name is required (use @ for the zone apex).")},
		{`{"name":"x","content":"a.example.net"}`, dns("type is required.")},
		{`{"type":"CNAME","name":"x"}`, dns("content is required for a CNAME record.")},
		{`{"type":"A","name":"x","content":"300.1.1.1"}`, APIError{Code: CodeDNSValidation, Message: "Content for A record must be a valid IPv4 address."}},
		{`{"type":"AAAA","name":"x","content":"192.0.2.1"}`, APIError{Code: CodeDNSValidation, Message: "Content for AAAA record must be a valid IPv6 address."}},
		{`{"type":"TXT","name":"x","content":"y","proxied":true}`, dns("TXT records cannot be proxied.")},
		{cname("app", tn.ID), APIError{Code: CodeNameHasRecord, Message: "An A, AAAA, or CNAME record with that host already exists."}},
		{cname("host", tn.ID), APIError{Code: CodeNameHasRecord, Message: "An A, AAAA, or CNAME record with that host already exists."}},
		{cname("txt", tn.ID), APIError{Code: CodeNameHasRecord, Message: "An A, AAAA, or CNAME record with that host already exists."}},
		{`{"type":"A","name":"app","content":"192.0.2.2"}`, APIError{Code: CodeNameHasCNAME, Message: "A CNAME record with that host already exists."}},
		{`{"type":"TXT","name":"app.example.com","content":"z"}`, APIError{Code: CodeNameHasCNAME, Message: "A CNAME record with that host already exists."}},
		{`{"type":"A","name":"host","content":"192.0.2.1"}`, APIError{Code: CodeRecordExists, Message: "Record already exists."}},
		{`{"type":"TXT","name":"txt","content":"hello"}`, APIError{Code: CodeRecordExists, Message: "Record already exists."}},
	} {
		f.failed(f.call("POST", records, tc.body), http.StatusBadRequest, tc.want)
	}
	f.failedPrefix(f.call("POST", records, `{"type":`), 400, CodeDNSValidation, "Could not parse input. Json deserialize error: ")
	if n := len(f.s.Records("")); n != 3 {
		t.Fatalf("refused creates changed the records: %d", n)
	}
	// Allowed: another TXT value and another A value for the same names.
	f.createRecord(zoneA, `{"type":"TXT","name":"txt","content":"other"}`)
	f.createRecord(zoneA, `{"type":"A","name":"host","content":"192.0.2.9"}`)

	// Updates are checked the same way, against the other records.
	f.failed(f.call("PATCH", records+"/"+host["id"].(string), `{"name":"app"}`), http.StatusBadRequest,
		APIError{Code: CodeNameHasCNAME, Message: "A CNAME record with that host already exists."})
	f.failed(f.call("PATCH", records+"/"+app["id"].(string), `{"ttl":300}`), http.StatusBadRequest,
		dns("ttl must be 1 (automatic) for a proxied record, got 300."))
	f.ok(f.call("PATCH", records+"/"+app["id"].(string), `{"content":"`+tn.ID+`.cfargotunnel.com","tags":["x"]}`), nil)

	// Unknown zone.
	f.failed(f.call("POST", "/zones/"+ghost+"/dns_records", cname("x", tn.ID)), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /zones/" + ghost + "/dns_records, perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
	f.failed(f.call("GET", "/zones/"+ghost+"/dns_records/"+app["id"].(string), ""), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /zones/" + ghost + "/dns_records/" + app["id"].(string) + ", perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
	// A record id of another zone.
	otherZone := derivedID("zone:other.org")
	f.failed(f.call("GET", "/zones/"+otherZone+"/dns_records/"+app["id"].(string), ""), http.StatusNotFound,
		APIError{Code: CodeRecordNotFound, Message: "Record does not exist."})
}

func TestViolations(t *testing.T) {
	f := start(t)
	records := "/zones/" + zoneA + "/dns_records"

	// A record pointed at a tunnel that does not exist.
	r := f.createRecord(zoneA, cname("ghost", noUUID))
	want := []string{fmt.Sprintf("DNS record ghost.example.com (%s) created to point at tunnel %s, which does not exist", r["id"], noUUID)}

	// A tunnel deleted while a CNAME points at it.
	tn := f.createTunnel(acct, "edge-a", "cloudflare")
	app := f.createRecord(zoneA, cname("app", tn.ID))
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+tn.ID+"/connections", ""), nil)
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+tn.ID, ""), nil)
	want = append(want, fmt.Sprintf("tunnel %s (edge-a) deleted while DNS record app.example.com (%s, zone example.com) still points at it", tn.ID, app["id"]))

	// A record updated to point at a deleted tunnel.
	deletedAt := timestamp(f.s.Tunnels()[0].DeletedAt)
	f.ok(f.call("PATCH", records+"/"+r["id"].(string), `{"content":"`+tn.ID+`.cfargotunnel.com","tags":[]}`), nil)
	want = append(want, fmt.Sprintf("DNS record ghost.example.com (%s) updated to point at tunnel %s (edge-a), which was deleted at %s", r["id"], tn.ID, deletedAt))

	// A record in a zone of another account than the tunnel's.
	live := f.createTunnel(acct, "edge-b", "cloudflare")
	otherZone := derivedID("zone:other.org")
	o := f.createRecord(otherZone, cname("www", live.ID))
	want = append(want, fmt.Sprintf("DNS record www.other.org (%s) created to point at tunnel %s of account %s, but zone other.org belongs to account %s", o["id"], live.ID, acct, acct2))

	if got := f.s.Violations(); !reflect.DeepEqual(got, want) {
		t.Errorf("violations:\n got %q\nwant %q", got, want)
	}
}

func TestRotationInOrderHasNoViolations(t *testing.T) {
	f := start(t)
	records := "/zones/" + zoneA + "/dns_records"
	old := f.createTunnel(acct, "edge-gen1", "cloudflare")
	f.setConnectors(old.ID, 2)
	rec := f.createRecord(zoneA, cname("app", old.ID))
	next := f.createTunnel(acct, "edge-gen2", "cloudflare")
	f.setConnectors(next.ID, 2)
	if id, n, ok := f.s.Resolve("app.example.com"); id != old.ID || n != 2 || !ok {
		t.Errorf("before the switch: Resolve = %s %d %v", id, n, ok)
	}
	f.ok(f.call("PATCH", records+"/"+rec["id"].(string), `{"content":"`+next.ID+`.cfargotunnel.com","tags":[]}`), nil)
	if id, n, ok := f.s.Resolve("app.example.com"); id != next.ID || n != 2 || !ok {
		t.Errorf("after the switch: Resolve = %s %d %v", id, n, ok)
	}
	f.setConnectors(old.ID, 0)
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+old.ID+"/connections", ""), nil)
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+old.ID, ""), nil)
	if v := f.s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
	es := f.s.Events()
	if k := kinds(es); !reflect.DeepEqual(k, []EventKind{TunnelCreated, RecordCreated, TunnelCreated, RecordUpdated, ConnectionsCleaned, TunnelDeleted}) {
		t.Errorf("events = %v", k)
	}
	// The connectors of the tunnels a record pointed at when it moved, and of a tunnel when it went.
	if e := es[1]; e.Connectors != 2 {
		t.Errorf("record created with %d connectors, want 2", e.Connectors)
	}
	if e := es[3]; e.OldConnectors != 2 || e.Connectors != 2 {
		t.Errorf("record moved: connectors %d -> %d, want 2 -> 2", e.OldConnectors, e.Connectors)
	}
	if e := es[5]; e.Connectors != 0 {
		t.Errorf("tunnel deleted with %d connectors", e.Connectors)
	}
	for i := 1; i < len(es); i++ {
		if es[i].Time.Before(es[i-1].Time) {
			t.Errorf("event %d is earlier than event %d", i, i-1)
		}
	}
}

func TestConnectorsAndResolve(t *testing.T) {
	f := start(t)
	tn := f.createTunnel(acct, "edge", "cloudflare")
	base := "/accounts/" + acct + "/cfd_tunnel/" + tn.ID
	f.createRecord(zoneA, cname("app", tn.ID))

	if id, n, ok := f.s.Resolve("APP.example.com."); id != tn.ID || n != 0 || !ok {
		t.Errorf("no connectors: Resolve = %s %d %v", id, n, ok)
	}
	f.setConnectors(tn.ID, 2)
	if id, n, ok := f.s.Resolve("app.example.com"); id != tn.ID || n != 2 || !ok {
		t.Errorf("2 connectors: Resolve = %s %d %v", id, n, ok)
	}
	if id, n, ok := f.s.Resolve("nope.example.com"); id != "" || n != 0 || ok {
		t.Errorf("no record: Resolve = %q %d %v", id, n, ok)
	}

	var got tunnelJSON
	f.ok(f.call("GET", base, ""), &got)
	if got.Status != "healthy" || len(got.Connections) != 8 || got.ConnsActiveAt == nil {
		t.Errorf("with connectors: status=%s connections=%d conns_active_at=%v", got.Status, len(got.Connections), got.ConnsActiveAt)
	}
	conn := got.Connections[0].(map[string]any)
	if conn["colo_name"] != "ams01" || conn["is_pending_reconnect"] != false || !uuidRE.MatchString(conn["id"].(string)) {
		t.Errorf("connection = %v", conn)
	}
	var clients []struct {
		ID    string           `json:"id"`
		Arch  string           `json:"arch"`
		RunAt string           `json:"run_at"`
		Conns []map[string]any `json:"conns"`
	}
	f.ok(f.call("GET", base+"/connections", ""), &clients)
	if len(clients) != 2 || len(clients[0].Conns) != 4 || clients[0].ID == clients[1].ID || !uuidRE.MatchString(clients[1].ID) ||
		clients[0].Conns[0]["client_id"] != clients[0].ID || clients[0].Arch != "linux_amd64" {
		t.Errorf("connections = %+v", clients)
	}

	// The real API refuses to delete a tunnel with connectors; the cleanup does not remove live ones.
	f.ok(f.call("DELETE", base+"/connections", ""), nil)
	f.failed(f.call("DELETE", base, ""), http.StatusBadRequest, APIError{Code: CodeTunnelHasConnections,
		Message: "Cannot delete tunnel " + tn.ID + " because it has 2 active connector(s); stop them first"})
	if f.s.Tunnels()[0].Deleted() {
		t.Fatal("a refused delete deleted the tunnel")
	}
	f.setConnectors(tn.ID, 0)
	f.ok(f.call("GET", base, ""), &got)
	if got.Status != "down" || len(got.Connections) != 0 {
		t.Errorf("connectors gone: status=%s connections=%d", got.Status, len(got.Connections))
	}
	f.ok(f.call("DELETE", base, ""), nil)
	if id, n, ok := f.s.Resolve("app.example.com"); id != tn.ID || n != 0 || ok {
		t.Errorf("deleted tunnel: Resolve = %s %d %v", id, n, ok)
	}

	// cascade=true deletes a tunnel with connectors.
	t2 := f.createTunnel(acct, "edge-2", "cloudflare")
	f.setConnectors(t2.ID, 1)
	f.ok(f.call("DELETE", "/accounts/"+acct+"/cfd_tunnel/"+t2.ID+"?cascade=true", ""), nil)

	// Wildcards and unproxied records.
	t3 := f.createTunnel(acct, "edge-3", "cloudflare")
	f.setConnectors(t3.ID, 3)
	f.createRecord(zoneA, cname("*", t3.ID))
	if id, n, ok := f.s.Resolve("anything.example.com"); id != t3.ID || n != 3 || !ok {
		t.Errorf("wildcard: Resolve = %s %d %v", id, n, ok)
	}
	f.createRecord(zoneA, `{"type":"CNAME","name":"grey","content":"`+t3.ID+`.cfargotunnel.com","proxied":false}`)
	if id, n, ok := f.s.Resolve("grey.example.com"); id != t3.ID || n != 0 || ok {
		t.Errorf("unproxied: Resolve = %s %d %v", id, n, ok)
	}
}

func TestRequestsAreRecorded(t *testing.T) {
	f := start(t)
	before := time.Now()
	body := `{"name":"edge","tunnel_secret":"` + secretOf(32) + `","config_src":"cloudflare"}`
	f.call("POST", "/accounts/"+acct+"/cfd_tunnel", body)
	f.call("POST", "/accounts/"+acct+"/cfd_tunnel", body)
	f.call("GET", "/zones?account.id="+acct+"&name=example.com&per_page=50", "")

	rs := f.s.Requests()
	if len(rs) != 3 {
		t.Fatalf("Requests() = %d", len(rs))
	}
	r := rs[0]
	wantBody := map[string]any{"name": "edge", "tunnel_secret": secretOf(32), "config_src": "cloudflare"}
	if r.Method != "POST" || r.Path != "/accounts/"+acct+"/cfd_tunnel" || r.RawQuery != "" || string(r.RawBody) != body ||
		!reflect.DeepEqual(r.Body, wantBody) || r.Status != 200 || len(r.Errors) != 0 || !r.Handled || r.Time.Before(before) ||
		!bytes.Contains(r.Response, []byte(`"success":true`)) {
		t.Errorf("Requests()[0] = %+v", r)
	}
	if r := rs[1]; r.Status != http.StatusConflict || len(r.Errors) != 1 || r.Errors[0].Code != CodeTunnelNameExists || r.Time.Before(rs[0].Time) {
		t.Errorf("Requests()[1] = %+v", r)
	}
	if r := rs[2]; r.Method != "GET" || r.Path != "/zones" || r.RawQuery != "account.id="+acct+"&name=example.com&per_page=50" || r.Body != nil || len(r.RawBody) != 0 {
		t.Errorf("Requests()[2] = %+v", r)
	}
	if n := len(f.s.Calls("POST", "/accounts/")); n != 2 {
		t.Errorf("Calls(POST, /accounts/) = %d", n)
	}
	if n := len(f.s.Calls("", "/zones")); n != 1 {
		t.Errorf("Calls(\"\", /zones) = %d", n)
	}
	if n := len(f.s.Calls("DELETE", "")); n != 0 {
		t.Errorf("Calls(DELETE) = %d", n)
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := start(t)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("edge-%d", i%10) // every name twice
			statuses[i] = f.call("POST", "/accounts/"+acct+"/cfd_tunnel", `{"name":"`+name+`","tunnel_secret":"`+secretOf(32)+`"}`).Status
			f.call("GET", "/accounts/"+acct+"/cfd_tunnel", "")
		}()
	}
	wg.Wait()
	okCount, conflicts := 0, 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			okCount++
		case http.StatusConflict:
			conflicts++
		}
	}
	if okCount != 10 || conflicts != 10 || len(f.s.Tunnels()) != 10 || len(f.s.Requests()) != 40 || len(f.s.Events()) != 10 {
		t.Errorf("ok=%d conflicts=%d tunnels=%d requests=%d events=%d", okCount, conflicts, len(f.s.Tunnels()), len(f.s.Requests()), len(f.s.Events()))
	}
}
