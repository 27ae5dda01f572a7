package main

import (
	"reflect"
	"testing"
)

func TestParseFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"TUNNELGATE_ZONE_ID": "fedcba9876543210fedcba9876543210", "TUNNELGATE_LAYOUT": "ownpod"}
	o, err := parse([]string{"-action", "up", "-account-id", "0123456789abcdef0123456789abcdef", "-backend", "file:///tmp/x",
		"-hostname", "app.example.com", "-config", "cloudflare:apiHostname=127.0.0.1:8443", "-config", "vault:skipChildToken=true",
		"-expect-no-changes"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.Action != "up" || o.Layout != "ownpod" || o.Stack != "dev" || o.Backend != "file:///tmp/x" || !o.ExpectNoChanges {
		t.Errorf("options %+v", o)
	}
	want := map[string]string{"accountId": "0123456789abcdef0123456789abcdef", "zoneId": "fedcba9876543210fedcba9876543210", "hostname": "app.example.com"}
	if !reflect.DeepEqual(o.Config, want) {
		t.Errorf("config %v, want %v", o.Config, want)
	}
	if want := map[string]string{"cloudflare:apiHostname": "127.0.0.1:8443", "vault:skipChildToken": "true"}; !reflect.DeepEqual(o.Extra, want) {
		t.Errorf("extra config %v, want %v", o.Extra, want)
	}
	for _, bad := range [][]string{{"-action", "deploy"}, {"-layout", "sidecar"}, {"-config", "apiHostname=x"}, {"-config", "cloudflare:apiHostname"}} {
		if _, err := parse(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]int
		want string
	}{
		{map[string]int{"same": 12, "update": 1, "delete": 0}, "same=12 update=1"},
		{map[string]int{"create": 14}, "create=14"},
		{nil, "no resources"},
	} {
		if got := summary(tc.in); got != tc.want {
			t.Errorf("summary(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
