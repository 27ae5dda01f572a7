// Package provider serves tunnelgate's components to every Pulumi language: a component provider built
// with pulumi-go-provider's infer package around the library's own constructors (tunnelgate.NewIngress,
// tunnel.NewTunnel, workload.NewConnector and NewApp, network.NewPolicy, vaultrole.NewRole), unchanged.
//
// The schema is inferred from the library's Args and component types themselves, so a field added to
// them reaches every language without code here. Two things infer cannot read from Go are added to the
// schema afterwards, from the same types (Annotate):
//
//   - descriptions: the library's Go doc comments, extracted by `go generate` (GenerateDocs) into
//     docs_gen.go; a test fails when that file is stale or a property has no description;
//   - plain: an input whose Go type is plain data (a string, a route table, a struct of settings) cannot
//     take another resource's output at run time, so the schema says so (`plain: true`), and the
//     generated SDKs reject outputs there at compile time; Go inputs (pulumi.StringInput, ...) stay
//     inputs.
//
// Schema tokens are the library's type tokens (tunnelgate:index:Ingress, tunnelgate:tunnel:Tunnel, ...):
// infer names a component "<package>:<Go package>:<Go type>", and the root package tunnelgate is mapped
// to the module "index", which is what tunnelgate.IngressType says, so the type in the state is the
// schema's token.
package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

// Name is the Pulumi package name: the prefix of every token and the plugin's name
// (pulumi-resource-tunnelgate).
const Name = "tunnelgate"

// Version is the plugin's version, which the generated SDKs ask the engine for. Release builds set it
// with -ldflags "-X github.com/tunnelgate/tunnelgate/cmd/pulumi-resource-tunnelgate/provider.Version=...".
var Version = "0.1.0"

// libraryModule is the Go module of the library whose types the schema is made of.
const libraryModule = "github.com/tunnelgate/tunnelgate"

// moduleMap renames Go packages to schema modules: the root package is the schema's "index", as in
// tunnelgate.IngressType.
var moduleMap = map[tokens.ModuleName]tokens.ModuleName{"tunnelgate": "index"}

// Component is one published component: its infer registration and the Go types of its args and of
// the component (its outputs).
type Component struct {
	infer infer.InferredComponent
	// Args is the constructor's args type (a pointer to a struct), Type the component's (*tunnelgate.Ingress).
	Args, Type reflect.Type
	// stand is the same registration around a stand-in constructor with the same types (tests).
	stand func(construct func(args any) error) infer.InferredComponent
}

// component registers a library constructor as it is.
func component[A any, O pulumi.ComponentResource](fn infer.ComponentFn[A, O]) Component {
	return Component{
		infer: infer.ComponentF(fn), Args: reflect.TypeFor[A](), Type: reflect.TypeFor[O](),
		stand: func(construct func(args any) error) infer.InferredComponent {
			return infer.ComponentF(func(_ *pulumi.Context, _ string, args A, _ ...pulumi.ResourceOption) (O, error) {
				var none O
				return none, construct(args)
			})
		},
	}
}

// Components returns the published components, in schema order.
func Components() []Component {
	return []Component{
		component(tunnelgate.NewIngress),
		component(tunnel.NewTunnel),
		component(workload.NewConnector),
		component(workload.NewApp),
		component(network.NewPolicy),
		component(vaultrole.NewRole),
	}
}

// New returns the provider: the components of Components, with the schema completed by Annotate.
func New() (p.Provider, error) {
	comps := Components()
	ics := make([]infer.InferredComponent, len(comps))
	for i, c := range comps {
		ics[i] = c.infer
	}
	return build(comps, ics)
}

// build is the provider of the registrations ics of comps.
func build(comps []Component, ics []infer.InferredComponent) (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithNamespace(Name).
		WithDisplayName("tunnelgate").
		WithDescription("Kubernetes apps on the internet through a Cloudflare Tunnel: the tunnel, its DNS records, the token in Vault, cloudflared on Kubernetes and its network policy, as components.").
		WithKeywords("cloudflare", "tunnel", "kubernetes", "vault", "kind/component", "category/network").
		WithLicense("Apache-2.0").
		WithModuleMap(moduleMap).
		WithComponents(ics...).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	construct := prov.Construct
	prov.Construct = func(ctx context.Context, req p.ConstructRequest) (p.ConstructResponse, error) {
		req.Dependencies = ExplicitDependencies(req.Dependencies, req.Inputs)
		return construct(ctx, req)
	}
	inferred := prov.GetSchema
	prov.GetSchema = func(ctx context.Context, req p.GetSchemaRequest) (p.GetSchemaResponse, error) {
		resp, err := inferred(ctx, req)
		if err != nil {
			return resp, err
		}
		var spec schema.PackageSpec
		if err := json.Unmarshal([]byte(resp.Schema), &spec); err != nil {
			return resp, fmt.Errorf("reading the inferred schema: %w", err)
		}
		if err := Annotate(&spec, comps, Docs); err != nil {
			return resp, err
		}
		b, err := json.Marshal(spec)
		if err != nil {
			return resp, err
		}
		resp.Schema = string(b)
		return resp, nil
	}
	return prov, nil
}

// ExplicitDependencies is deps without the resources that the inputs depend on (their outputs' resources).
//
// The language SDKs (Node.js, Python, YAML) send a component's Construct the union of its dependsOn and
// of every input's dependencies as its dependencies, and the Go SDK turns them all into the component's
// DependsOn, which the library gives to every child (as a Go program's DependsOn must reach them). A
// TypeScript Ingress whose namespace is a Namespace's output would then make its tunnel and Vault
// secret wait for the namespace, unlike the same Go program. The inputs keep their dependencies, so
// the children that use them still wait for those resources. A resource given both as dependsOn and
// through an input is indistinguishable from one given only through the input: it reaches only the
// children that use the input.
func ExplicitDependencies(deps []presource.URN, inputs property.Map) []presource.URN {
	viaInputs := map[presource.URN]bool{}
	var walk func(property.Value)
	walk = func(v property.Value) {
		for _, d := range v.Dependencies() {
			viaInputs[d] = true
		}
		switch {
		case v.IsMap():
			for _, e := range v.AsMap().All {
				walk(e)
			}
		case v.IsArray():
			for _, e := range v.AsArray().All {
				walk(e)
			}
		}
	}
	walk(property.New(inputs))
	var out []presource.URN
	for _, d := range deps {
		if !viaInputs[d] {
			out = append(out, d)
		}
	}
	return out
}

// Token is the schema token infer gives a Go struct type (a component's or a nested type's):
// "tunnelgate:<Go package, mapped>:<Go type>".
func Token(t reflect.Type) string {
	t = deref(t)
	pkg := t.PkgPath()
	mod := tokens.ModuleName(pkg[strings.LastIndex(pkg, "/")+1:])
	if m, ok := moduleMap[mod]; ok {
		mod = m
	}
	return Name + ":" + string(mod) + ":" + t.Name()
}

// Annotate completes an inferred schema from the Go types of comps: descriptions from docs (type doc
// comments; field doc comments by Go field name), and plain: true on every input whose Go type is plain
// data. Every resource, type and property must be found among the Go types: an error says which not.
func Annotate(spec *schema.PackageSpec, comps []Component, docs map[string]TypeDoc) error {
	seen := map[string]bool{}
	var missing []string
	for _, c := range comps {
		tok := Token(c.Type)
		r, ok := spec.Resources[tok]
		if !ok {
			return fmt.Errorf("component %s: no resource %s in the schema", c.Type, tok)
		}
		typ, args := docs[typeKey(c.Type)], docs[typeKey(c.Args)]
		r.Description = joinDoc(typ.Doc, args.Doc)
		missing = append(missing, annotateProperties(tok, r.InputProperties, c.Args, docs, true)...)
		missing = append(missing, annotateProperties(tok, r.Properties, c.Type, docs, false)...)
		spec.Resources[tok] = r
		walkTypes(c.Args, func(t reflect.Type) {
			tok := Token(t)
			ts, ok := spec.Types[tok]
			if !ok || seen[tok] {
				return
			}
			seen[tok] = true
			ts.Description = docs[typeKey(t)].Doc
			missing = append(missing, annotateProperties(tok, ts.Properties, t, docs, true)...)
			spec.Types[tok] = ts
		})
	}
	for tok := range spec.Types {
		if !seen[tok] {
			missing = append(missing, tok+": no Go type")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the schema has parts no Go type describes: %s", strings.Join(missing, "; "))
	}
	return nil
}

// annotateProperties sets the description (and, for inputs, plain) of each property of props from the
// tagged fields of the Go struct t; it returns the properties that have no field.
func annotateProperties(owner string, props map[string]schema.PropertySpec, t reflect.Type, docs map[string]TypeDoc, input bool) []string {
	fields := TaggedFields(t)
	doc := docs[typeKey(t)]
	var missing []string
	for name, ps := range props {
		f, ok := fields[name]
		if !ok {
			missing = append(missing, owner+"."+name+": no Go field")
			continue
		}
		ps.Description = doc.Fields[f.Name]
		if input {
			markPlain(&ps.TypeSpec, f.Type)
		}
		props[name] = ps
	}
	return missing
}

// markPlain sets plain on ts where the Go type t holds no pulumi.Input: such a value must be given as
// it is, never as another resource's output (the Go SDK refuses to copy an output into it).
func markPlain(ts *schema.TypeSpec, t reflect.Type) {
	t = deref(t)
	if isInput(t) {
		return
	}
	ts.Plain = true
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if ts.Items != nil {
			markPlain(ts.Items, t.Elem())
		}
	case reflect.Map:
		if ts.AdditionalProperties != nil {
			markPlain(ts.AdditionalProperties, t.Elem())
		}
	}
}

var (
	inputType  = reflect.TypeFor[pulumi.Input]()
	outputType = reflect.TypeFor[pulumi.Output]()
)

func isInput(t reflect.Type) bool {
	return t.Implements(inputType) || t.Implements(outputType) || reflect.PointerTo(t).Implements(inputType)
}

// TaggedFields returns the fields of the struct t (after pointers) that infer publishes, by their
// `pulumi` tag name.
func TaggedFields(t reflect.Type) map[string]reflect.StructField {
	t = deref(t)
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		tag, ok := f.Tag.Lookup("pulumi")
		if !ok || !f.IsExported() {
			continue
		}
		out[strings.Split(tag, ",")[0]] = f
	}
	return out
}

// walkTypes calls fn for every struct type of the library that the struct t (after pointers) reaches
// through its tagged fields (t itself excluded), each once.
func walkTypes(t reflect.Type, fn func(reflect.Type)) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for _, f := range TaggedFields(t) {
			ft := elem(f.Type)
			if ft.Kind() != reflect.Struct || !strings.HasPrefix(ft.PkgPath(), libraryModule) || seen[ft] {
				continue
			}
			seen[ft] = true
			fn(ft)
			walk(ft)
		}
	}
	walk(t)
}

// elem strips pointers, slices, arrays and maps: the type of the values a field holds.
func elem(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// typeKey is a type's key in the docs: "<import path>.<name>".
func typeKey(t reflect.Type) string {
	t = deref(t)
	return t.PkgPath() + "." + t.Name()
}

func joinDoc(docs ...string) string {
	var parts []string
	for _, d := range docs {
		if d = strings.TrimSpace(d); d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "\n\n")
}
