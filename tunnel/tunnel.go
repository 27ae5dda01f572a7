package tunnel

import (
	"encoding/json"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kv"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
)

// Tunnel is the component: a remotely managed Cloudflare Tunnel with its secret, ingress rules, DNS
// records and optionally the Vault secret holding its token.
type Tunnel struct {
	pulumi.ResourceState

	// TunnelID is the tunnel's id (a UUID).
	TunnelID pulumi.StringOutput `pulumi:"tunnelId"`
	// Name is the tunnel's name in Cloudflare ("<name>" or "<name>-<rotation>").
	Name pulumi.StringOutput `pulumi:"name"`
	// CNAME is the DNS target of the hostnames, "<tunnel id>.cfargotunnel.com".
	CNAME pulumi.StringOutput `pulumi:"cname"`
	// Hostnames are the distinct public hostnames, in route order; each has a CNAME record.
	Hostnames pulumi.StringArrayOutput `pulumi:"hostnames"`
	// Token is the connector token (`cloudflared tunnel run --token-file`), a secret.
	Token pulumi.StringOutput `pulumi:"token"`
	// VaultMount, VaultPath, VaultTokenKey and VaultIDKey say where the token and id can be read back
	// (KV v2: read at "<mount>/data/<path>"); empty when Args.Vault is nil.
	VaultMount    pulumi.StringOutput `pulumi:"vaultMount"`
	VaultPath     pulumi.StringOutput `pulumi:"vaultPath"`
	VaultTokenKey pulumi.StringOutput `pulumi:"vaultTokenKey"`
	VaultIDKey    pulumi.StringOutput `pulumi:"vaultIdKey"`

	// Children are the component's resources in registration order: secret, tunnel, config, records,
	// Vault secret. Depend on them (pulumi.DependsOn) to run after the tunnel is fully set up, e.g. a
	// workload whose pods read the token from Vault. (Depending on the component itself resolves to the
	// children registered so far, which is racy while the component is being built.)
	Children []pulumi.Resource `pulumi:"-"`
}

// NewTunnel validates args (nothing is registered when they are invalid, not even the component) and
// registers the component and its children (see the package doc for names, types and parents). opts
// are the component's options: providers given with pulumi.Provider or pulumi.Providers reach every
// child and the zone lookup through the parent; DependsOn, RetainOnDelete, DeletedWith and Timeouts are
// passed to the children too. Protect is inherited from the parent.
func NewTunnel(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Tunnel, error) {
	if args == nil {
		args = &Args{}
	}
	d := args.withDefaults(DefaultName(ctx.Project(), ctx.Stack(), name))
	if err := validate(d); err != nil {
		return nil, err
	}
	comp := &Tunnel{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	child, err := component.ChildOptions(comp, opts)
	if err != nil {
		return nil, err
	}

	// RandomPassword, not RandomBytes: RandomBytes uses its base64 value as the resource id, and ids are
	// never encrypted in state. RandomPassword's id is "none" and its result a secret.
	secret, err := random.NewRandomPassword(ctx, name+"-secret", &random.RandomPasswordArgs{
		Length:  pulumi.Int(SecretLength),
		Special: pulumi.Bool(false),
		Keepers: pulumi.StringMap{"rotation": pulumi.String(d.Rotation)},
	}, child...)
	if err != nil {
		return nil, err
	}
	accountID := checked(d.AccountID, "accountId")
	tun, err := cloudflare.NewZeroTrustTunnelCloudflared(ctx, name+"-tunnel", &cloudflare.ZeroTrustTunnelCloudflaredArgs{
		AccountId: accountID,
		Name:      pulumi.String(TunnelName(d.Name, d.Rotation)),
		Secret:    secret.Result,
		ConfigSrc: pulumi.String(ConfigSource),
	}, append(child, pulumi.DeleteBeforeReplace(false))...)
	if err != nil {
		return nil, err
	}
	tunnelID := tun.ID().ToStringOutput()
	config, err := cloudflare.NewZeroTrustTunnelCloudflaredConfig(ctx, name+"-config", &cloudflare.ZeroTrustTunnelCloudflaredConfigArgs{
		AccountId: accountID,
		TunnelId:  tunnelID,
		Config:    cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgs{IngressRules: ingressRules(d.Rules())},
	}, child...)
	if err != nil {
		return nil, err
	}
	comp.Children = append(comp.Children, secret, tun, config)
	// Nothing points at a tunnel before its ingress rules exist: during a rotation the DNS records and
	// the Vault token move to the new tunnel only once it is fully configured.
	afterConfig := append(child[:len(child):len(child)], pulumi.DependsOn([]pulumi.Resource{config}))

	var zoneID pulumi.StringInput
	if d.ZoneID != nil {
		zoneID = checked(d.ZoneID, "zoneId")
	} else {
		zoneID = cloudflare.LookupZoneOutput(ctx, cloudflare.LookupZoneOutputArgs{
			Name:      pulumi.StringPtr(d.ZoneName),
			AccountId: accountID.ToStringOutput().ToStringPtrOutput(),
		}, pulumi.Parent(comp)).Id()
	}
	hostnames := d.Hostnames()
	for _, h := range hostnames {
		rec, err := cloudflare.NewRecord(ctx, RecordName(name, h), &cloudflare.RecordArgs{
			ZoneId:  zoneID,
			Name:    pulumi.String(h),
			Type:    pulumi.String("CNAME"),
			Content: tun.Cname,
			Proxied: pulumi.Bool(true),
			Ttl:     pulumi.Int(1),
			Comment: pulumi.String("tunnelgate: tunnel " + name),
		}, afterConfig...)
		if err != nil {
			return nil, err
		}
		comp.Children = append(comp.Children, rec)
	}

	loc, hasVault := d.VaultLocation()
	if hasVault {
		data := pulumi.All(tun.TunnelToken, tunnelID).ApplyT(func(v []any) (string, error) {
			b, err := json.Marshal(map[string]string{loc.TokenKey: v[0].(string), loc.IDKey: v[1].(string)})
			return string(b), err
		}).(pulumi.StringOutput)
		va := &kv.SecretV2Args{
			Mount: pulumi.String(loc.Mount), Name: pulumi.String(loc.Path), DataJson: data,
			DeleteAllVersions: pulumi.Bool(!loc.KeepVersions),
		}
		if loc.Namespace != "" {
			va.Namespace = pulumi.String(loc.Namespace)
		}
		vs, err := kv.NewSecretV2(ctx, name+"-vault", va, afterConfig...)
		if err != nil {
			return nil, err
		}
		comp.Children = append(comp.Children, vs)
	}

	comp.TunnelID = tunnelID
	comp.Name = tun.Name
	comp.CNAME = tun.Cname
	comp.Hostnames = pulumi.ToStringArray(hostnames).ToStringArrayOutput()
	comp.Token = pulumi.ToSecret(tun.TunnelToken).(pulumi.StringOutput)
	comp.VaultMount = pulumi.String(loc.Mount).ToStringOutput()
	comp.VaultPath = pulumi.String(loc.Path).ToStringOutput()
	comp.VaultTokenKey = pulumi.String(loc.TokenKey).ToStringOutput()
	comp.VaultIDKey = pulumi.String(loc.IDKey).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"tunnelId": comp.TunnelID, "name": comp.Name, "cname": comp.CNAME, "hostnames": comp.Hostnames,
		"token": comp.Token, "vaultMount": comp.VaultMount, "vaultPath": comp.VaultPath,
		"vaultTokenKey": comp.VaultTokenKey, "vaultIdKey": comp.VaultIDKey,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// checked returns a literal in as it is (validate checked it) and an output as one that fails, with a
// field error, when the value turns out not to be 32 hex characters once known: the resources using it
// are then never registered with it.
func checked(in pulumi.StringInput, field string) pulumi.StringInput {
	var validated check.Errors
	return check.StringInput(&validated, field, in, Type, checkHex32)
}

// ingressRules converts the emitted rules to the provider's input types.
func ingressRules(rules []Route) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray {
	out := make(cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray, len(rules))
	for i, r := range rules {
		rule := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArgs{Service: pulumi.String(r.Service)}
		if r.Hostname != "" {
			rule.Hostname = pulumi.String(r.Hostname)
		}
		if r.Path != "" {
			rule.Path = pulumi.String(r.Path)
		}
		if o := r.Origin; o != nil {
			rule.OriginRequest = originRequest(o)
		}
		out[i] = rule
	}
	return out
}

func originRequest(o *OriginRequest) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestArgs {
	or := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestArgs{
		NoTlsVerify:      pulumi.BoolPtrFromPtr(o.NoTLSVerify),
		Http2Origin:      pulumi.BoolPtrFromPtr(o.HTTP2Origin),
		HttpHostHeader:   optString(o.HTTPHostHeader),
		OriginServerName: optString(o.OriginServerName),
		CaPool:           optString(o.CAPool),
		ConnectTimeout:   optString(o.ConnectTimeout),
	}
	if a := o.Access; a != nil {
		or.Access = cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestAccessArgs{
			Required: pulumi.Bool(a.Required),
			TeamName: pulumi.String(a.TeamName),
			AudTags:  pulumi.ToStringArray(a.AudTags),
		}
	}
	return or
}

// optString is nil for "", so that unset options stay unset in the provider's inputs.
func optString(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}
