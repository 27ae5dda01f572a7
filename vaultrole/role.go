package vaultrole

import (
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
)

// Child roles: a child's Pulumi name is "<component name>-<role>".
const (
	// RolePolicy names the policy child.
	RolePolicy = "policy"
	// RoleAuth names the Kubernetes auth role child.
	RoleAuth = "role"
)

// Type tokens of the children.
const (
	// PolicyType is the Pulumi type of the policy child.
	PolicyType = "vault:index/policy:Policy"
	// AuthRoleType is the Pulumi type of the Kubernetes auth role child.
	AuthRoleType = "vault:kubernetes/authBackendRole:AuthBackendRole"
)

// Role is the component: a Vault policy that reads exactly one KV v2 secret, and a Kubernetes auth
// role that gives it to exactly one service account of one namespace.
type Role struct {
	pulumi.ResourceState

	// RoleName is the Kubernetes auth role's name (Args.Reader.Role): what the agent logs in with.
	RoleName pulumi.StringOutput `pulumi:"roleName"`
	// AuthPath is the auth method's path the role lives in, "auth/<mount>".
	AuthPath pulumi.StringOutput `pulumi:"authPath"`
	// PolicyName is the policy's name (Settings.PolicyName after defaults).
	PolicyName pulumi.StringOutput `pulumi:"policyName"`

	// Policy is the child "<name>-policy".
	Policy *vault.Policy
	// AuthRole is the child "<name>-role".
	AuthRole *kubernetes.AuthBackendRole
	// Children are the policy and the role. Depend on them (pulumi.DependsOn) to run after the role
	// exists, e.g. pods whose agent logs in with it. Not a Pulumi output (no `pulumi` tag).
	Children []pulumi.Resource
}

// NewRole validates args (nothing is registered when they are invalid, not even the component) and
// registers the component with its children, "<name>-policy" and "<name>-role" (see the package doc).
// opts are the component's: the Vault provider (pulumi.Provider or pulumi.Providers) and Protect reach
// the children through the parent; DependsOn, RetainOnDelete, DeletedWith and custom timeouts are
// passed to them (component.ChildOptions).
func NewRole(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Role, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	d := args.withDefaults()
	comp := &Role{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	child, err := component.ChildOptions(comp, opts)
	if err != nil {
		return nil, err
	}
	// Validate checked literal namespace and account names; outputs are checked once known, before
	// the role binds them.
	var late check.Errors
	namespace := check.StringInput(&late, "reader.namespace", d.reader.Namespace, Type, (*check.Errors).DNSLabel)
	account := check.StringInput(&late, "reader.serviceAccount", d.reader.ServiceAccount, Type, serviceAccount)
	var vaultNamespace pulumi.StringPtrInput
	if ns := d.secret.Namespace; ns != "" {
		vaultNamespace = pulumi.String(ns)
	}
	child = append(child, component.VaultVersion())
	policy, err := vault.NewPolicy(ctx, name+"-"+RolePolicy, &vault.PolicyArgs{
		Name:      pulumi.String(d.settings.PolicyName),
		Policy:    pulumi.String(PolicyDocument(d.secret)),
		Namespace: vaultNamespace,
	}, child...)
	if err != nil {
		return nil, err
	}
	ra := &kubernetes.AuthBackendRoleArgs{
		Backend:                       pulumi.String(d.reader.AuthMount()),
		RoleName:                      pulumi.String(d.reader.Role),
		BoundServiceAccountNames:      pulumi.StringArray{account},
		BoundServiceAccountNamespaces: pulumi.StringArray{namespace},
		TokenPolicies:                 pulumi.StringArray{policy.Name},
		TokenTtl:                      pulumi.Int(d.settings.TTLSeconds),
		TokenMaxTtl:                   pulumi.Int(d.settings.MaxTTLSeconds),
		Namespace:                     vaultNamespace,
	}
	if aud := d.reader.TokenAudience; aud != "" {
		ra.Audience = pulumi.String(aud)
	}
	role, err := kubernetes.NewAuthBackendRole(ctx, name+"-"+RoleAuth, ra, child...)
	if err != nil {
		return nil, err
	}
	comp.Policy, comp.AuthRole = policy, role
	comp.Children = []pulumi.Resource{policy, role}
	comp.RoleName = role.RoleName
	comp.AuthPath = pulumi.String(d.reader.AuthPath).ToStringOutput()
	comp.PolicyName = policy.Name
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"roleName": comp.RoleName, "authPath": comp.AuthPath, "policyName": comp.PolicyName,
	})
}
