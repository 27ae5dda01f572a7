package main

import (
	"reflect"
	"testing"
)

func TestParseFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"TUNNELGATE_ZONE_ID": "fedcba9876543210fedcba9876543210", "TUNNELGATE_LAYOUT": "ownpod"}
	o, err := parse([]string{"-action", "up", "-account-id", "0123456789abcdef0123456789abcdef", "-backend", "file:///tmp/x",
		"-hostname", "app.example.com"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.Action != "up" || o.Layout != "ownpod" || o.Stack != "dev" || o.Backend != "file:///tmp/x" {
		t.Errorf("options %+v", o)
	}
	want := map[string]string{"accountId": "0123456789abcdef0123456789abcdef", "zoneId": "fedcba9876543210fedcba9876543210", "hostname": "app.example.com"}
	if !reflect.DeepEqual(o.Config, want) {
		t.Errorf("config %v, want %v", o.Config, want)
	}
	for _, bad := range [][]string{{"-action", "deploy"}, {"-layout", "sidecar"}} {
		if _, err := parse(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
