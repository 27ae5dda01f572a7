package component

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Metadata is the element type of a Kubernetes object's metadata output: ObjectMeta (typed resources)
// or *ObjectMeta (CustomResource).
type Metadata interface {
	metav1.ObjectMeta | *metav1.ObjectMeta
}

// ObjectName is the object's name from its metadata output, in one apply (Metadata.Name().Elem()
// chains three).
func ObjectName[M Metadata](meta pulumi.Output) pulumi.StringOutput {
	return metaString[M](meta, func(m metav1.ObjectMeta) *string { return m.Name })
}

// ObjectNamespace is the object's namespace from its metadata output, in one apply.
func ObjectNamespace[M Metadata](meta pulumi.Output) pulumi.StringOutput {
	return metaString[M](meta, func(m metav1.ObjectMeta) *string { return m.Namespace })
}

func metaString[M Metadata](meta pulumi.Output, field func(metav1.ObjectMeta) *string) pulumi.StringOutput {
	return meta.ApplyT(func(m M) string {
		var v metav1.ObjectMeta
		switch x := any(m).(type) {
		case metav1.ObjectMeta:
			v = x
		case *metav1.ObjectMeta:
			if x != nil {
				v = *x
			}
		}
		if s := field(v); s != nil {
			return *s
		}
		return ""
	}).(pulumi.StringOutput)
}
