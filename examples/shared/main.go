// Command shared deploys one cloudflared connector for the whole cluster, serving two apps in two
// namespaces through one tunnel, with routes that name the apps' Services: see quickstart.Shared for
// what it creates and the stack config keys.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
)

func main() { pulumi.Run(quickstart.Shared) }
