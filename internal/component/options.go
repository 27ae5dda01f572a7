// Package component holds what every tunnelgate component does the same way with its children.
package component

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// ChildOptions returns the options of a component's children: the component as parent (which carries
// the caller's providers and Protect), plus the caller's options that Pulumi does not pass from a parent
// to its children by itself: DependsOn (so that "create this after X" holds for the resources doing the
// work, not only for the component), RetainOnDelete, DeletedWith and custom timeouts.
func ChildOptions(parent pulumi.Resource, opts []pulumi.ResourceOption) ([]pulumi.ResourceOption, error) {
	out := []pulumi.ResourceOption{pulumi.Parent(parent)}
	ro, err := pulumi.NewResourceOptions(opts...)
	if err != nil {
		return nil, err
	}
	if len(ro.DependsOn) > 0 {
		out = append(out, pulumi.DependsOn(ro.DependsOn))
	}
	for _, in := range ro.DependsOnInputs {
		out = append(out, pulumi.DependsOnInputs(in))
	}
	if ro.RetainOnDelete {
		out = append(out, pulumi.RetainOnDelete(true))
	}
	if ro.DeletedWith != nil {
		out = append(out, pulumi.DeletedWith(ro.DeletedWith))
	}
	if ro.CustomTimeouts != nil {
		out = append(out, pulumi.Timeouts(ro.CustomTimeouts))
	}
	return out, nil
}
