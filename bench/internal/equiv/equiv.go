// Package equiv compares what two Pulumi programs register on internal/dryrun's mock engine: the
// custom resources by type and name, with their inputs, secrets, dependencies and options. bench's
// equivalence test uses it to keep the hand-written program identical to tunnelgate's components.
package equiv

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
)

// Registered is what is compared of one custom resource: everything the engine receives, with URNs
// replaced by the names of the custom resources they point at (component resources exist on one side
// only and change URNs, not what the resources are).
type Registered struct {
	Inputs                  any
	Secrets                 []string
	Dependencies            []string
	PropertyDependencies    map[string][]string
	AdditionalSecretOutputs []string
	DeleteBeforeReplace     bool
	Provider                string
}

// Custom returns the custom resources of res by "type name", every input string passed through
// replace, and the number of component resources. A name registered twice is an error.
func Custom(res *dryrun.Result, replace *strings.Replacer) (map[string]Registered, int, error) {
	nameOf := func(urns []string) []string {
		var out []string
		for _, u := range urns {
			if r := res.ByURN(u); r != nil && r.Custom {
				out = append(out, r.Name)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	out, components := map[string]Registered{}, 0
	for _, r := range res.Resources {
		if !r.Custom {
			components++
			continue
		}
		pd := map[string][]string{}
		for k, urns := range r.PropertyDependencies {
			if names := nameOf(urns); len(names) > 0 {
				pd[k] = names
			}
		}
		key := r.Type + " " + r.Name
		if _, dup := out[key]; dup {
			return nil, 0, fmt.Errorf("%s registered twice", key)
		}
		out[key] = Registered{
			Inputs: replaceStrings(dryrun.Plain(r.Inputs), replace), Secrets: secretPaths(resource.NewObjectProperty(r.Inputs), ""),
			Dependencies: nameOf(r.Dependencies), PropertyDependencies: pd,
			AdditionalSecretOutputs: r.AdditionalSecretOutputs, DeleteBeforeReplace: r.DeleteBeforeReplace,
			Provider: r.Provider,
		}
	}
	return out, components, nil
}

// Diff compares the custom resources of a (reference, e.g. the components) and b (e.g. the
// hand-written program), after mapping b's mock randomness to a's (MockRandomness with name, the
// common name prefix). It returns one line per difference, sorted, and the numbers of custom and
// component resources of a and b.
func Diff(a, b *dryrun.Result, name string) (diffs []string, counts [4]int, err error) {
	repl, err := MockRandomness(b, a, name)
	if err != nil {
		return nil, counts, err
	}
	ra, ca, err := Custom(a, strings.NewReplacer())
	if err != nil {
		return nil, counts, err
	}
	rb, cb, err := Custom(b, repl)
	if err != nil {
		return nil, counts, err
	}
	for key, x := range ra {
		y, ok := rb[key]
		switch {
		case !ok:
			diffs = append(diffs, key+": registered by the first program only")
		case !reflect.DeepEqual(x, y):
			diffs = append(diffs, fmt.Sprintf("%s differs:\n  first:  %+v\n  second: %+v", key, x, y))
		}
	}
	for key := range rb {
		if _, ok := ra[key]; !ok {
			diffs = append(diffs, key+": registered by the second program only")
		}
	}
	sort.Strings(diffs)
	return diffs, [4]int{len(ra), ca, len(rb), cb}, nil
}

// replaceStrings applies r to every string in v, a value from dryrun.Plain.
func replaceStrings(v any, r *strings.Replacer) any {
	switch v := v.(type) {
	case string:
		return r.Replace(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = replaceStrings(e, r)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = replaceStrings(e, r)
		}
		return out
	}
	return v
}

// MockRandomness maps the values that internal/dryrun derives from a resource's parent URN (the
// tunnel secret's random bytes, hence the tunnel's id and token) in from to those of to: resources
// without a parent component get other "random" values from the mock. Everything else must be
// identical.
func MockRandomness(from, to *dryrun.Result, name string) (*strings.Replacer, error) {
	var pairs []string
	for _, v := range []struct{ typ, role, output string }{
		{"random:index/randomPassword:RandomPassword", "-secret", "result"},
		{"cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared", "-tunnel", "tunnelToken"},
	} {
		f, t := from.Get(v.typ, name+v.role), to.Get(v.typ, name+v.role)
		if f == nil || t == nil {
			return nil, fmt.Errorf("%s %s: not registered by both programs", v.typ, name+v.role)
		}
		fv, ok1 := dryrun.Plain(f.Outputs)[v.output].(string)
		tv, ok2 := dryrun.Plain(t.Outputs)[v.output].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s %s: no %s output", v.typ, name+v.role, v.output)
		}
		pairs = append(pairs, fv, tv, f.ID, t.ID)
	}
	return strings.NewReplacer(pairs...), nil
}

// secretPaths lists the input paths that are secret.
func secretPaths(v resource.PropertyValue, path string) []string {
	switch {
	case v.IsSecret():
		return []string{path}
	case v.IsOutput() && v.OutputValue().Secret:
		return []string{path}
	case v.IsOutput():
		return secretPaths(v.OutputValue().Element, path)
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, secretPaths(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case v.IsObject():
		var out []string
		for _, k := range v.ObjectValue().StableKeys() {
			out = append(out, secretPaths(v.ObjectValue()[k], strings.TrimPrefix(path+"."+string(k), "."))...)
		}
		return out
	}
	return nil
}
