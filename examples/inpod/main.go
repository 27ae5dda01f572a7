// Command inpod deploys one app with cloudflared as a sidecar in its pod: see package quickstart for the
// stack config keys.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
)

func main() { pulumi.Run(quickstart.InPod) }
