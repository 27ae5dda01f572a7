// Command handwritten is examples/inpod without tunnelgate: the same stack config keys (see package
// quickstart; the zone by id, the Cilium policy), the same resources registered with direct provider
// SDK calls (bench.HandWritten). benchtable compares its cold build time and binary size with
// examples/inpod's: it imports only the SDK packages those resources need.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/tunnelgate/tunnelgate/bench"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "tunnelgate")
		p := bench.Params{
			Name: "web", AccountID: cfg.Require("accountId"), ZoneID: cfg.Require("zoneId"),
			Hostnames: []string{cfg.Require("hostname")}, Namespace: cfg.Get("namespace"),
			AppImage: cfg.Require("appImage"), AppPort: cfg.GetInt("appPort"),
			VaultRole: cfg.Require("vaultRole"), VaultPath: cfg.Get("vaultPath"),
		}
		if p.Namespace == "" {
			p.Namespace = "apps"
		}
		if p.AppPort == 0 {
			p.AppPort = 4000
		}
		if p.VaultPath == "" {
			p.VaultPath = p.Namespace + "/web/cloudflared"
		}
		return bench.HandWritten(ctx, p)
	})
}
