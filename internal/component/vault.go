package component

import (
	"runtime/debug"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// vaultSDK is the module of the pulumi-vault Go SDK.
const vaultSDK = "github.com/pulumi/pulumi-vault/sdk/v6"

// VaultVersion asks for the vault plugin of the pulumi-vault SDK this program is built with (its
// version in the build info), for the Vault resources. The SDK (v6.1.0), unlike the cloudflare and
// random ones, names no version in its registrations: a Go program gets it from its language host,
// which reads go.mod, but through tunnelgate's plugin, from another language, the engine would make an
// unversioned default provider ("pulumi:providers:vault::default" instead of "default_6_1_0"), so that
// the same program's Vault resources would have another provider in the state. Without build info it
// asks for nothing.
func VaultVersion() pulumi.ResourceOption { return pulumi.Version(vaultVersion()) }

var vaultVersion = sync.OnceValue(func() string { return moduleVersion(debug.ReadBuildInfo()) })

// moduleVersion is the version of the pulumi-vault SDK in a binary's build info, without the "v" ("" when
// the info has none: test binaries list no dependencies).
func moduleVersion(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path != vaultSDK {
			continue
		}
		if m.Replace != nil {
			m = m.Replace
		}
		if v := strings.TrimPrefix(m.Version, "v"); v != m.Version {
			return v
		}
	}
	return ""
}
