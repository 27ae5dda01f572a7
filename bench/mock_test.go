package bench_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lightMocks is the engine of the registration benchmarks, the same for both sides: every resource's
// outputs are its inputs, plus what the programs read back (the random bytes' base64, the tunnel's
// cname and token). It records nothing, so that the benchmarks measure the programs, not a recorder.
type lightMocks struct{}

func (lightMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) { return args.Args, nil }

func (lightMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	out := args.Inputs
	switch args.TypeToken {
	case "random:index/randomPassword:RandomPassword":
		out = out.Copy()
		out["result"] = resource.NewProperty("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj")
	case "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared":
		out = out.Copy()
		out["cname"] = resource.NewProperty(args.Name + "-id.cfargotunnel.com")
		out["tunnelToken"] = resource.NewProperty("dG9rZW4=")
	}
	if !args.Custom {
		return "", out, nil
	}
	return args.Name + "-id", out, nil
}

// runLight runs program on lightMocks.
func runLight(program pulumi.RunFunc) error {
	return pulumi.RunErr(program, pulumi.WithMocks("tunnelgate", "dev", lightMocks{}))
}
