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
	Token pulumi.StringOutput `pulumi:"token" provider:"secret"`
	// VaultMount, VaultPath, VaultTokenKey and VaultIDKey say where the token and id can be read back
	// (KV v2: read at "<mount>/data/<path>"); empty when Args.Vault is nil.
	VaultMount    pulumi.StringOutput `pulumi:"vaultMount"`
	VaultPath     pulumi.StringOutput `pulumi:"vaultPath"`
	VaultTokenKey pulumi.StringOutput `pulumi:"vaultTokenKey"`
	VaultIDKey    pulumi.StringOutput `pulumi:"vaultIdKey"`
	// VirtualNetworkIDs are the ids of the virtual networks created with the tunnel, by name (empty without
	// Args.PrivateNetwork.VirtualNetworks): what a Cloudflare One device profile or another route names.
	VirtualNetworkIDs pulumi.StringMapOutput `pulumi:"virtualNetworkIds"`
	// AccessAudiences maps the domain of each Cloudflare Access application ("app.example.com",
	// "app.example.com/admin", see AccessDomain) to its audience tag (AUD), which the route's JWT check
	// in cloudflared requires; an origin that verifies the Cf-Access-Jwt-Assertion header itself needs
	// it too. Empty without Access.
	AccessAudiences pulumi.StringMapOutput `pulumi:"accessAudiences"`
	// ServiceTokenIDs and ServiceTokenSecrets map each machine client of AccessPolicy.ServiceTokens to
	// its Access service token's client id and client secret (the CF-Access-Client-Id and
	// CF-Access-Client-Secret headers), both secrets.
	ServiceTokenIDs     pulumi.StringMapOutput `pulumi:"serviceTokenIds" provider:"secret"`
	ServiceTokenSecrets pulumi.StringMapOutput `pulumi:"serviceTokenSecrets" provider:"secret"`

	// OriginServices are the distinct Services the routes point at (Args.OriginServices), as the tunnel
	// resolved them: an existing Service with its selector, ports and cluster IP from the read. Give
	// them to the network policy (network.Routes.Services). Not a Pulumi output (no `pulumi` tag).
	OriginServices []origin.Service

	// Children are the component's resources in registration order: secret, tunnel, Access service
	// tokens, policies and applications, config, Vault secret, records, private routes (not the reads
	// of existing Services). Depend on them (pulumi.DependsOn) to run after the tunnel is fully set up,
	// e.g. a workload whose pods read the token from Vault; NewTunnelWithConnectors's Connectors sees
	// them without the records and routes, which come after the connectors. (Depending on the component
	// itself resolves to the children registered so far, which is racy while the component is being
	// built.)
	// Not a Pulumi output: it has no `pulumi` tag (a multi-language provider skips untagged fields).
	Children []pulumi.Resource
}

// NewTunnel validates args (nothing is registered when they are invalid, not even the component) and
// registers the component and its children (see the package doc for names, types and parents). opts
// are the component's options: providers given with pulumi.Provider or pulumi.Providers reach every
// child and the zone lookup through the parent, and so does Protect; DependsOn, RetainOnDelete,
// DeletedWith and custom timeouts are passed to the children (component.ChildOptions).
//
// The DNS records wait for the ingress configuration only: the tunnel's connectors are the caller's.
// To keep every hostname on a tunnel that has connectors during a rotation, register the connectors
// with NewTunnelWithConnectors.
func NewTunnel(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Tunnel, error) {
	return NewTunnelWithConnectors(ctx, name, args, nil, opts...)
}

// Connectors registers what runs a tunnel's connectors (cloudflared with the tunnel's token) and
// returns the resources that are ready only once those connectors are, e.g. a Deployment that the
// kubernetes provider awaits until its pods are Ready. It is called with the Tunnel whose outputs
// (TunnelID, Token, ...) are set and whose Children are the secret, the tunnel, its configuration and
// the Vault secret: depend on them (the token is in Vault before a pod asks the injector for it).
type Connectors func(t *Tunnel) ([]pulumi.Resource, error)

// NewTunnelWithConnectors is NewTunnel with the tunnel's connectors registered between the tunnel and
// its DNS records: it registers the secret, the tunnel, its ingress configuration and the Vault
// secret, then calls connectors, then registers the DNS records depending on what connectors returned.
// No record is created or moved to a tunnel before its connectors are ready, so a rotation (see the
// package doc) never points a hostname at a tunnel without connectors, provided that connectors
// registers the new connectors next to the old ones (workload.ConnectorArgs.Generation) rather than
// replacing them in place. A nil connectors is NewTunnel. An error from connectors is returned as it is.
func NewTunnelWithConnectors(ctx *pulumi.Context, name string, args *Args, connectors Connectors, opts ...pulumi.ResourceOption) (*Tunnel, error) {
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
	if err := b.vault(tun, afterConfig); err != nil {
		return nil, err
	}
	b.setOutputs(tun)
	if connectors != nil {
		ready, err := connectors(comp)
		if err != nil {
			return nil, err
		}
		if len(ready) > 0 {
			afterConfig = append(afterConfig, pulumi.DependsOn(ready))
		}
	}
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
	if err := b.private(afterConfig); err != nil {
		return nil, err
	}
	return comp, b.registerOutputs()
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
	// auds are the audience tags of the Access applications by domain; tokenIDs and tokenSecrets the
	// service tokens' client ids and secrets by machine client.
	auds, tokenIDs, tokenSecrets pulumi.StringMap
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
	b.comp.Children = append(b.comp.Children, secret, tun)
	auds, err := b.access()
	if err != nil {
		return nil, nil, err
	}
	config, err := cloudflare.NewZeroTrustTunnelCloudflaredConfig(b.ctx, b.name+"-config", &cloudflare.ZeroTrustTunnelCloudflaredConfigArgs{
		AccountId: b.accountID,
		TunnelId:  b.tunnelID,
		Config:    b.configArgs(auds),
	}, b.child...)
	if err != nil {
		return nil, nil, err
	}
	b.comp.Children = append(b.comp.Children, config)
	return tun, config, nil
}

// configArgs is the tunnel's configuration: the ingress rules (with the Access applications' audience
// tags, auds, by route index) and, with a private network, warp routing.
func (b *builder) configArgs(auds map[int]pulumi.StringOutput) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgs {
	c := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgs{IngressRules: ingressRules(b.d.Rules(), b.urls, auds)}
	if b.d.PrivateNetwork != nil {
		c.WarpRouting = cloudflare.ZeroTrustTunnelCloudflaredConfigConfigWarpRoutingArgs{Enabled: pulumi.Bool(true)}
	}
	return c
}

// access registers the Cloudflare Access service tokens (one per machine client), and for every
// protected route its policies and application, and returns the application's audience tag by route
// index. Nothing here depends on the tunnel or on Args.Rotation: a rotation leaves every Access
// resource as it is (an application's audience tag would change if it were replaced).
func (b *builder) access() (map[int]pulumi.StringOutput, error) {
	b.auds, b.tokenIDs, b.tokenSecrets = pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	apps := b.d.AccessApps()
	if len(apps) == 0 {
		return nil, nil
	}
	account := stringPtr(b.accountID)
	tokens := map[string]pulumi.StringOutput{}
	// The client id is a secret too (the provider marks only the client secret).
	tokenOpts := append(b.child[:len(b.child):len(b.child)], pulumi.AdditionalSecretOutputs([]string{"clientId"}))
	for _, client := range b.d.ServiceTokens() {
		t, err := cloudflare.NewZeroTrustAccessServiceToken(b.ctx, ServiceTokenName(b.name, client), &cloudflare.ZeroTrustAccessServiceTokenArgs{
			AccountId: account,
			Name:      pulumi.String(b.d.Name + "-" + client),
		}, tokenOpts...)
		if err != nil {
			return nil, err
		}
		tokens[client] = t.ID().ToStringOutput()
		b.tokenIDs[client], b.tokenSecrets[client] = t.ClientId, t.ClientSecret
		b.comp.Children = append(b.comp.Children, t)
	}
	auds := make(map[int]pulumi.StringOutput, len(apps))
	for _, a := range apps {
		p, name, label := a.Policy, AccessName(b.name, a.Domain), b.d.Name+" "+a.Domain
		session := pulumi.String(p.SessionDuration)
		var policies pulumi.StringArray
		policy := func(suffix, decision string, include cloudflare.ZeroTrustAccessPolicyIncludeArgs) error {
			pol, err := cloudflare.NewZeroTrustAccessPolicy(b.ctx, name+"-"+suffix, &cloudflare.ZeroTrustAccessPolicyArgs{
				AccountId:       account,
				Name:            pulumi.String(label + " " + suffix),
				Decision:        pulumi.String(decision),
				Includes:        cloudflare.ZeroTrustAccessPolicyIncludeArray{include},
				SessionDuration: session,
			}, b.child...)
			if err == nil {
				policies = append(policies, pol.ID().ToStringOutput())
				b.comp.Children = append(b.comp.Children, pol)
			}
			return err
		}
		if len(p.Emails)+len(p.EmailDomains)+len(p.Groups) > 0 {
			if err := policy("allow", AccessDecisionAllow, cloudflare.ZeroTrustAccessPolicyIncludeArgs{
				Emails: optStrings(p.Emails), EmailDomains: optStrings(p.EmailDomains), Groups: optStrings(p.Groups),
			}); err != nil {
				return nil, err
			}
		}
		if len(p.ServiceTokens) > 0 {
			ids := make(pulumi.StringArray, len(p.ServiceTokens))
			for i, c := range p.ServiceTokens {
				ids[i] = tokens[c]
			}
			if err := policy("service", AccessDecisionServiceAuth, cloudflare.ZeroTrustAccessPolicyIncludeArgs{ServiceTokens: ids}); err != nil {
				return nil, err
			}
		}
		app, err := cloudflare.NewZeroTrustAccessApplication(b.ctx, name, &cloudflare.ZeroTrustAccessApplicationArgs{
			AccountId:       account,
			Name:            pulumi.String(label),
			Domain:          pulumi.String(a.Domain),
			Type:            pulumi.String(AccessAppType),
			SessionDuration: session,
			// The provider sends false unless set (observed), while Access's own default is true: keep
			// the login cookie out of the page's scripts.
			HttpOnlyCookieAttribute: pulumi.Bool(true),
			AllowedIdps:             optStrings(p.IdentityProviders),
			Policies:                policies,
		}, b.child...)
		if err != nil {
			return nil, err
		}
		auds[a.Route] = app.Aud
		b.auds[a.Domain] = app.Aud
		b.comp.Children = append(b.comp.Children, app)
	}
	return auds, nil
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
	vs, err := kv.NewSecretV2(b.ctx, b.name+"-vault", va, append(opts[:len(opts):len(opts)], component.VaultVersion())...)
	if err != nil {
		return err
	}
	b.comp.Children = append(b.comp.Children, vs)
	return nil
}

// setOutputs sets the component's outputs.
func (b *builder) setOutputs(tun *cloudflare.ZeroTrustTunnelCloudflared) {
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
	if b.d.PrivateNetwork == nil {
		c.VirtualNetworkIDs = pulumi.StringMap{}.ToStringMapOutput()
	}
	if len(b.auds) == 0 {
		// No Access: one empty map for the three outputs (a component's outputs cost allocations per run).
		empty := pulumi.StringMap{}.ToStringMapOutput()
		c.AccessAudiences = empty
		c.ServiceTokenIDs = pulumi.ToSecret(empty).(pulumi.StringMapOutput)
		c.ServiceTokenSecrets = c.ServiceTokenIDs
	} else {
		c.AccessAudiences = b.auds.ToStringMapOutput()
		c.ServiceTokenIDs = pulumi.ToSecret(b.tokenIDs.ToStringMapOutput()).(pulumi.StringMapOutput)
		c.ServiceTokenSecrets = pulumi.ToSecret(b.tokenSecrets.ToStringMapOutput()).(pulumi.StringMapOutput)
	}
}

// registerOutputs registers the outputs setOutputs set.
func (b *builder) registerOutputs() error {
	c := b.comp
	return b.ctx.RegisterResourceOutputs(c, pulumi.Map{
		"tunnelId": c.TunnelID, "name": c.Name, "cname": c.CNAME, "hostnames": c.Hostnames,
		"token": c.Token, "vaultMount": c.VaultMount, "vaultPath": c.VaultPath,
		"vaultTokenKey": c.VaultTokenKey, "vaultIdKey": c.VaultIDKey, "virtualNetworkIds": c.VirtualNetworkIDs,
		"accessAudiences": c.AccessAudiences, "serviceTokenIds": c.ServiceTokenIDs, "serviceTokenSecrets": c.ServiceTokenSecrets,
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
// the routes to a KubernetesService and auds the audience tags of the routes behind an Access
// application, by index.
func ingressRules(rules []Route, urls []pulumi.StringInput, auds map[int]pulumi.StringOutput) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray {
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
			rule.OriginRequest = originRequest(o, auds[i], r.Access != nil)
		}
		out[i] = rule
	}
	return out
}

// originRequest converts a rule's origin options; a rule behind a tunnelgate Access application
// (derived) requires the application's audience tag aud.
func originRequest(o *OriginRequest, aud pulumi.StringOutput, derived bool) cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestArgs {
	or := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestArgs{
		NoTlsVerify:      pulumi.BoolPtrFromPtr(o.NoTLSVerify),
		Http2Origin:      pulumi.BoolPtrFromPtr(o.HTTP2Origin),
		HttpHostHeader:   optString(o.HTTPHostHeader),
		OriginServerName: optString(o.OriginServerName),
		CaPool:           optString(o.CAPool),
		ConnectTimeout:   optString(o.ConnectTimeout),
	}
	if a := o.Access; a != nil {
		access := cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleOriginRequestAccessArgs{
			Required: pulumi.Bool(a.Required),
			TeamName: pulumi.String(a.TeamName),
			AudTags:  pulumi.ToStringArray(a.AudTags),
		}
		if derived {
			access.AudTags = pulumi.StringArray{aud}
		}
		or.Access = access
	}
	return or
}

// optStrings is nil for an empty list, so that unset lists stay unset in the provider's inputs.
func optStrings(ss []string) pulumi.StringArrayInput {
	if len(ss) == 0 {
		return nil
	}
	return pulumi.ToStringArray(ss)
}

// stringPtr is in as the optional string a provider argument takes (the account id of the Access
// resources, which can be given to a zone instead).
func stringPtr(in pulumi.StringInput) pulumi.StringPtrInput {
	if p, ok := in.(pulumi.StringPtrInput); ok {
		return p
	}
	return in.ToStringOutput().ToStringPtrOutput()
}

// optString is nil for "", so that unset options stay unset in the provider's inputs.
func optString(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}
