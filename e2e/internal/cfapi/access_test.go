package cfapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestAccessLifecycle: a service token, two reusable policies and an application that links them, as the
// provider creates, reads and deletes them, with the shapes cloudflare-go decodes.
func TestAccessLifecycle(t *testing.T) {
	f := start(t)
	base := "/accounts/" + acct + "/access"

	var tok map[string]any
	f.ok(f.call("POST", base+"/service_tokens", `{"name":"edge-ci"}`), &tok)
	id, _ := tok["id"].(string)
	if !uuidRE.MatchString(id) || !regexp.MustCompile(`^[0-9a-f]{32}\.access$`).MatchString(tok["client_id"].(string)) ||
		!hex64.MatchString(tok["client_secret"].(string)) || tok["duration"] != DefaultServiceTokenDuration || tok["expires_at"] == "" {
		t.Errorf("created token %v", tok)
	}
	var list []map[string]any
	a := f.call("GET", base+"/service_tokens", "")
	f.ok(a, &list)
	if len(list) != 1 || list[0]["id"] != id || list[0]["client_secret"] != nil || list[0]["client_id"] != tok["client_id"] {
		t.Errorf("token list %v: the secret is only in the creation's answer", list)
	}
	if a.ResultInfo == nil || a.ResultInfo.TotalCount != 1 {
		t.Errorf("result_info %+v", a.ResultInfo)
	}

	var allow, svc map[string]any
	f.ok(f.call("POST", base+"/policies", `{"precedence":0,"decision":"allow","name":"people","session_duration":"8h",
		"approval_groups":null,"include":[{"email":{"email":"alice@example.com"}},{"email_domain":{"domain":"example.com"}}],"exclude":null,"require":null}`), &allow)
	f.ok(f.call("POST", base+"/policies", `{"precedence":0,"decision":"non_identity","name":"machines","session_duration":"",
		"include":[{"service_token":{"token_id":"`+id+`"}}],"exclude":null,"require":null}`), &svc)
	if allow["reusable"] != true || allow["session_duration"] != "8h" || svc["session_duration"] != DefaultAccessSessionDuration {
		t.Errorf("policies %v %v", allow, svc)
	}
	if want := []any{map[string]any{"email": map[string]any{"email": "alice@example.com"}}, map[string]any{"email_domain": map[string]any{"domain": "example.com"}}}; !reflect.DeepEqual(allow["include"], want) {
		t.Errorf("include %v, want the rules as sent", allow["include"])
	}
	if allow["exclude"] == nil || allow["require"] == nil {
		t.Errorf("exclude and require must be arrays: %v", allow)
	}

	var app map[string]any
	f.ok(f.call("POST", base+"/apps", `{"name":"admin","domain":"app.example.com/admin","type":"self_hosted","session_duration":"8h",
		"auto_redirect_to_identity":false,"http_only_cookie_attribute":false,"destinations":null,"private_address":"",
		"allowed_idps":["`+noUUID+`"],"policies":["`+allow["id"].(string)+`","`+svc["id"].(string)+`"]}`), &app)
	appID := app["id"].(string)
	if !uuidRE.MatchString(appID) || !hex64.MatchString(app["aud"].(string)) || app["domain"] != "app.example.com/admin" ||
		app["http_only_cookie_attribute"] != false || app["app_launcher_visible"] != true {
		t.Errorf("created application %v", app)
	}
	if want := []any{map[string]any{"type": "public", "uri": "app.example.com/admin"}}; !reflect.DeepEqual(app["destinations"], want) {
		t.Errorf("destinations %v", app["destinations"])
	}
	pols, _ := app["policies"].([]any)
	if len(pols) != 2 || pols[0].(map[string]any)["id"] != allow["id"] || pols[1].(map[string]any)["precedence"] != 2.0 {
		t.Errorf("policies of the application %v: objects in precedence order", pols)
	}
	var got map[string]any
	f.ok(f.call("GET", base+"/apps/"+appID, ""), &got)
	if got["aud"] != app["aud"] || !reflect.DeepEqual(got["allowed_idps"], []any{noUUID}) {
		t.Errorf("read back %v", got)
	}
	// An update keeps the id and the audience tag.
	f.ok(f.call("PUT", base+"/apps/"+appID, `{"id":"`+appID+`","name":"admin2","domain":"app.example.com/admin","type":"self_hosted"}`), &got)
	if got["aud"] != app["aud"] || got["name"] != "admin2" || len(got["policies"].([]any)) != 2 || got["session_duration"] != DefaultAccessSessionDuration {
		t.Errorf("after update %v (policies not sent: the links stay)", got)
	}

	// Destroy in the provider's order: application, policies, token; each read back is a 404.
	f.ok(f.call("DELETE", base+"/apps/"+appID, ""), nil)
	f.failedPrefix(f.call("GET", base+"/apps/"+appID, ""), http.StatusNotFound, CodeAccessNotFound, "access.api.error.not_found")
	for _, p := range []map[string]any{allow, svc} {
		f.ok(f.call("DELETE", base+"/policies/"+p["id"].(string), ""), nil)
		f.failedPrefix(f.call("GET", base+"/policies/"+p["id"].(string), ""), http.StatusNotFound, CodeAccessNotFound, "access.api.error.not_found")
	}
	f.ok(f.call("DELETE", base+"/service_tokens/"+id, ""), nil)
	f.ok(f.call("GET", base+"/service_tokens", ""), &list)
	if len(list) != 0 {
		t.Errorf("tokens after delete %v", list)
	}
	if v := f.s.Violations(); len(v) > 0 {
		t.Errorf("violations in a sane order: %v", v)
	}
	if got := kinds(f.s.Events()); !reflect.DeepEqual(got, []EventKind{ServiceTokenCreated, AccessPolicyCreated, AccessPolicyCreated,
		AccessAppCreated, AccessAppUpdated, AccessAppDeleted, AccessPolicyDeleted, AccessPolicyDeleted, ServiceTokenDeleted}) {
		t.Errorf("events %v", got)
	}
	apps, pols2, toks := f.s.AccessApps(), f.s.AccessPolicies(), f.s.ServiceTokens()
	if len(apps) != 1 || apps[0].DeletedAt.IsZero() || apps[0].AUD != app["aud"] || len(pols2) != 2 || len(toks) != 1 || toks[0].ClientSecret != tok["client_secret"] {
		t.Errorf("state %+v %+v %+v", apps, pols2, toks)
	}
}

func TestAccessRules(t *testing.T) {
	f := start(t)
	base := "/accounts/" + acct + "/access"
	bad := func(method, path, body, msg string) {
		t.Helper()
		a := f.call(method, path, body)
		f.failedPrefix(a, http.StatusBadRequest, CodeAccessBadRequest, "access.api.error.invalid_request: ")
		if len(a.Errors) == 1 && !strings.Contains(a.Errors[0].Message, msg) {
			t.Errorf("%s %s: %q does not say %q", method, path, a.Errors[0].Message, msg)
		}
	}
	bad("POST", base+"/apps", `{"name":"x","type":"self_hosted"}`, "domain is required")
	bad("POST", base+"/apps", `{"name":"x","domain":"app.other.org"}`, "not in a zone of this account")
	bad("POST", base+"/apps", `{"name":"x","domain":"app.example.com","type":"web"}`, "unknown application type")
	bad("POST", base+"/apps", `{"name":"x","domain":"app.example.com","policies":["`+noUUID+`"]}`, "does not exist")
	bad("POST", base+"/apps", `{"name":"x","domain":"app.example.com","session_duration":"1d"}`, "not a duration")
	bad("POST", base+"/policies", `{"name":"p","decision":"permit","include":[{"everyone":{}}]}`, "decision")
	bad("POST", base+"/policies", `{"name":"p","decision":"allow","include":[]}`, "at least one rule")
	bad("POST", base+"/policies", `{"name":"p","decision":"allow","include":[{"mail":{"email":"a@b.c"}}]}`, "unknown condition")
	bad("POST", base+"/policies", `{"decision":"allow","include":[{"everyone":{}}]}`, "name is required")
	bad("POST", base+"/service_tokens", `{"name":"t","duration":"1h"}`, "duration")
	bad("POST", base+"/service_tokens", `{"duration":"8760h"}`, "name is required")
	f.failed(f.call("POST", "/accounts/"+ghost+"/access/apps", `{}`), http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: "Could not route to /accounts/" + ghost + "/access/apps, perhaps your object identifier is invalid?"},
		APIError{Code: CodeNoRoute, Message: "No route for that URI"})
	f.failedPrefix(f.call("PUT", base+"/service_tokens/"+noUUID, `{"name":"x"}`), http.StatusNotFound, CodeAccessNotFound, "access.api.error.not_found")
	if n := len(f.s.AccessApps()) + len(f.s.AccessPolicies()) + len(f.s.ServiceTokens()); n != 0 {
		t.Errorf("%d objects created by refused requests", n)
	}
}

// TestAccessViolations: what the fake cannot know the API refuses, it logs.
func TestAccessViolations(t *testing.T) {
	f := start(t)
	base := "/accounts/" + acct + "/access"
	var tok, pol, app map[string]any
	f.ok(f.call("POST", base+"/service_tokens", `{"name":"t"}`), &tok)
	f.ok(f.call("POST", base+"/policies", `{"name":"p","decision":"allow","include":[{"service_token":{"token_id":"`+tok["id"].(string)+`"}}]}`), &pol)
	f.ok(f.call("POST", base+"/policies", `{"name":"q","decision":"non_identity","include":[{"service_token":{"token_id":"`+noUUID+`"}}]}`), nil)
	f.ok(f.call("POST", base+"/apps", `{"name":"a","domain":"*.example.com","policies":["`+pol["id"].(string)+`"]}`), &app)
	f.ok(f.call("DELETE", base+"/policies/"+pol["id"].(string), ""), nil)
	f.ok(f.call("POST", base+"/policies", `{"name":"r","decision":"non_identity","include":[{"service_token":{"token_id":"`+tok["id"].(string)+`"}}]}`), nil)
	f.ok(f.call("DELETE", base+"/service_tokens/"+tok["id"].(string), ""), nil)
	v := f.s.Violations()
	want := []string{"only pass non_identity", "which does not exist", "deleted while application *.example.com", "deleted while policy \"r\""}
	if len(v) != len(want) {
		t.Fatalf("violations %v", v)
	}
	for i, w := range want {
		if !strings.Contains(v[i], w) {
			t.Errorf("violation %d %q does not say %q", i, v[i], w)
		}
	}
	var out map[string]any
	_ = json.Unmarshal(f.call("GET", base+"/apps/"+app["id"].(string), "").Result, &out)
	if len(out["policies"].([]any)) != 0 {
		t.Errorf("a deleted policy is still shown on the application: %v", out["policies"])
	}
}
