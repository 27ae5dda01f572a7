package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/integration"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

func getSchema(t *testing.T) schema.PackageSpec {
	t.Helper()
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := p.GetSchema(context.Background(), Name, Version, prov)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestSchemaTokensAreStateTypes: the schema's resources are exactly the library's type tokens, which
// its constructors register, so that the type in the state is the token a program asked for.
func TestSchemaTokensAreStateTypes(t *testing.T) {
	spec := getSchema(t)
	got := slices.Sorted(func(yield func(string) bool) {
		for tok := range spec.Resources {
			if !yield(tok) {
				return
			}
		}
	})
	want := []string{tunnelgate.IngressType, network.Type, tunnel.Type, vaultrole.Type, workload.AppType, workload.ConnectorType}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("resources %v, want the library's types %v", got, want)
	}
	for tok, r := range spec.Resources {
		if !r.IsComponent {
			t.Errorf("%s is not a component", tok)
		}
	}
}

// TestSchemaDescribed: every resource, type and property carries the library's doc comment.
func TestSchemaDescribed(t *testing.T) {
	spec := getSchema(t)
	var missing []string
	props := func(owner string, m map[string]schema.PropertySpec) {
		for name, ps := range m {
			if strings.TrimSpace(ps.Description) == "" {
				missing = append(missing, owner+"."+name)
			}
		}
	}
	for tok, r := range spec.Resources {
		if r.Description == "" {
			missing = append(missing, tok)
		}
		props(tok+" (input)", r.InputProperties)
		props(tok+" (output)", r.Properties)
	}
	for tok, ts := range spec.Types {
		if ts.Description == "" {
			missing = append(missing, tok)
		}
		props(tok, ts.Properties)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("no description (a field without a doc comment, or docs_gen.go is stale: go generate ./...):\n  %s", strings.Join(missing, "\n  "))
	}
	// Spot checks: the text is the Go doc comment, defaults included.
	for _, c := range []struct{ got, want string }{
		{spec.Resources[tunnelgate.IngressType].InputProperties["inPlaceRotation"].Description, "Default false: no window"},
		{spec.Types["tunnelgate:tunnel:Args"].Properties["catchAll"].Description, `Default DefaultCatchAll
("http_status:404")`},
		{spec.Types["tunnelgate:workload:Pods"].Properties["replicas"].Description, "DefaultReplicas (2)"},
		{spec.Resources[tunnelgate.IngressType].Properties["serviceTokenSecrets"].Description, "ServiceTokenIDs and ServiceTokenSecrets map"},
		{spec.Resources[tunnelgate.IngressType].Description, "IngressArgs configures an Ingress"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("description %q, want it to contain %q", c.got, c.want)
		}
	}
}

// TestSchemaSecretsPlainAndReferences: secret outputs (and the one secret input) are marked secret;
// plain Go fields are plain, Go inputs are not; the app's containers and pod spec are the kubernetes
// package's types.
func TestSchemaSecretsPlainAndReferences(t *testing.T) {
	spec := getSchema(t)
	ingress, tun := spec.Resources[tunnelgate.IngressType], spec.Resources[tunnel.Type]
	for _, c := range []struct {
		what string
		ps   schema.PropertySpec
	}{
		{"Ingress.token", ingress.Properties["token"]},
		{"Ingress.serviceTokenIds", ingress.Properties["serviceTokenIds"]},
		{"Ingress.serviceTokenSecrets", ingress.Properties["serviceTokenSecrets"]},
		{"Tunnel.token", tun.Properties["token"]},
		{"Tunnel.serviceTokenSecrets", tun.Properties["serviceTokenSecrets"]},
		{"SecretToken.value", spec.Types["tunnelgate:workload:SecretToken"].Properties["value"]},
	} {
		if !c.ps.Secret {
			t.Errorf("%s is not marked secret", c.what)
		}
	}
	for _, name := range []string{"tunnelId", "cname", "hostnames", "accessAudiences"} {
		if ingress.Properties[name].Secret {
			t.Errorf("Ingress.%s is marked secret", name)
		}
	}
	args := spec.Types["tunnelgate:tunnel:Args"].Properties
	for _, c := range []struct {
		what  string
		ts    schema.TypeSpec
		plain bool
	}{
		{"Ingress.tunnel", ingress.InputProperties["tunnel"].TypeSpec, true},
		{"Ingress.namespace", ingress.InputProperties["namespace"].TypeSpec, false},
		{"Ingress.disableNetworkPolicy", ingress.InputProperties["disableNetworkPolicy"].TypeSpec, true},
		{"tunnel.Args.accountId", args["accountId"].TypeSpec, false},
		{"tunnel.Args.routes", args["routes"].TypeSpec, true},
		{"tunnel.Args.routes[]", *args["routes"].Items, true},
		{"App.containers", spec.Types["tunnelgate:index:App"].Properties["containers"].TypeSpec, false},
		{"workload.Pods.labels", spec.Types["tunnelgate:workload:Pods"].Properties["labels"].TypeSpec, true},
	} {
		if c.ts.Plain != c.plain {
			t.Errorf("%s: plain %v, want %v", c.what, c.ts.Plain, c.plain)
		}
	}
	app := spec.Types["tunnelgate:index:App"].Properties
	if ref := app["containers"].Items.Ref; ref != "/kubernetes/v4.25.0/schema.json#/types/kubernetes:core/v1:Container" {
		t.Errorf("App.containers items %q", ref)
	}
	if ref := app["podSpec"].Ref; ref != "/kubernetes/v4.25.0/schema.json#/types/kubernetes:core/v1:PodSpec" {
		t.Errorf("App.podSpec %q", ref)
	}
}

// TestDocsUpToDate: docs_gen.go is what `go generate` makes from the library's source now.
func TestDocsUpToDate(t *testing.T) {
	want, err := GenerateDocs("../../..", DocTypes(Components()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("docs_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("docs_gen.go is stale: run `go generate ./...` in cmd/pulumi-resource-tunnelgate")
	}
}

// TestEveryArgsFieldTagged: every exported field of every Args type a component takes, down to the
// nested types, has a `pulumi` tag with a name and is not embedded: infer skips an untagged field, and
// an embedded struct is flattened in the schema but arrives empty at run time. A field issue 17 or any
// later change adds is checked too.
func TestEveryArgsFieldTagged(t *testing.T) {
	var bad []string
	seen := map[reflect.Type]bool{}
	check := func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			tag, ok := f.Tag.Lookup("pulumi")
			switch {
			case !f.IsExported():
			case f.Anonymous:
				bad = append(bad, t.String()+"."+f.Name+": embedded (arrives empty in a multi-language program)")
			case !ok || strings.Split(tag, ",")[0] == "" || tag == "-":
				bad = append(bad, t.String()+"."+f.Name+": no pulumi name (not in the schema)")
			}
		}
	}
	for _, c := range Components() {
		check(deref(c.Args))
		walkTypes(c.Args, check)
	}
	if len(bad) > 0 {
		t.Errorf("args fields other languages cannot set:\n  %s", strings.Join(bad, "\n  "))
	}
}

// TestEveryArgsFieldReachable: every field of every component's args (nested types included), set as a
// program in another language sets it (a property value of the schema's shape), arrives in the Go args
// the library's constructor receives, with that value: through the provider's real Construct path
// (infer and the Go SDK's copying), with a stand-in constructor that records its args. Nothing is
// dropped on the way, whichever fields the library has.
func TestEveryArgsFieldReachable(t *testing.T) {
	comps := Components()
	var mu sync.Mutex
	got := map[string]any{}
	ics := make([]infer.InferredComponent, len(comps))
	for i, c := range comps {
		tok := Token(c.Type)
		ics[i] = c.stand(func(args any) error {
			mu.Lock()
			defer mu.Unlock()
			got[tok] = args
			return errStop
		})
	}
	prov, err := build(comps, ics)
	if err != nil {
		t.Fatal(err)
	}
	server := serve(t, prov, &integration.MockResourceMonitor{})
	for _, c := range comps {
		tok := Token(c.Type)
		t.Run(tok, func(t *testing.T) {
			var s sampler
			in := s.sample(deref(c.Args), "")
			_, err := server.Construct(p.ConstructRequest{Urn: urn(tok, "x"), Inputs: in.AsMap()})
			if err == nil || !strings.Contains(err.Error(), errStop.Error()) {
				t.Fatalf("construct: %v", err)
			}
			args, ok := got[tok]
			if !ok {
				t.Fatal("the constructor got nothing")
			}
			want, have := plainProperty(in), plainGo(reflect.ValueOf(args))
			if !reflect.DeepEqual(want, have) {
				t.Errorf("fields lost or changed on the way:\n%s", diff("", want, have))
			}
			if s.fields < 5 {
				t.Errorf("only %d fields sampled", s.fields)
			}
		})
	}
}

// TestBadInputErrorsLikeGo: an invalid input, sent as a program in another language sends it, fails
// the construct with the error the library gives a Go program (the field path and the value), and
// registers nothing, not even the component.
func TestBadInputErrorsLikeGo(t *testing.T) {
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var registered []string
	var mu sync.Mutex
	server := serve(t, prov, &integration.MockResourceMonitor{
		NewResourceF: func(a integration.MockResourceArgs) (string, property.Map, error) {
			mu.Lock()
			defer mu.Unlock()
			registered = append(registered, string(a.TypeToken)+" "+a.Name)
			return a.Name + "-id", a.Inputs, nil
		},
	})
	for _, c := range []struct {
		name   string
		mutate func(in map[string]any, a *tunnelgate.IngressArgs)
	}{
		{"bad hostname", func(in map[string]any, a *tunnelgate.IngressArgs) {
			in["tunnel"].(map[string]any)["routes"].([]any)[0].(map[string]any)["hostname"] = "Bad_Host.example.com"
			a.Tunnel.Routes[0].Hostname = "Bad_Host.example.com"
		}},
		{"privileged container and bad replicas", func(in map[string]any, a *tunnelgate.IngressArgs) {
			c := in["app"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			c["securityContext"] = map[string]any{"privileged": true}
			in["app"].(map[string]any)["pods"] = map[string]any{"replicas": -1.0}
			a.App = tunnelgate.ContainerApp("app", "ghcr.io/example/app:1.0", 4000)
			ca := a.App.Containers.(corev1.ContainerArray)[0].(corev1.ContainerArgs)
			ca.SecurityContext = &corev1.SecurityContextArgs{Privileged: pulumi.Bool(true)}
			a.App.Containers = corev1.ContainerArray{ca}
			a.App.Pods = &workload.Pods{Replicas: pulumi.IntRef(-1)}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, args := inPodInputs(), inPodArgs()
			c.mutate(in, args)
			want := args.Validate()
			if want == nil {
				t.Fatal("the Go args are valid")
			}
			mu.Lock()
			registered = nil
			mu.Unlock()
			_, err := server.Construct(p.ConstructRequest{Urn: urn(tunnelgate.IngressType, "web"), Inputs: toProperty(in).AsMap()})
			if err == nil || !strings.Contains(err.Error(), want.Error()) {
				t.Errorf("construct: %v\nwant the Go error:\n%v", err, want)
			}
			if len(registered) > 0 {
				t.Errorf("registered %v", registered)
			}
		})
	}
}

// TestGoInputsSatisfyTheSchema: what a Go program may leave unset, the schema does not require, so that
// an input valid in Go is valid in every language (e.g. the Vault role's name, which the Ingress
// defaults).
func TestGoInputsSatisfyTheSchema(t *testing.T) {
	spec := getSchema(t)
	if err := inPodArgs().Validate(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	var walk func(path string, v any, required []string, props map[string]schema.PropertySpec)
	walk = func(path string, v any, required []string, props map[string]schema.PropertySpec) {
		obj, _ := v.(map[string]any)
		for _, r := range required {
			if _, ok := obj[r]; !ok {
				missing = append(missing, path+"."+r)
			}
		}
		for k, sub := range obj {
			ref := props[k].Ref
			if props[k].Items != nil {
				ref = props[k].Items.Ref
			}
			ts, ok := spec.Types[strings.TrimPrefix(ref, "#/types/")]
			if !ok {
				continue
			}
			subs := []any{sub}
			if arr, ok := sub.([]any); ok {
				subs = arr
			}
			for _, s := range subs {
				walk(path+"."+k, s, ts.Required, ts.Properties)
			}
		}
	}
	r := spec.Resources[tunnelgate.IngressType]
	walk("ingress", inPodInputs(), r.RequiredInputs, r.InputProperties)
	if len(missing) > 0 {
		t.Errorf("required by the schema, unset in a valid Go program: %v", missing)
	}
}

var errStop = errors.New("stand-in constructor: args recorded")

func serve(t *testing.T, prov p.Provider, mocks *integration.MockResourceMonitor) integration.Server {
	t.Helper()
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse(Version),
		integration.WithProvider(prov), integration.WithMocks(mocks))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func urn(typ, name string) presource.URN {
	return presource.NewURN("dev", "tunnelgate", "", tokens.Type(typ), name)
}

// inPodInputs are the in-pod quickstart's inputs as a YAML or TypeScript program writes them.
func inPodInputs() map[string]any {
	return map[string]any{
		"namespace": "apps",
		"tunnel": map[string]any{
			"accountId": "0123456789abcdef0123456789abcdef", "zoneId": "fedcba9876543210fedcba9876543210",
			"routes": []any{map[string]any{"hostname": "app.example.com", "service": "http://localhost:4000"}},
			"vault":  map[string]any{"path": "apps/web/cloudflared"},
		},
		"app": map[string]any{"containers": []any{map[string]any{
			"name": "app", "image": "ghcr.io/example/app:1.0", "ports": []any{map[string]any{"containerPort": 4000.0}},
		}}},
		"token":         map[string]any{"vault": map[string]any{}},
		"networkPolicy": map[string]any{"kind": "cilium"},
	}
}

// inPodArgs are the same inputs as a Go program writes them.
func inPodArgs() *tunnelgate.IngressArgs {
	return &tunnelgate.IngressArgs{
		Namespace: pulumi.String("apps"),
		Tunnel: tunnel.Args{
			AccountID: pulumi.String("0123456789abcdef0123456789abcdef"), ZoneID: pulumi.String("fedcba9876543210fedcba9876543210"),
			Routes: []tunnel.Route{{Hostname: "app.example.com", Service: "http://localhost:4000"}},
			Vault:  &vaultkv.Location{Path: "apps/web/cloudflared"},
		},
		App:           tunnelgate.ContainerApp("app", "ghcr.io/example/app:1.0", 4000),
		Token:         tunnelgate.Token{Vault: &workload.VaultAgent{}},
		NetworkPolicy: &network.Settings{Kind: network.KindCilium},
	}
}

// toProperty turns plain Go data (map[string]any, []any, string, float64, bool) into a property value.
func toProperty(v any) property.Value {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]property.Value{}
		for k, e := range v {
			m[k] = toProperty(e)
		}
		return property.New(property.NewMap(m))
	case []any:
		a := make([]property.Value, len(v))
		for i, e := range v {
			a[i] = toProperty(e)
		}
		return property.New(property.NewArray(a))
	case string:
		return property.New(v)
	case float64:
		return property.New(v)
	case bool:
		return property.New(v)
	}
	panic(fmt.Sprintf("toProperty: %T", v))
}

// plainProperty turns a property value into plain Go data.
func plainProperty(v property.Value) any {
	switch {
	case v.IsMap():
		m := map[string]any{}
		for k, e := range v.AsMap().All {
			m[k] = plainProperty(e)
		}
		return m
	case v.IsArray():
		var a []any
		for _, e := range v.AsArray().All {
			a = append(a, plainProperty(e))
		}
		return a
	case v.IsString():
		return v.AsString()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsBool():
		return v.AsBool()
	}
	return fmt.Sprintf("<%v>", v)
}

var (
	inputIface  = reflect.TypeFor[pulumi.Input]()
	outputIface = reflect.TypeFor[pulumi.Output]()
)

// plainGo turns a Go args value (plain fields, pulumi inputs holding literals, the kubernetes SDK's
// Args types) into plain Go data, by `pulumi` tag name; unset fields are left out.
func plainGo(v reflect.Value) any {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type().Implements(outputIface) {
		// An element of a pulumi.ArrayInput arrives as an output of a known value: that value.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := internals.UnsafeAwaitOutput(ctx, v.Interface().(pulumi.Output))
		if err != nil || !r.Known {
			return "<output>"
		}
		return plainGo(reflect.ValueOf(r.Value))
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Float64:
		return v.Float()
	case reflect.Bool:
		return v.Bool()
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		a := []any{}
		for i := range v.Len() {
			a = append(a, plainGo(v.Index(i)))
		}
		return a
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[it.Key().String()] = plainGo(it.Value())
		}
		return m
	case reflect.Struct:
		m := map[string]any{}
		for name, f := range TaggedFields(v.Type()) {
			if e := plainGo(v.FieldByIndex(f.Index)); e != nil {
				m[name] = e
			}
		}
		return m
	}
	return fmt.Sprintf("<%s>", v.Type())
}

// sampler makes a property value that sets every field of a Go args type, each to a distinct value.
type sampler struct{ fields int }

func (s *sampler) sample(t reflect.Type, path string) property.Value {
	t = deref(t)
	if t.Kind() == reflect.Interface && t.Implements(inputIface) {
		return s.sample(inputElement(t), path)
	}
	switch t.Kind() {
	case reflect.Interface: // an element of pulumi.ArrayInput or MapInput: any value, here a port object
		s.fields++
		return property.New(property.NewMap(map[string]property.Value{"port": property.New(float64(len(path)*7%997 + 1))}))
	case reflect.String:
		return property.New("v" + strings.ReplaceAll(path, ".", "-"))
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		s.fields++
		return property.New(float64(len(path)*7%997 + 1))
	case reflect.Bool:
		return property.New(true)
	case reflect.Slice:
		return property.New(property.NewArray([]property.Value{s.sample(t.Elem(), path+"[0]")}))
	case reflect.Map:
		return property.New(property.NewMap(map[string]property.Value{"k": s.sample(t.Elem(), path+".k")}))
	case reflect.Struct:
		m := map[string]property.Value{}
		for name, f := range TaggedFields(t) {
			s.fields++
			if ext, ok := external(f); ok {
				m[name] = ext
				continue
			}
			m[name] = s.sample(f.Type, path+"."+name)
		}
		return property.New(property.NewMap(m))
	}
	panic(fmt.Sprintf("sample %s: %s", path, t))
}

// external is the sample of a field of a type of another package (provider:"type=..."): a value of
// that type that names a few fields.
func external(f reflect.StructField) (property.Value, bool) {
	tag := f.Tag.Get("provider")
	if !strings.Contains(tag, "type=") {
		return property.Value{}, false
	}
	container := toProperty(map[string]any{"name": "c", "image": "i:1", "ports": []any{map[string]any{"containerPort": 81.0}}})
	switch {
	case strings.HasSuffix(tag, ":core/v1:Container"):
		return property.New(property.NewArray([]property.Value{container})), true
	case strings.HasSuffix(tag, ":core/v1:PodSpec"):
		return property.New(property.NewMap(map[string]property.Value{
			"containers": property.New(property.NewArray([]property.Value{container})), "serviceAccountName": property.New("sa"),
		})), true
	}
	panic("no sample for " + tag + ": add one")
}

// inputElement is the type of the value a pulumi input interface holds (StringInput: string).
func inputElement(t reflect.Type) reflect.Type {
	for i := range t.NumMethod() {
		m := t.Method(i)
		if strings.HasPrefix(m.Name, "To") && strings.HasSuffix(m.Name, "Output") && m.Type.NumIn() == 0 && m.Type.NumOut() == 1 {
			return reflect.Zero(m.Type.Out(0)).Interface().(pulumi.Output).ElementType()
		}
	}
	panic("no To...Output method on " + t.String())
}

// diff lists the paths where want and got differ.
func diff(path string, want, got any) string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		var out []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range wm {
				if !yield(k) {
					return
				}
			}
			for k := range gm {
				if _, ok := wm[k]; !ok && !yield(k) {
					return
				}
			}
		}) {
			if d := diff(path+"."+k, wm[k], gm[k]); d != "" {
				out = append(out, d)
			}
		}
		return strings.Join(out, "")
	}
	wa, wok := want.([]any)
	ga, gok := got.([]any)
	if wok && gok && len(wa) == len(ga) {
		var out []string
		for i := range wa {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), wa[i], ga[i]); d != "" {
				out = append(out, d)
			}
		}
		return strings.Join(out, "")
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("  %s: sent %v, got %v\n", path, want, got)
}

// TestExplicitDependencies: of a Construct's dependencies, those that only come from inputs (how the
// Node.js, Python and YAML SDKs send an input's resources) are left to the inputs, at any depth; the
// others (dependsOn) stay, in order.
func TestExplicitDependencies(t *testing.T) {
	ns := presource.URN("urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns")
	svc := presource.URN("urn:pulumi:s::p::kubernetes:core/v1:Service::svc")
	cilium := presource.URN("urn:pulumi:s::p::kubernetes:helm.sh/v3:Release::cilium")
	crd := presource.URN("urn:pulumi:s::p::kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::crd")
	inputs := property.NewMap(map[string]property.Value{
		"namespace": property.New("apps").WithDependencies([]presource.URN{ns}),
		"tunnel": property.New(property.NewMap(map[string]property.Value{
			"routes": property.New(property.NewArray([]property.Value{
				property.New(property.NewMap(map[string]property.Value{
					"hostname": property.New("app.example.com"),
					"service":  property.New("http://svc").WithDependencies([]presource.URN{svc}),
				})),
			})),
		})),
	})
	got := ExplicitDependencies([]presource.URN{cilium, ns, svc, crd}, inputs)
	if want := []presource.URN{cilium, crd}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := ExplicitDependencies([]presource.URN{ns}, property.Map{}); !slices.Equal(got, []presource.URN{ns}) {
		t.Errorf("with no inputs: %v, want %v", got, []presource.URN{ns})
	}
}
