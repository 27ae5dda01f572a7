package check

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// StringInput returns in after checking it with fn: now (errors in es) when it is a literal
// (pulumi.String), else in an apply whose output fails with component's name once the value is known
// and bad, so that whatever uses the output is not created. A nil in is reported as required.
func StringInput(es *Errors, field string, in pulumi.StringInput, component string, fn func(*Errors, string, string)) pulumi.StringInput {
	if in == nil {
		es.Add(field, nil, "required")
		return nil
	}
	if lit, ok := in.(pulumi.String); ok {
		fn(es, field, string(lit))
		return in
	}
	return in.ToStringOutput().ApplyT(func(s string) (string, error) {
		var late Errors
		fn(&late, field, s)
		return s, late.Err(component)
	}).(pulumi.StringOutput)
}
