// Package dryrun runs a Pulumi program through the Go SDK's mock engine and records every resource it
// registers, with the inputs, options and parents the real engine would see.
//
// It is the shared harness of tunnelgate's unit tests, of the account-free demo and of the real-parts tests
// (which take the Kubernetes objects it renders and apply them to a real API server). Cloudflare, Vault and
// random resources get realistic, deterministic outputs so that everything downstream (CNAME targets, the
// tunnel token, the Vault data) is computed by the library's own code from them. Nothing here pretends to be
// a provider: outputs are only what a test needs to follow the data flow.
package dryrun

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one resource registration as the engine received it.
type Resource struct {
	// Type is the type token, e.g. "cloudflare:index/record:Record".
	Type string
	// Name is the logical name passed to the constructor.
	Name string
	// URN is the URN the mock engine assigned.
	URN string
	// Parent is the parent's URN ("" for the stack's direct children).
	Parent string
	// Custom is false for component resources.
	Custom bool
	// Read is true for a read of an existing object (ctx.ReadResource, e.g. corev1.GetService): its
	// Outputs are the object as the mock's existing objects hold it (Existing), its ID the one read.
	Read bool
	// ID is the physical id the mock assigned (custom resources only).
	ID string
	// Inputs are the registered inputs; secret inputs stay wrapped (resource.IsSecret).
	Inputs resource.PropertyMap
	// Outputs are the simulated outputs, secrets wrapped.
	Outputs resource.PropertyMap
	// Provider is the provider reference of an explicit provider ("" for the default).
	Provider string
	// Dependencies are the URNs this resource depends on (DependsOn and input dependencies).
	Dependencies []string
	// PropertyDependencies maps each input to the URNs it came from.
	PropertyDependencies map[string][]string
	// AdditionalSecretOutputs, DeleteBeforeReplace, ReplaceOnChanges, IgnoreChanges, Protect, Aliases and
	// DeletedWith are the options the engine was given.
	AdditionalSecretOutputs []string
	DeleteBeforeReplace     bool
	ReplaceOnChanges        []string
	IgnoreChanges           []string
	Protect                 bool
	Aliases                 []string
	DeletedWith             string
	RetainOnDelete          bool
	// CustomTimeouts are the create, update and delete timeouts ("" when unset).
	CustomTimeouts [3]string
}

// Call is one invoke (data source) the program made.
type Call struct {
	Token string
	Args  resource.PropertyMap
}

// Result is everything one run registered, in registration order.
type Result struct {
	Resources []Resource
	Calls     []Call
}

// Option adjusts a run.
type Option func(*options)

type options struct {
	project, stack string
	preview        bool
	config         map[string]string
	secretKeys     []string
	zones          map[string]string
	existing       map[string]map[string]any // "<type> <id>" -> the object a read returns
}

// Preview makes the run a preview (ctx.DryRun() reports true), as during `pulumi preview`.
func Preview() Option { return func(o *options) { o.preview = true } }

// Config sets stack configuration, keys in "project:key" form. Secret keys are listed in secretKeys.
func Config(cfg map[string]string, secretKeys ...string) Option {
	return func(o *options) { o.config, o.secretKeys = cfg, secretKeys }
}

// Zone makes the cloudflare getZone invoke answer name with id.
func Zone(name, id string) Option {
	return func(o *options) {
		if o.zones == nil {
			o.zones = map[string]string{}
		}
		o.zones[name] = id
	}
}

// Existing makes reads (ctx.ReadResource) of type typ with id (a Kubernetes object's is
// "<namespace>/<name>") return object, completed as the real provider returns it (a Service gets the
// API server's defaults, see Run). A read of an object not given here fails as the real engine does
// when the provider finds nothing.
func Existing(typ, id string, object map[string]any) Option {
	return func(o *options) {
		if o.existing == nil {
			o.existing = map[string]map[string]any{}
		}
		o.existing[typ+" "+id] = object
	}
}

// Stack names the project and stack of the run (defaults "tunnelgate" and "dev").
func Stack(project, stack string) Option {
	return func(o *options) { o.project, o.stack = project, stack }
}

// Run runs program with the mock engine and returns what it registered. The error is the program's own
// error or the first failed registration, as `pulumi up` would report it; the Result is valid either way.
func Run(program pulumi.RunFunc, opts ...Option) (*Result, error) {
	o := options{project: "tunnelgate", stack: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	m := &mocks{opts: o}
	err := pulumi.RunErr(program, pulumi.WithMocks(o.project, o.stack, m), func(info *pulumi.RunInfo) {
		info.DryRun = o.preview
		info.Config = o.config
		info.ConfigSecretKeys = o.secretKeys
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	return &Result{Resources: m.resources, Calls: m.calls}, err
}

type mocks struct {
	opts      options
	mu        sync.Mutex
	resources []Resource
	calls     []Call
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, Call{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	switch args.Token {
	case "cloudflare:index/getZone:getZone":
		name := args.Args["name"].StringValue()
		id, ok := m.opts.zones[name]
		if !ok {
			id = fakeHex("zone/"+name, 32)
		}
		return resource.PropertyMap{
			"id": resource.NewProperty(id), "zoneId": resource.NewProperty(id), "name": resource.NewProperty(name),
			"accountId": args.Args["accountId"], "status": resource.NewProperty("active"),
		}, nil
	}
	return args.Args, nil
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.ReadRPC != nil {
		return m.read(args)
	}
	id, out := simulate(args, m.opts.preview)
	r := record(args, id, out)
	r.URN = urnOf(args.RegisterRPC.GetParent(), args.TypeToken, args.Name, m.opts)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, out, nil
}

// read answers a read of an existing object with the object Existing gave, as the provider returns
// it, or fails as the engine does when the provider finds nothing (the kubernetes provider answers a
// 404 with an empty result).
func (m *mocks) read(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.ReadRPC
	obj, ok := m.opts.existing[args.TypeToken+" "+args.ID]
	if !ok {
		return "", nil, fmt.Errorf("resource '%s' does not exist", args.ID)
	}
	out := resource.NewPropertyMapFromMap(obj)
	if args.TypeToken == serviceType {
		completeService(out, args.ID)
	}
	parent := rpc.GetParent()
	if resource.URN(parent).QualifiedType() == resource.RootStackType {
		parent = ""
	}
	r := Resource{
		Type: args.TypeToken, Name: args.Name, Parent: parent, Custom: true, Read: true, ID: args.ID,
		Inputs: args.Inputs, Outputs: out, Provider: args.Provider, Dependencies: rpc.GetDependencies(),
		AdditionalSecretOutputs: rpc.GetAdditionalSecretOutputs(),
	}
	r.URN = urnOf(rpc.GetParent(), args.TypeToken, args.Name, m.opts)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return args.ID, out, nil
}

// simulate returns the id and outputs a provider gives the resource: its inputs, plus what the tests
// follow (tunnel token and CNAME, random values, Kubernetes auto-names), with the ids the real
// providers give. In a preview a new Service gets only its inputs, as the kubernetes provider reports
// it when it cannot ask the API server (its namespace does not exist yet): no cluster IP, no defaults.
func simulate(args pulumi.MockResourceArgs, preview bool) (string, resource.PropertyMap) {
	out := args.Inputs.Copy()
	id := ""
	if args.Custom {
		id = args.Name + "-id"
	}
	switch args.TypeToken {
	case "random:index/randomBytes:RandomBytes":
		b := fakeBytes(randomSeed(args), length(args.Inputs, 32))
		out["base64"] = resource.NewProperty(base64.StdEncoding.EncodeToString(b))
		out["hex"] = resource.NewProperty(hex.EncodeToString(b))
		id = base64.StdEncoding.EncodeToString(b) // as pulumi-random does: the value is the id
	case "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString":
		s := fakeAlnum(randomSeed(args), length(args.Inputs, 16))
		out["result"] = resource.NewProperty(s)
		if args.TypeToken == "random:index/randomPassword:RandomPassword" {
			out["bcryptHash"] = resource.NewProperty("$2a$10$" + fakeAlnum("bcrypt/"+s, 53))
			id = "none"
		} else {
			id = s // RandomString's id is its value too
		}
	case "vault:kv/secretV2:SecretV2":
		id = plain(args.Inputs["mount"]) + "/data/" + plain(args.Inputs["name"])
		out["path"] = resource.NewProperty(id)
	case "vault:index/policy:Policy":
		id = plain(args.Inputs["name"]) // terraform-provider-vault's policyWrite: d.SetId(name)
	case "vault:kubernetes/authBackendRole:AuthBackendRole":
		// kubernetesAuthBackendRolePath: "auth/" + Trim(backend, "/") + "/role/" + Trim(role, "/"),
		// backend defaulting to "kubernetes".
		backend := strings.Trim(plain(args.Inputs["backend"]), "/")
		if backend == "" {
			backend = "kubernetes"
		}
		id = "auth/" + backend + "/role/" + strings.Trim(plain(args.Inputs["roleName"]), "/")
		out["backend"] = resource.NewProperty(backend)
	case "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
		"cloudflare:index/tunnel:Tunnel":
		account := plain(args.Inputs["accountId"])
		secret := plain(args.Inputs["secret"])
		id = uuidLike("tunnel/" + account + "/" + plain(args.Inputs["name"]) + "/" + secret)
		token, _ := json.Marshal(map[string]string{"a": account, "t": id, "s": secret})
		out["cname"] = resource.NewProperty(id + ".cfargotunnel.com")
		out["tunnelToken"] = resource.NewProperty(base64.StdEncoding.EncodeToString(token))
	case "cloudflare:index/record:Record":
		id = fakeHex("record/"+plain(args.Inputs["zoneId"])+"/"+plain(args.Inputs["name"]), 32)
		out["hostname"] = args.Inputs["name"]
	case "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig":
		id = plain(args.Inputs["tunnelId"])
	case "cloudflare:index/zeroTrustTunnelVirtualNetwork:ZeroTrustTunnelVirtualNetwork":
		id = uuidLike("vnet/" + plain(args.Inputs["accountId"]) + "/" + plain(args.Inputs["name"]))
		out["isDefaultNetwork"] = resource.NewProperty(false) // the provider reads it back from the API
	case "cloudflare:index/zeroTrustTunnelRoute:ZeroTrustTunnelRoute":
		// terraform-provider-cloudflare v4: the network, or the MD5 of "<network>/<virtual network id>".
		id = plain(args.Inputs["network"])
		if vnet := plain(args.Inputs["virtualNetworkId"]); vnet != "" {
			id = fmt.Sprintf("%x", md5.Sum([]byte(id+"/"+vnet)))
		}
	case "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication":
		// A UUID id and a 64-hex audience tag, fixed for the application's life: derived from its
		// address and account, not from the inputs an update changes in place.
		seed := "access-app/" + args.RegisterRPC.GetParent() + "/" + args.Name + "/" + plain(args.Inputs["accountId"])
		id = uuidLike(seed)
		out["aud"] = resource.NewProperty(fakeHex("aud/"+seed, 64))
	case "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy":
		id = uuidLike("access-policy/" + args.RegisterRPC.GetParent() + "/" + args.Name)
	case "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken":
		// The API's forms: a UUID id, "<32 hex>.access" client id, a 64-hex client secret (which the
		// provider marks secret), one year's duration.
		seed := "service-token/" + args.RegisterRPC.GetParent() + "/" + args.Name
		id = uuidLike(seed)
		out["clientId"] = resource.NewProperty(fakeHex("client-id/"+seed, 32) + ".access")
		out["clientSecret"] = resource.NewProperty(fakeHex("client-secret/"+seed, 64))
		out["duration"] = resource.NewProperty("8760h")
		out["expiresAt"] = resource.NewProperty("2027-12-01T00:00:00Z")
	}
	if strings.HasPrefix(args.TypeToken, "kubernetes:") && args.Custom {
		id = k8sID(args)
		meta := map[string]any{}
		if md, ok := args.Inputs["metadata"]; ok && md.IsObject() {
			meta = md.ObjectValue().Mappable()
		}
		if _, ok := meta["name"]; !ok {
			meta["name"] = k8sAutoName(args.Name, args.RegisterRPC.GetParent())
			out["metadata"] = resource.NewPropertyValue(meta)
		}
		if args.TypeToken == serviceType && !preview {
			completeService(out, args.Name)
		}
	}
	for _, k := range args.RegisterRPC.GetAdditionalSecretOutputs() {
		if v, ok := out[resource.PropertyKey(k)]; ok && !v.IsSecret() {
			out[resource.PropertyKey(k)] = resource.MakeSecret(v)
		}
	}
	return id, out
}

const serviceType = "kubernetes:core/v1:Service"

// completeService fills in what the API server sets on a Service and the kubernetes provider returns
// among its outputs (the live object): the namespace "default" when none is given, type ClusterIP, a
// cluster IP from the service range (10.0.0.0/24, derived from seed; "None" stays for a headless
// Service; none for ExternalName), clusterIPs, a node port for NodePort and LoadBalancer, each port's
// protocol TCP and targetPort defaulted to its port, sessionAffinity None, ipFamilies [IPv4],
// ipFamilyPolicy SingleStack, internalTrafficPolicy Cluster, and an empty status.loadBalancer.
func completeService(out resource.PropertyMap, seed string) {
	obj := out.Mappable()
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	if ns, _ := meta["namespace"].(string); ns == "" {
		meta["namespace"] = "default"
	}
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	typ, _ := spec["type"].(string)
	if typ == "" {
		typ = "ClusterIP"
	}
	spec["type"] = typ
	if typ != "ExternalName" {
		ip, _ := spec["clusterIP"].(string)
		if ip == "" {
			ip = fmt.Sprintf("10.0.0.%d", 10+int(fakeBytes("svc/"+seed, 1)[0])%240)
		}
		spec["clusterIP"] = ip
		if _, ok := spec["clusterIPs"]; !ok {
			spec["clusterIPs"] = []any{ip}
		}
		if _, ok := spec["sessionAffinity"]; !ok {
			spec["sessionAffinity"] = "None"
		}
		if _, ok := spec["ipFamilies"]; !ok {
			spec["ipFamilies"] = []any{"IPv4"}
		}
		if _, ok := spec["ipFamilyPolicy"]; !ok {
			spec["ipFamilyPolicy"] = "SingleStack"
		}
		if _, ok := spec["internalTrafficPolicy"]; !ok {
			spec["internalTrafficPolicy"] = "Cluster"
		}
	}
	ports, _ := spec["ports"].([]any)
	for i, p := range ports {
		port, _ := p.(map[string]any)
		if port == nil {
			continue
		}
		if _, ok := port["protocol"]; !ok {
			port["protocol"] = "TCP"
		}
		if _, ok := port["targetPort"]; !ok && typ != "ExternalName" {
			port["targetPort"] = port["port"]
		}
		if _, ok := port["nodePort"]; !ok && (typ == "NodePort" || typ == "LoadBalancer") {
			port["nodePort"] = float64(30000 + (int(fakeBytes("nodeport/"+seed, 2)[1])+i)%2768)
		}
	}
	obj["metadata"], obj["spec"] = meta, spec
	if _, ok := obj["status"]; !ok {
		obj["status"] = map[string]any{"loadBalancer": map[string]any{}}
	}
	for k, v := range resource.NewPropertyMapFromMap(obj) {
		out[k] = v
	}
}

// record is the registration as the engine received it: parent, inputs, options.
func record(args pulumi.MockResourceArgs, id string, out resource.PropertyMap) Resource {
	rpc := args.RegisterRPC
	parent := rpc.GetParent()
	if resource.URN(parent).QualifiedType() == resource.RootStackType {
		parent = "" // the stack itself is not recorded
	}
	r := Resource{
		Type: args.TypeToken, Name: args.Name, Parent: parent, Custom: args.Custom, ID: id,
		Inputs: args.Inputs, Outputs: out, Provider: args.Provider,
		Dependencies: rpc.GetDependencies(), PropertyDependencies: map[string][]string{},
		AdditionalSecretOutputs: rpc.GetAdditionalSecretOutputs(), DeleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
		ReplaceOnChanges: rpc.GetReplaceOnChanges(), IgnoreChanges: rpc.GetIgnoreChanges(), Protect: rpc.GetProtect(),
		Aliases: rpc.GetAliasURNs(), DeletedWith: rpc.GetDeletedWith(), RetainOnDelete: rpc.GetRetainOnDelete(),
	}
	if ct := rpc.GetCustomTimeouts(); ct != nil {
		r.CustomTimeouts = [3]string{ct.GetCreate(), ct.GetUpdate(), ct.GetDelete()}
	}
	for _, a := range rpc.GetAliases() {
		if u := a.GetUrn(); u != "" {
			r.Aliases = append(r.Aliases, u)
		} else if spec := a.GetSpec(); spec != nil {
			r.Aliases = append(r.Aliases, "name="+spec.GetName()+",type="+spec.GetType()+",parent="+spec.GetParentUrn())
		}
	}
	for k, v := range rpc.GetPropertyDependencies() {
		r.PropertyDependencies[k] = v.GetUrns()
	}
	return r
}

// urnOf computes the URN exactly as the SDK's mock monitor does, so that Parent fields match URNs.
func urnOf(parent, typ, name string, o options) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(o.stack), tokens.PackageName(o.project), parentType, tokens.Type(typ), name))
}

// randomSeed derives a random resource's mock value from its parent, name and keepers: stable across
// runs, different per resource and per keepers (a rotation).
func randomSeed(args pulumi.MockResourceArgs) string {
	return "random/" + args.RegisterRPC.GetParent() + "/" + args.Name + "/" + keepers(args.Inputs)
}

// length is the resource's "length" input, or def.
func length(in resource.PropertyMap, def int) int {
	if l, ok := in["length"]; ok && l.IsNumber() {
		return int(l.NumberValue())
	}
	return def
}

func keepers(in resource.PropertyMap) string {
	k, ok := in["keepers"]
	if !ok {
		return ""
	}
	b, _ := json.Marshal(plainValue(k))
	return string(b)
}

// k8sID is "<namespace>/<name>" as the kubernetes provider reports it.
func k8sID(args pulumi.MockResourceArgs) string {
	name, ns := "", ""
	if md, ok := args.Inputs["metadata"]; ok && md.IsObject() {
		name, ns = plain(md.ObjectValue()["name"]), plain(md.ObjectValue()["namespace"])
	}
	if name == "" {
		name = k8sAutoName(args.Name, args.RegisterRPC.GetParent())
	}
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// k8sAutoName imitates the provider's auto-naming (<name>-<8 random chars>), deterministically.
func k8sAutoName(name, parent string) string {
	return name + "-" + fakeHex("k8s/"+parent+"/"+name, 8)
}

func plain(v resource.PropertyValue) string {
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func plainValue(v resource.PropertyValue) any {
	return Plain(resource.PropertyMap{"v": v})["v"]
}

// Plain turns a property map into plain Go values (map[string]any, []any, string, float64, bool),
// unwrapping secrets. Use it to compare registered inputs with expectations or to render manifests.
func Plain(m resource.PropertyMap) map[string]any {
	return m.MapRepl(nil, func(v resource.PropertyValue) (any, bool) {
		if v.IsSecret() {
			return Plain(resource.PropertyMap{"v": v.SecretValue().Element})["v"], true
		}
		if v.IsOutput() {
			o := v.OutputValue()
			if !o.Known {
				return "<unknown>", true
			}
			return Plain(resource.PropertyMap{"v": o.Element})["v"], true
		}
		if v.IsComputed() {
			return "<unknown>", true
		}
		return nil, false
	})
}

func fakeBytes(seed string, n int) []byte {
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		s := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", seed, i)))
		out = append(out, s[:]...)
	}
	return out[:n]
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// fakeAlnum is n letters and digits derived from seed, like a RandomPassword without special characters.
func fakeAlnum(seed string, n int) string {
	b := fakeBytes(seed, n)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func fakeHex(seed string, n int) string { return hex.EncodeToString(fakeBytes(seed, (n+1)/2))[:n] }

func uuidLike(seed string) string {
	h := fakeHex(seed, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// OfType returns the resources of one type token, in registration order.
func (r *Result) OfType(typ string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Get returns the resource with that type and name, or nil.
func (r *Result) Get(typ, name string) *Resource {
	for i := range r.Resources {
		if r.Resources[i].Type == typ && r.Resources[i].Name == name {
			return &r.Resources[i]
		}
	}
	return nil
}

// ByURN returns the resource with that URN, or nil.
func (r *Result) ByURN(urn string) *Resource {
	for i := range r.Resources {
		if r.Resources[i].URN == urn {
			return &r.Resources[i]
		}
	}
	return nil
}

// Children returns the resources whose parent is urn.
func (r *Result) Children(urn string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Parent == urn {
			out = append(out, res)
		}
	}
	return out
}

// Tree renders the parent tree as indented "type name" lines, children sorted by type then name.
func (r *Result) Tree() string {
	var b strings.Builder
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := r.Children(parent)
		sort.Slice(kids, func(i, j int) bool {
			if kids[i].Type != kids[j].Type {
				return kids[i].Type < kids[j].Type
			}
			return kids[i].Name < kids[j].Name
		})
		for _, k := range kids {
			fmt.Fprintf(&b, "%s%s %s\n", strings.Repeat("  ", depth), k.Type, k.Name)
			walk(k.URN, depth+1)
		}
	}
	walk("", 0)
	return b.String()
}

// SecretLeaks reports every place where one of the plaintexts appears in a resource's name, or in an
// input or output that is not marked secret. An empty result means the secrets stayed secrets.
func (r *Result) SecretLeaks(plaintexts ...string) []string {
	var leaks []string
	for _, res := range r.Resources {
		for _, p := range plaintexts {
			if p == "" {
				continue
			}
			if strings.Contains(res.URN, p) || strings.Contains(res.ID, p) {
				leaks = append(leaks, fmt.Sprintf("%s: name or id contains a secret", res.URN))
			}
			for _, where := range []struct {
				what string
				m    resource.PropertyMap
			}{{"input", res.Inputs}, {"output", res.Outputs}} {
				for _, path := range plainPaths(resource.NewPropertyValue(where.m), "", p) {
					leaks = append(leaks, fmt.Sprintf("%s: %s %s carries a secret in plain text", res.URN, where.what, path))
				}
			}
		}
	}
	return leaks
}

// plainPaths lists the property paths under v holding a string that contains p outside any secret.
func plainPaths(v resource.PropertyValue, path, p string) []string {
	switch {
	case v.IsSecret():
		return nil
	case v.IsOutput():
		if v.OutputValue().Secret {
			return nil
		}
		return plainPaths(v.OutputValue().Element, path, p)
	case v.IsString():
		if strings.Contains(v.StringValue(), p) {
			return []string{path}
		}
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, plainPaths(e, fmt.Sprintf("%s[%d]", path, i), p)...)
		}
		return out
	case v.IsObject():
		var out []string
		for k, e := range v.ObjectValue() {
			sub := string(k)
			if path != "" {
				sub = path + "." + sub
			}
			out = append(out, plainPaths(e, sub, p)...)
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// Manifests returns the Kubernetes objects the program registered, as plain maps of their inputs
// with apiVersion, kind and the name the provider gives (auto-named objects get a deterministic
// "<name>-<8 hex>" name), in registration order: what the program sends to the API server, not what
// the server adds to it (a Service's cluster IP). Providers, component resources and reads of
// existing objects are left out.
func (r *Result) Manifests() []map[string]any {
	var out []map[string]any
	for _, res := range r.Resources {
		if !res.Custom || res.Read || !strings.HasPrefix(res.Type, "kubernetes:") || strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		obj := Plain(res.Inputs)
		meta, _ := obj["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		if name, ok := path(Plain(res.Outputs), "metadata", "name").(string); ok {
			meta["name"] = name
		}
		obj["metadata"] = meta
		out = append(out, obj)
	}
	return out
}

// path returns the value below m at keys, or nil.
func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return v
}

// CaptureType is the type token of the resources Capture registers.
const CaptureType = "dryrun:test:Capture"

// Capture registers a resource of type CaptureType whose inputs are values, so that a test can read a
// component's outputs, secret or not, from the Result (Get(CaptureType, name)) once the run is over.
func Capture(ctx *pulumi.Context, name string, values pulumi.Map) error {
	var s pulumi.CustomResourceState
	return ctx.RegisterResource(CaptureType, name, values, &s)
}

// Must returns the resource with that type and name, and fails the test (showing the tree) when the
// run registered none.
func (r *Result) Must(t testing.TB, typ, name string) *Resource {
	t.Helper()
	res := r.Get(typ, name)
	if res == nil {
		t.Fatalf("no %s %q registered; have:\n%s", typ, name, r.Tree())
	}
	return res
}
