package vaultkv_test

import (
	"reflect"
	"testing"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

func TestDefaults(t *testing.T) {
	got := vaultkv.Location{Path: "p"}.WithDefaults()
	want := vaultkv.Location{Mount: "secret", Path: "p", TokenKey: "tunnel_token", IDKey: "tunnel_id"}
	if got != want {
		t.Errorf("WithDefaults() = %+v, want %+v", got, want)
	}
	if p := (vaultkv.Location{Mount: "kv/team", Path: "edge/prod"}).ReadPath(); p != "kv/team/data/edge/prod" {
		t.Errorf("ReadPath() = %q", p)
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []vaultkv.Location{
		{Path: "apps/web/cloudflared"},
		{Mount: "kv/team", Path: "edge.prod/cf_1", TokenKey: "tok", IDKey: "id", Namespace: "team/prod"},
		{Path: "a..b/c"}, // dots inside a segment are a name, not a traversal
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		loc   vaultkv.Location
		field string
		value any
	}{
		{vaultkv.Location{}, "path", ""},
		{vaultkv.Location{Path: "apps/../web/cloudflared"}, "path", "apps/../web/cloudflared"},
		{vaultkv.Location{Path: "./web"}, "path", "./web"},
		{vaultkv.Location{Path: ".."}, "path", ".."},
		{vaultkv.Location{Path: "/apps/web"}, "path", "/apps/web"},
		{vaultkv.Location{Path: "apps/web/"}, "path", "apps/web/"},
		{vaultkv.Location{Path: "apps//web"}, "path", "apps//web"},
		{vaultkv.Location{Path: "apps/we b"}, "path", "apps/we b"},
		{vaultkv.Location{Path: "data/apps/web"}, "path", "data/apps/web"},
		{vaultkv.Location{Path: "secret/apps/web"}, "path", "secret/apps/web"},
		{vaultkv.Location{Mount: "secret/", Path: "p"}, "mount", "secret/"},
		{vaultkv.Location{Mount: "../kv", Path: "p"}, "mount", "../kv"},
		{vaultkv.Location{Path: "p", Namespace: "team/../other"}, "namespace", "team/../other"},
		{vaultkv.Location{Path: "p", TokenKey: "tunnel-token"}, "tokenKey", "tunnel-token"},
		{vaultkv.Location{Path: "p", IDKey: "1id"}, "idKey", "1id"},
		{vaultkv.Location{Path: "p", IDKey: "tunnel_token"}, "idKey", "tunnel_token"},
	} {
		fes := check.Fields(tc.loc.Validate())
		if len(fes) != 1 || fes[0].Field != tc.field || !reflect.DeepEqual(fes[0].Value, tc.value) {
			t.Errorf("%+v: got %v, want one error for %s = %v", tc.loc, fes, tc.field, tc.value)
		}
	}
}

func TestReaderDefaults(t *testing.T) {
	r := vaultkv.Reader{Role: "web"}
	if got := r.WithDefaults().AuthPath; got != "auth/kubernetes" {
		t.Errorf("AuthPath default %q", got)
	}
	if r.AuthPath != "" {
		t.Error("WithDefaults changed its receiver")
	}
	for path, mount := range map[string]string{"": "kubernetes", "auth/k8s": "k8s", "auth/team/k8s": "team/k8s"} {
		if got := (vaultkv.Reader{AuthPath: path}).AuthMount(); got != mount {
			t.Errorf("AuthMount of %q = %q, want %q", path, got, mount)
		}
	}
}
