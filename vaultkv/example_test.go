package vaultkv_test

import (
	"fmt"

	"github.com/tunnelgate/tunnelgate/vaultkv"
)

// The secret the tunnel writes and the Vault Agent reads: "secret/data/apps/web/cloudflared", key
// "tunnel_token".
func ExampleLocation() {
	loc := vaultkv.Location{Path: "apps/web/cloudflared"}
	fmt.Println(loc.ReadPath(), loc.WithDefaults().TokenKey, loc.Validate())
	bad := vaultkv.Location{Path: "apps/../web/cloudflared"}
	fmt.Println(bad.Validate())
	// Output:
	// secret/data/apps/web/cloudflared tunnel_token <nil>
	// tunnelgate:vaultkv:Location: invalid arguments: path "apps/../web/cloudflared": not a secret path such as "prod/web/cloudflared": no "." or ".." segments: they name another secret than the one written or read
}
