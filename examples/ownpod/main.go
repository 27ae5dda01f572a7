// Command ownpod deploys a frontend and a backend behind one hostname with cloudflared in a Deployment of
// its own: see package quickstart for the stack config keys.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/examples/quickstart"
)

func main() { pulumi.Run(quickstart.OwnPod) }
