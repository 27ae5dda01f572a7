package check

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/literal"
)

// StringInput returns in after checking it with fn: now (errors in es) when it is a literal
// (literal.String), else in an apply whose output fails with component's name once the value is known
// and bad, so that whatever uses the output is not created. A nil in is reported as required.
func StringInput(es *Errors, field string, in pulumi.StringInput, component string, fn func(*Errors, string, string)) pulumi.StringInput {
	if in == nil {
		es.Add(field, nil, "required")
		return nil
	}
	if s, ok := literal.String(in); ok {
		fn(es, field, s)
		return in
	}
	return in.ToStringOutput().ApplyT(func(s string) (string, error) {
		var late Errors
		fn(&late, field, s)
		return s, late.Err(component)
	}).(pulumi.StringOutput)
}

// Literal checks in with fn when it is a literal and reports a nil in as required; an output is left
// to StringInput, which checks it once known. It is what Validate methods use: they run without Pulumi.
func (es *Errors) Literal(field string, in pulumi.StringInput, fn func(*Errors, string, string)) {
	if in == nil {
		es.Add(field, nil, "required")
		return
	}
	if s, ok := literal.String(in); ok {
		fn(es, field, s)
	}
}
