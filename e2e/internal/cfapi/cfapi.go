// Package cfapi is a fake of Cloudflare's API v4 for the e2e tests: the real pulumi-cloudflare provider plugin
// (v5.49.1, wrapping terraform-provider-cloudflare v4.51.0 and cloudflare-go v0.114.0) talks to it over HTTPS
// because the real API cannot be reached from the test machines.
//
// It is a test double, not a product part. It serves only the endpoints that the provider calls for tunnelgate's
// resources, answers in Cloudflare's envelope with the shapes the client parses, keeps state, enforces the rules
// of the real API that matter to tunnelgate (with the real error codes where they are known, see the Code*
// constants), and records everything for assertions:
//
//   - every request (Requests, Calls, Unhandled) with its decoded JSON body and the answer's status;
//   - the state: tunnels including deleted ones (Tunnels), the configuration of each tunnel (Configuration), the
//     DNS records of each zone (Records), Cloudflare Access applications, policies and service tokens including
//     deleted ones (AccessApps, AccessPolicies, ServiceTokens);
//   - an ordered log of state changes (Events) and the ordering problems detected when they happened
//     (Violations), e.g. a tunnel deleted while a CNAME still points at it;
//   - a model of the edge (Resolve): a hostname's tunnel is the one its proxied CNAME points at.
//
// Use:
//
//	cf := cfapi.Start(t, cfapi.Options{
//		Accounts:   []string{accountID},                            // 32 hex characters
//		Zones:      []cfapi.Zone{{Name: "example.com", ID: zoneID}}, // ID may be left empty: cf.Zones()
//		Connectors: func(tunnelID string) int { return running[tunnelID] }, // optional
//	})
//
// and run the provider with the provider config cloudflare:apiHostname = cf.Host and cloudflare:apiToken =
// cfapi.Token (or the variables CLOUDFLARE_API_HOSTNAME and CLOUDFLARE_API_TOKEN), and SSL_CERT_FILE=cf.CAFile in
// its environment; cf.Env() returns these three variables. Then assert on cf.Requests(), cf.Events(),
// cf.Violations(), cf.Tunnels(), cf.Records(zoneID), ...
//
// Endpoint groups live in their own files (tunnels.go, dns.go, zones.go, vnets.go, routes.go, access.go); a new
// group adds a file with a method returning its routes and one line in Server.routes.
package cfapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BasePath is the API's base path; the provider always calls https://<apiHostname>/client/v4/...
const BasePath = "/client/v4"

// Token is an API token the provider accepts: terraform-provider-cloudflare v4 refuses tokens that are not 40
// characters of [A-Za-z0-9_-]. The fake accepts any non-empty bearer token.
const Token = "tunnelgate-e2e-fake-cloudflare-api-tkn40"

// Options configures the fake.
type Options struct {
	// Accounts are the account ids the fake knows (32 hex characters, as Cloudflare's). Accounts named by Zones
	// are added. Calls under an unknown account fail with CodeCouldNotRoute.
	Accounts []string
	// Zones are the zones the fake serves.
	Zones []Zone
	// Connectors tells how many cloudflared instances are connected to a tunnel right now (nil: none). It
	// answers GET .../cfd_tunnel/{id}/connections, fills the tunnel's connections and status, makes
	// DELETE .../cfd_tunnel/{id} fail while it is above 0 (as the real API does), and is what Resolve reports.
	// It is called with the fake's lock held: it must not call the Server's methods.
	Connectors func(tunnelID string) int
}

// Zone is a zone the fake serves.
type Zone struct {
	// Name is the zone's domain, e.g. "example.com".
	Name string
	// ID is the zone id (32 hex characters); empty: derived from Name.
	ID string
	// AccountID owns the zone; empty: the first of Options.Accounts.
	AccountID string
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// Host is "127.0.0.1:<port>", the value for the provider config cloudflare:apiHostname.
	Host string
	// URL is the API's base URL, "https://127.0.0.1:<port>/client/v4".
	URL string
	// CAFile is a PEM file with the fake's CA certificate, for SSL_CERT_FILE.
	CAFile string

	t          testing.TB
	ca         *x509.CertPool
	connectors func(string) int
	srv        *httptest.Server

	mu         sync.Mutex
	accounts   map[string]bool
	zones      []*Zone // in Options order
	tunnels    []*tunnel
	configs    map[string]*Configuration
	records    []*Record // in creation order, all zones; deleted records are removed
	vnets      []*VirtualNetwork
	teamRoutes []*TunnelRoute
	access     accessState
	events     []Event
	violations []string
	requests   []Request
}

// Request is one recorded API call.
type Request struct {
	// Time is when the request arrived.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path below BasePath, e.g. "/accounts/<a>/cfd_tunnel" (the full path if outside BasePath).
	Path string
	// RawQuery is the URL's raw query, e.g. "account.id=...&name=example.com&per_page=50".
	RawQuery string
	// RawBody is the request body as sent.
	RawBody []byte
	// Body is RawBody decoded as JSON (map[string]any, []any, string, float64, bool), nil if empty or not JSON.
	Body any
	// Status is the HTTP status of the answer.
	Status int
	// Errors are the errors of the answer's envelope (empty on success).
	Errors []APIError
	// Response is the answer's body.
	Response []byte
	// Handled is false for calls to endpoints the fake does not implement.
	Handled bool
}

// APIError is an entry of the envelope's "errors".
type APIError struct {
	Code       int        `json:"code"`
	Message    string     `json:"message"`
	ErrorChain []APIError `json:"error_chain,omitempty"`
}

// ResultInfo is the envelope's "result_info" of list answers.
type ResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// envelope is Cloudflare's v4 answer.
type envelope struct {
	Success    bool        `json:"success"`
	Errors     []APIError  `json:"errors"`
	Messages   []APIError  `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo *ResultInfo `json:"result_info,omitempty"`
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Start starts a fake on a free 127.0.0.1 port with a freshly generated CA, and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		t:          t,
		connectors: opts.Connectors,
		accounts:   map[string]bool{},
		configs:    map[string]*Configuration{},
	}
	for _, a := range opts.Accounts {
		if !hex32.MatchString(a) {
			t.Fatalf("cfapi: account id %q is not 32 lowercase hex characters", a)
		}
		s.accounts[a] = true
	}
	for _, z := range opts.Zones {
		z.Name = strings.ToLower(strings.TrimSuffix(z.Name, "."))
		if z.Name == "" || !strings.Contains(z.Name, ".") {
			t.Fatalf("cfapi: zone name %q is not a domain", z.Name)
		}
		if z.ID == "" {
			z.ID = derivedID("zone:" + z.Name)
		}
		if !hex32.MatchString(z.ID) {
			t.Fatalf("cfapi: zone id %q of %s is not 32 lowercase hex characters", z.ID, z.Name)
		}
		if z.AccountID == "" {
			if len(opts.Accounts) == 0 {
				t.Fatalf("cfapi: zone %s has no account and Options.Accounts is empty", z.Name)
			}
			z.AccountID = opts.Accounts[0]
		}
		if !hex32.MatchString(z.AccountID) {
			t.Fatalf("cfapi: account id %q of zone %s is not 32 lowercase hex characters", z.AccountID, z.Name)
		}
		s.accounts[z.AccountID] = true
		for _, other := range s.zones {
			if other.ID == z.ID || other.Name == z.Name {
				t.Fatalf("cfapi: zone %s (%s) given twice", z.Name, z.ID)
			}
		}
		s.zones = append(s.zones, &z)
	}
	if len(s.accounts) == 0 {
		t.Fatal("cfapi: Options has no account")
	}

	caPEM, leaf, err := newCerts()
	if err != nil {
		t.Fatalf("cfapi: certificates: %v", err)
	}
	s.CAFile = filepath.Join(t.TempDir(), "cfapi-ca.pem")
	if err := os.WriteFile(s.CAFile, caPEM, 0o644); err != nil {
		t.Fatalf("cfapi: %v", err)
	}
	s.ca = x509.NewCertPool()
	s.ca.AppendCertsFromPEM(caPEM)

	s.srv = httptest.NewUnstartedServer(s.handler())
	// TLS handshake failures (e.g. a client that does not trust the CA: check SSL_CERT_FILE) go to the test log.
	s.srv.Config.ErrorLog = log.New(logWriter{t}, "cfapi: ", 0)
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	s.Host = strings.TrimPrefix(s.srv.URL, "https://")
	s.URL = s.srv.URL + BasePath
	t.Cleanup(func() {
		s.srv.Close()
		if u := s.Unhandled(); len(u) > 0 {
			t.Logf("cfapi: %d call(s) to endpoints the fake does not implement, first: %s %s", len(u), u[0].Method, u[0].Path)
		}
	})
	return s
}

// logWriter writes the HTTP server's log lines to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Client returns an HTTP client that trusts the fake's CA.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.ca, MinVersion: tls.VersionTLS12}},
	}
}

// Env returns the environment variables that point the cloudflare provider at the fake:
// CLOUDFLARE_API_HOSTNAME, CLOUDFLARE_API_TOKEN (Token) and SSL_CERT_FILE. SSL_CERT_FILE replaces the system's
// CA bundle for the process that gets it.
func (s *Server) Env() []string {
	return []string{
		"CLOUDFLARE_API_HOSTNAME=" + s.Host,
		"CLOUDFLARE_API_TOKEN=" + Token,
		"SSL_CERT_FILE=" + s.CAFile,
	}
}

// Requests returns every request so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls returns the requests with the given method ("" for any) whose Path starts with pathPrefix.
func (s *Server) Calls(method, pathPrefix string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// Unhandled returns the calls to endpoints the fake does not implement (answered 404, CodeNoRoute).
func (s *Server) Unhandled() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if !r.Handled {
			out = append(out, r)
		}
	}
	return out
}

// call is a request being handled.
type call struct {
	req  *http.Request
	path string // below BasePath
	body []byte
}

// reply is a handler's answer.
type reply struct {
	status int
	result any
	info   *ResultInfo
	errors []APIError
}

func ok(result any) reply { return reply{status: http.StatusOK, result: result} }

func fail(status int, errs ...APIError) reply { return reply{status: status, errors: errs} }

// route is one endpoint: a net/http pattern below BasePath (e.g. "GET /zones/{zone}") and its handler, which
// runs with the Server's lock held.
type route struct {
	pattern string
	handle  func(*call) reply
}

// routes lists every endpoint group.
func (s *Server) routes() []route {
	var rs []route
	rs = append(rs, s.zoneRoutes()...)
	rs = append(rs, s.dnsRoutes()...)
	rs = append(rs, s.tunnelRoutes()...)
	rs = append(rs, s.vnetRoutes()...)
	rs = append(rs, s.tunnelRouteRoutes()...)
	rs = append(rs, s.accessRoutes()...)
	return rs
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		mux.HandleFunc(method+" "+BasePath+path, s.serve(rt.handle, true))
	}
	mux.HandleFunc("/", s.serve(func(c *call) reply {
		s.t.Logf("cfapi: call to an endpoint the fake does not implement: %s %s?%s", c.req.Method, c.path, c.req.URL.RawQuery)
		return fail(http.StatusNotFound, APIError{Code: CodeNoRoute, Message: fmt.Sprintf(
			"No route for that URI: %s %s (the cfapi fake does not implement this endpoint)", c.req.Method, c.path)})
	}, false))
	return mux
}

// serve wraps a handler: reads the body, checks the token, runs the handler under the lock, records the call
// and writes the envelope.
func (s *Server) serve(h func(*call) reply, handled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		body, err := readBody(r)
		c := &call{req: r, path: r.URL.Path, body: body}
		if p, found := strings.CutPrefix(r.URL.Path, BasePath); found && (p == "" || p[0] == '/') {
			c.path = p
		}
		var decoded any
		if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &decoded) != nil {
			decoded = nil
		}
		status, answer := s.answer(c, err, h, func(status int, errs []APIError, answer []byte) {
			s.requests = append(s.requests, Request{
				Time: arrived, Method: r.Method, Path: c.path, RawQuery: r.URL.RawQuery, RawBody: body, Body: decoded,
				Status: status, Errors: errs, Response: answer, Handled: handled,
			})
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}
}

// answer runs h under the lock and encodes its reply; record is called under the same lock, so that the
// request log and the state change in the same order.
func (s *Server) answer(c *call, readErr error, h func(*call) reply, record func(int, []APIError, []byte)) (int, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep reply
	if a, bad := checkAuth(c.req); bad {
		rep = fail(http.StatusBadRequest, a)
	} else if readErr != nil {
		rep = fail(http.StatusBadRequest, APIError{Code: CodeBadJSON, Message: "Could not read the request body: " + readErr.Error()})
	} else {
		rep = h(c)
	}
	env := envelope{Success: len(rep.errors) == 0, Errors: rep.errors, Messages: []APIError{}, Result: rep.result, ResultInfo: rep.info}
	if env.Errors == nil {
		env.Errors = []APIError{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil { // a bug of the fake
		s.t.Errorf("cfapi: encoding the answer to %s %s: %v", c.req.Method, c.path, err)
		rep.status, env.Errors = http.StatusInternalServerError, []APIError{{Code: CodeNoRoute, Message: "cfapi: " + err.Error()}}
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(envelope{Errors: env.Errors, Messages: []APIError{}})
	}
	record(rep.status, env.Errors, buf.Bytes())
	return rep.status, buf.Bytes()
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20))
	return buf.Bytes(), err
}

// checkAuth requires "Authorization: Bearer <non-empty token>".
func checkAuth(r *http.Request) (APIError, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return APIError{Code: CodeMissingAuth, Message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers"}, true
	}
	if tok, found := strings.CutPrefix(h, "Bearer "); !found || strings.TrimSpace(tok) == "" {
		return APIError{Code: CodeInvalidHeaders, Message: "Invalid request headers", ErrorChain: []APIError{
			{Code: CodeInvalidAuthHeader, Message: "Invalid format for Authorization header"}}}, true
	}
	return APIError{}, false
}

// decodeBody decodes the request body into v; the error names the problem the way the real API's
// deserializer does ("Could not parse input. Json deserialize error: ...").
func decodeBody(c *call, v any, code int) *APIError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return &APIError{Code: code, Message: "Could not parse input. Json deserialize error: EOF while parsing a value"}
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return &APIError{Code: code, Message: "Could not parse input. Json deserialize error: " + err.Error()}
	}
	return nil
}

// couldNotRoute is the real API's answer to an unknown account or zone id.
func couldNotRoute(c *call) reply {
	return fail(http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", c.path)},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
}

// listReply is the reply to a list call: the page of items the call's page and per_page ask for
// (per_page default def, at most max), each as toJSON gives it, with the result info.
func listReply[T, J any](c *call, items []T, def, max int, toJSON func(T) J) reply {
	lo, hi, info := paginate(c, len(items), def, max)
	result := make([]any, 0, hi-lo)
	for _, it := range items[lo:hi] {
		result = append(result, toJSON(it))
	}
	return reply{status: http.StatusOK, result: result, info: info}
}

// paginate applies page/per_page (defaults 1 and def, at most max per page) to n items and returns the
// index range and the result_info.
func paginate(c *call, n, def, max int) (lo, hi int, info *ResultInfo) {
	q := c.req.URL.Query()
	page, perPage := atoiOr(q.Get("page"), 1), atoiOr(q.Get("per_page"), def)
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = def
	}
	if perPage > max {
		perPage = max
	}
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	pages := (n + perPage - 1) / perPage
	return lo, hi, &ResultInfo{Page: page, PerPage: perPage, Count: hi - lo, TotalCount: n, TotalPages: pages}
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// timestamp formats times the way the API does.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// derivedID is a stable 32-hex id for a seed.
func derivedID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:16])
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// newUUID returns a random version 4 UUID, the form of tunnel ids.
func newUUID() string { return uuid4(randomBytes(16)) }

// derivedUUID is a stable version 4 UUID for a seed.
func derivedUUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return uuid4(sum[:16])
}

// uuid4 formats 16 bytes as a version 4 UUID.
func uuid4(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
