// Package literal reads Pulumi inputs that hold no outputs as plain Go values, without the engine:
// what a component needs to validate and merge arguments before it registers anything, and what saves
// it an apply (goroutines, and a reflective walk per nested input) when the caller passed literals.
package literal

import (
	"reflect"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Into stores the plain value of in (an input such as corev1.PodSpecArgs, whose element type is
// corev1.PodSpec) in *out and reports whether it could: false when in or anything nested in it is
// an output (or of a shape this package does not read, such as an asset or an untyped Any), in which
// case the caller falls back to an apply and *out is left partly written.
func Into[T any](in pulumi.Input, out *T) bool {
	return into(reflect.ValueOf(in), reflect.ValueOf(out).Elem())
}

var outputType = reflect.TypeFor[pulumi.Output]()

// into converts in (an input, or a plain value) into out (settable, of the plain element type).
func into(in, out reflect.Value) bool {
	for in.Kind() == reflect.Interface {
		if in.IsNil() {
			return true
		}
		in = in.Elem()
	}
	if !in.IsValid() {
		return true
	}
	if isOutput(in.Type()) {
		return false
	}
	if in.Kind() == reflect.Pointer {
		if in.IsNil() {
			return true
		}
		if out.Kind() != reflect.Pointer {
			in = in.Elem()
		}
	}
	switch out.Kind() {
	case reflect.Pointer:
		return intoPointer(in, out)
	case reflect.Struct:
		return intoStruct(in, out)
	case reflect.Slice:
		return intoSlice(in, out)
	case reflect.Map:
		return intoMap(in, out)
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		if in.Kind() != out.Kind() {
			return false
		}
		out.Set(in.Convert(out.Type()))
		return true
	case reflect.Interface:
		// An untyped value (Kubernetes' IntOrString is an Any): a scalar input becomes its Go value.
		if t, ok := scalars[in.Kind()]; ok && out.NumMethod() == 0 {
			out.Set(in.Convert(t))
			return true
		}
	}
	return false
}

func intoPointer(in, out reflect.Value) bool {
	if in.Kind() == reflect.Pointer {
		in = in.Elem()
	}
	v := reflect.New(out.Type().Elem())
	if !into(in, v.Elem()) {
		return false
	}
	out.Set(v)
	return true
}

func intoStruct(in, out reflect.Value) bool {
	if in.Kind() != reflect.Struct {
		return false
	}
	fields, ok := fieldMap(in.Type(), out.Type())
	if !ok {
		return false
	}
	for i, j := range fields {
		if j >= 0 && !into(in.Field(j), out.Field(i)) {
			return false
		}
	}
	return true
}

func intoSlice(in, out reflect.Value) bool {
	if in.Kind() != reflect.Slice {
		return false
	}
	if in.IsNil() {
		return true
	}
	s := reflect.MakeSlice(out.Type(), in.Len(), in.Len())
	for i := range in.Len() {
		if !into(in.Index(i), s.Index(i)) {
			return false
		}
	}
	out.Set(s)
	return true
}

func intoMap(in, out reflect.Value) bool {
	if in.Kind() != reflect.Map {
		return false
	}
	if in.IsNil() {
		return true
	}
	m := reflect.MakeMapWithSize(out.Type(), in.Len())
	for it := in.MapRange(); it.Next(); {
		v := reflect.New(out.Type().Elem()).Elem()
		if !into(it.Value(), v) {
			return false
		}
		m.SetMapIndex(it.Key().Convert(out.Type().Key()), v)
	}
	out.Set(m)
	return true
}

var (
	outputs sync.Map // reflect.Type -> bool
	fields  sync.Map // [2]reflect.Type -> []int, or nil when the types do not match
)

// isOutput reports whether t is an output type (cached: the check walks t's method set).
func isOutput(t reflect.Type) bool {
	if v, ok := outputs.Load(t); ok {
		return v.(bool)
	}
	is := t.Implements(outputType)
	outputs.Store(t, is)
	return is
}

// fieldMap maps each field of the plain struct type out to the index of the field of the same name in
// the input struct type in (-1 for unexported fields); ok is false when in lacks one of them.
func fieldMap(in, out reflect.Type) ([]int, bool) {
	key := [2]reflect.Type{in, out}
	if v, ok := fields.Load(key); ok {
		m := v.([]int)
		return m, m != nil
	}
	m := make([]int, out.NumField())
	for i := range m {
		m[i] = -1
		f := out.Field(i)
		if !f.IsExported() {
			continue
		}
		src, ok := in.FieldByName(f.Name)
		if !ok || len(src.Index) != 1 {
			m = nil
			break
		}
		m[i] = src.Index[0]
	}
	fields.Store(key, m)
	return m, m != nil
}

// scalars are the Go types of the scalar inputs (pulumi.String, pulumi.Int, ...) by kind.
var scalars = map[reflect.Kind]reflect.Type{
	reflect.String: reflect.TypeFor[string](), reflect.Bool: reflect.TypeFor[bool](),
	reflect.Int: reflect.TypeFor[int](), reflect.Float64: reflect.TypeFor[float64](),
}

// String returns the value of in and true when it is a literal (pulumi.String or a pointer to one),
// and false when it is an output or nil: the one test of "known now" for string inputs.
func String(in pulumi.StringInput) (string, bool) {
	switch s := in.(type) {
	case pulumi.String:
		return string(s), true
	case *pulumi.String:
		if s != nil {
			return string(*s), true
		}
	}
	return "", false
}
