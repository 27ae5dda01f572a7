package component

import (
	"runtime/debug"
	"testing"
)

func TestModuleVersion(t *testing.T) {
	sdk := func(v string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: vaultSDK, Version: v, Replace: replace}
	}
	other := &debug.Module{Path: "github.com/pulumi/pulumi-random/sdk/v4", Version: "v4.18.0"}
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"pinned", &debug.BuildInfo{Deps: []*debug.Module{other, sdk("v6.1.0", nil)}}, true, "6.1.0"},
		{"replaced by a version", &debug.BuildInfo{Deps: []*debug.Module{sdk("v6.1.0", sdk("v6.2.1", nil))}}, true, "6.2.1"},
		{"replaced by a folder", &debug.BuildInfo{Deps: []*debug.Module{sdk("v6.1.0", &debug.Module{Path: "../vault"})}}, true, ""},
		{"not a dependency", &debug.BuildInfo{Deps: []*debug.Module{other}}, true, ""},
		{"no build info", nil, false, ""},
	} {
		if got := moduleVersion(c.bi, c.ok); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
