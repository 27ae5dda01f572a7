// Command pulumi-resource-tunnelgate is tunnelgate's Pulumi plugin: it serves the library's components
// (tunnelgate:index:Ingress and the tunnel, workload, network and vaultrole components) to programs in
// every Pulumi language, which use them through an SDK generated from its schema (`pulumi package add`).
// See package provider.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tunnelgate/tunnelgate/cmd/pulumi-resource-tunnelgate/provider"
)

func main() {
	prov, err := provider.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), provider.Name, provider.Version); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
