package tunnel

import (
	"encoding/json"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kv"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/component"
	"github.com/tunnelgate/tunnelgate/internal/literal"
	"github.com/tunnelgate/tunnelgate/origin"
	"github.com/tunnelgate/tunnelgate/vaultkv"
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

	// OriginServices are the distinct Services the routes point at (Args.OriginServices), as the tunnel
	// resolved them: an existing Service with its selector, ports and cluster IP from the read. Give
	// them to the network policy (network.Routes.Services). Not a Pulumi output (no `pulumi` tag).
	OriginServices []origin.Service

	// Children are the component's resources in registration order: secret, tunnel, config, records,
	// Vault secret (the reads of existing Services are not among them). Depend on them (pulumi.DependsOn) to run after the tunnel is fully set up, e.g. a
	// workload whose pods read the token from Vault. (Depending on the component itself resolves to the
	// children registered so far, which is racy while the component is being built.)
	// Not a Pulumi output: it has no `pulumi` tag (a multi-language provider skips untagged fields).
	Children []pulumi.Resource
}

// NewTunnel validates args (nothing is registered when they are invalid, not even the component) and
// registers the component and its children (see the package doc for names, types and parents). opts
// are the component's options: providers given with pulumi.Provider or pulumi.Providers reach every
// child and the zone lookup through the parent, and so does Protect; DependsOn, RetainOnDelete,
// DeletedWith and custom timeouts are passed to the children (component.ChildOptions).
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
	b := &builder{ctx: ctx, name: name, d: d, comp: comp, child: child, hostnames: d.Hostnames()}
	if err := b.origins(); err != nil {
		return nil, err
	}
	tun, config, err := b.tunnel()
	if err != nil {
		return nil, err
	}
	// Nothing points at a tunnel before its ingress rules exist: during a rotation the DNS records and
	// the Vault token move to the new tunnel only once it is fully configured.
	afterConfig := append(child[:len(child):len(child)], pulumi.DependsOn([]pulumi.Resource{config}))
	// The records are registered here rather than in a helper: the SDK records the call stack of every
	// registration, and one frame more costs allocations per hostname.
	zoneID := b.zoneID()
	for _, h := range b.hostnames {
		rec, err := cloudflare.NewRecord(ctx, RecordName(name, h), b.record(zoneID, h, tun), afterConfig...)
		if err != nil {
			return nil, err
		}
		comp.Children = append(comp.Children, rec)
	}
	if err := b.vault(tun, afterConfig); err != nil {
		return nil, err
	}
	return comp, b.outputs(tun)
}

// builder registers the children of one Tunnel component from its defaulted, validated args.
type builder struct {
	ctx   *pulumi.Context
	name  string
	d     Args
	comp  *Tunnel
	child []pulumi.ResourceOption
	// accountID is the account id, checked once known when it is an output; tunnelID the tunnel's id.
	accountID pulumi.StringInput
	tunnelID  pulumi.StringOutput
	hostnames []string
	// urls are the services of the routes to a KubernetesService, by route (nil for the others).
	urls []pulumi.StringInput
}

// origins reads the existing Services the routes point at (one read per Service, however many routes
// and ports use it), resolves every distinct Service and records each route's URL: a literal when the
// Service is, else an output checked once known (a bad port fails the config, nothing else).
func (b *builder) origins() error {
	services, routes := b.d.OriginServices()
	if len(services) == 0 {
		return nil
	}
	reads := map[string]*origin.Service{}
	urls := make([]pulumi.StringInput, len(services))
	for k, s := range services {
		if s.Existing() {
			ns, _ := literal.String(s.Namespace)
			n, _ := literal.String(s.Name)
			read, ok := reads[ns+"/"+n]
			if !ok {
				var err error
				if read, err = origin.Read(b.ctx, ServiceReadName(b.name, ns, n), &s, b.child...); err != nil {
					return err
				}
				reads[ns+"/"+n] = read
			}
			r := *read
			r.Port, r.PortName, r.Scheme = s.Port, s.PortName, s.Scheme
			s = r
		}
		b.comp.OriginServices = append(b.comp.OriginServices, s)
		if t, ok := s.Known(b.d.ClusterDomain); ok {
			urls[k] = pulumi.String(t.URL)
		} else {
			urls[k] = s.Resolve(routeField(routes[k], ".kubernetesService"), Type, b.d.ClusterDomain).URL()
		}
	}
	b.urls = make([]pulumi.StringInput, len(b.d.Routes))
	for i, k := range b.d.serviceIndex() {
		if k >= 0 {
			b.urls[i] = urls[k]
		}
	}
	return nil
}

// tunnel registers the secret, the tunnel and its ingress configuration.
func (b *builder) tunnel() (*cloudflare.ZeroTrustTunnelCloudflared, *cloudflare.ZeroTrustTunnelCloudflaredConfig, error) {
	// RandomPassword, not RandomBytes: RandomBytes uses its base64 value as the resource id, and ids are
	// never encrypted in state. RandomPassword's id is "none" and its result a secret.
	secret, err := random.NewRandomPassword(b.ctx, b.name+"-secret", &random.RandomPasswordArgs{
		Length:  pulumi.Int(SecretLength),
		Special: pulumi.Bool(false),
		Keepers: pulumi.StringMap{"rotation": pulumi.String(b.d.Rotation)},
	}, b.child...)
	if err != nil {
		return nil, nil, err
	}
	b.accountID = checked(b.d.AccountID, "accountId")
	tun, err := cloudflare.NewZeroTrustTunnelCloudflared(b.ctx, b.name+"-tunnel", &cloudflare.ZeroTrustTunnelCloudflaredArgs{
		AccountId: b.accountID,
		Name:      pulumi.String(TunnelName(b.d.Name, b.d.Rotation)),
		Secret:    secret.Result,
		ConfigSrc: pulumi.String(ConfigSource),
	}, append(b.child, pulumi.DeleteBeforeReplace(false))...)
	if err != nil {
		return nil, nil, err
	}
	b.tunnelID = tun.ID().ToStringOutput()
	config, err := cloudflare.NewZeroTrustTunnelCloudflaredConfig(b.ctx, b.name+"-config", &cloudflare.ZeroTrustTunnelCloudflaredConfigArgs{
		AccountId: b.accountID,
		TunnelId:  b.tunnelID,
		Config:    cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgs{IngressRules: ingressRules(b.d.Rules(), b.urls)},
	}, b.child...)
	if err != nil {
		return nil, nil, err
	}
	b.comp.Children = append(b.comp.Children, secret, tun, config)
	return tun, config, nil
}

// zoneID is the zone of the records: Args.ZoneID (checked once known when it is an output), or the
// id of the zone ZoneName, looked up with the component's provider.
func (b *builder) zoneID() pulumi.StringInput {
	if b.d.ZoneID != nil {
		return checked(b.d.ZoneID, "zoneId")
	}
	return cloudflare.LookupZoneOutput(b.ctx, cloudflare.LookupZoneOutputArgs{
		Name:      pulumi.StringPtr(b.d.ZoneName),
		AccountId: b.accountID.ToStringOutput().ToStringPtrOutput(),
	}, pulumi.Parent(b.comp)).Id()
}

// record is the proxied CNAME of hostname h to the tunnel.
func (b *builder) record(zoneID pulumi.StringInput, h string, tun *cloudflare.ZeroTrustTunnelCloudflared) *cloudflare.RecordArgs {
	return &cloudflare.RecordArgs{
		ZoneId:  zoneID,
		Name:    pulumi.String(h),
		Type:    pulumi.String("CNAME"),
		Content: tun.Cname,
		Proxied: pulumi.Bool(true),
		Ttl:     pulumi.Int(1),
		Comment: pulumi.String("tunnelgate: tunnel " + b.name),
	}
}

// vault registers the Vault KV v2 secret with the token and the tunnel id, when Args.Vault is set.
func (b *builder) vault(tun *cloudflare.ZeroTrustTunnelCloudflared, opts []pulumi.ResourceOption) error {
	if b.d.Vault == nil {
		return nil
	}
	loc := *b.d.Vault
	data := pulumi.All(tun.TunnelToken, b.tunnelID).ApplyT(func(v []any) (string, error) {
		bs, err := json.Marshal(map[string]string{loc.TokenKey: v[0].(string), loc.IDKey: v[1].(string)})
		return string(bs), err
	}).(pulumi.StringOutput)
	va := &kv.SecretV2Args{
		Mount: pulumi.String(loc.Mount), Name: pulumi.String(loc.Path), DataJson: data,
		DeleteAllVersions: pulumi.Bool(!b.d.KeepVaultVersions),
	}
	if loc.Namespace != "" {
		va.Namespace = pulumi.String(loc.Namespace)
	}
	vs, err := kv.NewSecretV2(b.ctx, b.name+"-vault", va, opts...)
	if err != nil {
		return err
	}
	b.comp.Children = append(b.comp.Children, vs)
	return nil
}

// outputs sets the component's outputs and registers them.
func (b *builder) outputs(tun *cloudflare.ZeroTrustTunnelCloudflared) error {
	var loc vaultkv.Location
	if b.d.Vault != nil {
		loc = *b.d.Vault
	}
	c := b.comp
	c.TunnelID = b.tunnelID
	c.Name = tun.Name
	c.CNAME = tun.Cname
	c.Hostnames = pulumi.ToStringArray(b.hostnames).ToStringArrayOutput()
	c.Token = pulumi.ToSecret(tun.TunnelToken).(pulumi.StringOutput)
	c.VaultMount = pulumi.String(loc.Mount).ToStringOutput()
	c.VaultPath = pulumi.String(loc.Path).ToStringOutput()
	c.VaultTokenKey = pulumi.String(loc.TokenKey).ToStringOutput()
	c.VaultIDKey = pulumi.String(loc.IDKey).ToStringOutput()
	return b.ctx.RegisterResourceOutputs(c, pulumi.Map{
		"tunnelId": c.TunnelID, "name": c.Name, "cname": c.CNAME, "hostnames": c.Hostnames,
		"token": c.Token, "vaultMount": c.VaultMount, "vaultPath": c.VaultPath,
		"vaultTokenKey": c.VaultTokenKey, "vaultIdKey": c.VaultIDKey,
	})
}

// checked returns a literal in as it is (validate checked it) and an output as one that fails, with a
// field error, when the value turns out not to be 32 hex characters once known: the resources using it
// are then never registered with it.
func checked(in pulumi.StringInput, field string) pulumi.StringInput {
	var validated check.Errors
	return check.StringInput(&validated, field, in, Type, checkHex32)
}

// ingressRules converts the emitted rules to the provider's input types; urls are the services of
// the routes to a KubernetesService, by route.
func ingressRules(rules []Route, urls []pulumi.StringInput) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray {
	out := make(cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray, len(rules))
	for i, r := range rules {
		var service pulumi.StringInput = pulumi.String(r.Service)
		if i < len(urls) && urls[i] != nil {
			service = urls[i]
		}
		rule := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArgs{Service: service}
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
