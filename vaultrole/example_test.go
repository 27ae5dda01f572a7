package vaultrole_test

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
)

// The pods of the Deployment "web" in "apps" (service account "web") read the token at
// "secret/data/apps/web/cloudflared" with the role "web": a policy that reads exactly that path, and
// a role bound to exactly that account, for tokens issued to Vault. In a program, Secret is the
// tunnel's Vault location and Reader what the workload reports (workload.Facts.VaultReader); the
// Ingress wires both.
func ExampleNewRole() {
	res, err := dryrun.Run(func(ctx *pulumi.Context) error {
		_, err := vaultrole.NewRole(ctx, "web", &vaultrole.Args{
			Secret: vaultkv.Location{Path: "apps/web/cloudflared"},
			Reader: vaultkv.Reader{
				Namespace: pulumi.String("apps"), ServiceAccount: pulumi.String("web"),
				Role: "web", TokenAudience: vaultrole.DefaultAudience,
			},
		})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(res.Tree())
	policy := dryrun.Plain(res.Get(vaultrole.PolicyType, "web-policy").Inputs)
	fmt.Printf("policy %s:\n%s", policy["name"], policy["policy"])
	role := res.Get(vaultrole.AuthRoleType, "web-role")
	b, _ := json.Marshal(dryrun.Plain(role.Inputs))
	fmt.Println(role.ID, string(b))
	// Output:
	// tunnelgate:vaultrole:Role web
	//   vault:index/policy:Policy web-policy
	//   vault:kubernetes/authBackendRole:AuthBackendRole web-role
	// policy web:
	// # tunnelgate: read the tunnel token, nothing else
	// path "secret/data/apps/web/cloudflared" {
	//   capabilities = ["read"]
	// }
	// auth/kubernetes/role/web {"audience":"vault","backend":"kubernetes","boundServiceAccountNames":["web"],"boundServiceAccountNamespaces":["apps"],"roleName":"web","tokenMaxTtl":3600,"tokenPolicies":["web"],"tokenTtl":300}
}

// A role named "default" would name Vault's built-in policy, and the namespace's "default" account is
// every pod's: both are refused before anything is registered.
func ExampleArgs_Validate() {
	a := &vaultrole.Args{
		Secret: vaultkv.Location{Path: "apps/web/cloudflared"},
		Reader: vaultkv.Reader{Namespace: pulumi.String("apps"), ServiceAccount: pulumi.String("default"), Role: "default"},
	}
	fmt.Println(a.Validate())
	// Output:
	// tunnelgate:vaultrole:Role: invalid arguments
	//   - reader.serviceAccount "default": every pod of the namespace that names no service account runs as "default": all of them could read the token; run the pods under an account of their own
	//   - reader.role "default": names Vault's built-in policy "default": writing it would change what every token may do; name the policy (settings.policyName) or the role otherwise
}
