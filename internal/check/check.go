// Package check is tunnelgate's shared input validation: field errors that name the field path and the
// offending value, collected so that a user sees every mistake at once, before any resource is registered.
package check

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation"
)

// FieldError is one invalid input. Field is the path from the component's Args in the names the
// `pulumi` struct tags give (e.g. "routes[2].path"); Value is the offending value as the user wrote it.
type FieldError struct {
	Field  string
	Value  any
	Reason string
}

func (e *FieldError) Error() string {
	switch v := e.Value.(type) {
	case nil:
		return fmt.Sprintf("%s: %s", e.Field, e.Reason)
	case string:
		return fmt.Sprintf("%s %q: %s", e.Field, v, e.Reason)
	default:
		return fmt.Sprintf("%s %v: %s", e.Field, v, e.Reason)
	}
}

// Errors collects field errors. The zero value is ready to use.
type Errors struct {
	list []*FieldError
}

// Add records that field holds value, which is wrong because of reason (formatted with args). The
// same error (field, value and reason) is recorded once, however many validators find it: a composite
// (tunnelgate.NewIngress) merges the errors of validators that share inputs.
func (es *Errors) Add(field string, value any, reason string, args ...any) {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	es.push(&FieldError{Field: field, Value: value, Reason: reason})
}

func (es *Errors) push(fe *FieldError) {
	for _, e := range es.list {
		if e.Field == fe.Field && e.Reason == fe.Reason && fmt.Sprint(e.Value) == fmt.Sprint(fe.Value) {
			return
		}
	}
	es.list = append(es.list, fe)
}

// Merge adds the field errors in err (from another validator) with their fields under prefix
// ("tunnel" turns "routes[0].path" into "tunnel.routes[0].path"). Other errors are added as they are.
func (es *Errors) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var fe *FieldError
	var joined interface{ Unwrap() []error }
	switch {
	case errors.As(err, &joined):
		for _, e := range joined.Unwrap() {
			es.Merge(prefix, e)
		}
	case errors.As(err, &fe):
		es.push(&FieldError{Field: Join(prefix, fe.Field), Value: fe.Value, Reason: fe.Reason})
	default:
		es.push(&FieldError{Field: prefix, Reason: err.Error()})
	}
}

// Has reports whether an error on field was collected.
func (es *Errors) Has(field string) bool {
	for _, e := range es.list {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Len is the number of errors collected.
func (es *Errors) Len() int { return len(es.list) }

// Err returns nil when nothing was added, else an error whose message lists every field error, one per
// line, and which unwraps (errors.As) to each *FieldError.
func (es *Errors) Err(component string) error {
	if len(es.list) == 0 {
		return nil
	}
	errs := make([]error, len(es.list))
	for i, e := range es.list {
		errs[i] = e
	}
	return &invalid{component: component, errs: errs}
}

type invalid struct {
	component string
	errs      []error
}

func (e *invalid) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: invalid arguments", e.component)
	if len(e.errs) == 1 {
		return b.String() + ": " + e.errs[0].Error()
	}
	for _, fe := range e.errs {
		b.WriteString("\n  - " + fe.Error())
	}
	return b.String()
}

func (e *invalid) Unwrap() []error { return e.errs }

// Join builds a field path: Join("tunnel", "routes[0]") is "tunnel.routes[0]".
func Join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case strings.HasPrefix(field, "["):
		return prefix + field
	}
	return prefix + "." + field
}

// Index builds "field[i]".
func Index(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// Fields returns every *FieldError inside err, for tests and tools.
func Fields(err error) []*FieldError {
	var out []*FieldError
	var fe *FieldError
	var joined interface{ Unwrap() []error }
	switch {
	case err == nil:
	case errors.As(err, &joined):
		for _, e := range joined.Unwrap() {
			out = append(out, Fields(e)...)
		}
	case errors.As(err, &fe):
		out = append(out, fe)
	}
	return out
}

// Port adds an error unless p is a TCP/UDP port number (1-65535).
func (es *Errors) Port(field string, p int) {
	if p < 1 || p > 65535 {
		es.Add(field, p, "must be a port number from 1 to 65535")
	}
}

// Labels adds an error for every key or value that Kubernetes would reject as a label.
func (es *Errors) Labels(field string, labels map[string]string) {
	for _, k := range sortedKeys(labels) {
		for _, msg := range validation.IsQualifiedName(k) {
			es.Add(Join(field, k), k, "invalid label key: %s", msg)
		}
		for _, msg := range validation.IsValidLabelValue(labels[k]) {
			es.Add(Join(field, k), labels[k], "invalid label value: %s", msg)
		}
	}
}

// Image adds an error unless ref is a container image reference that a container runtime can pull
// ("cloudflare/cloudflared:2026.8.2", "registry.example.com/cf/cloudflared@sha256:...") and returns it
// parsed (nil when it is not).
func (es *Errors) Image(field, ref string) reference.Named {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		es.Add(field, ref, "not a container image reference: %v", err)
	}
	return named
}

// generationRe is a rotation's shape: it ends tunnel and Deployment names.
var generationRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// Generation adds an error unless s is empty or a secret generation (tunnel.Args.Rotation, the
// workload's Generation): 1-32 lower-case letters, digits and '-', starting and ending with a letter or
// digit. partOf names what it becomes part of, for the message ("the tunnel name").
func (es *Errors) Generation(field, s, partOf string) {
	if s != "" && !generationRe.MatchString(s) {
		es.Add(field, s, "use 1-32 lower-case letters, digits and '-' (it becomes part of %s), e.g. \"2026-11\"", partOf)
	}
}

// DNSLabel adds an error unless s is an RFC 1123 label (Kubernetes namespace and object names).
func (es *Errors) DNSLabel(field, s string) {
	for _, msg := range validation.IsDNS1123Label(s) {
		es.Add(field, s, "%s", msg)
	}
}

var (
	vaultRoleRE     = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)
	vaultAuthPathRE = regexp.MustCompile(`^auth(/[A-Za-z0-9._-]+)+$`)
)

// VaultRole adds an error unless s is a Vault Kubernetes auth role name (letters, digits, '.', '_',
// '@', '-').
func (es *Errors) VaultRole(field, s string) {
	if !vaultRoleRE.MatchString(s) {
		es.Add(field, s, "must be a Vault role name (letters, digits, . _ @ -): the agent cannot log in without one")
	}
}

// VaultAuthPath adds an error unless s is the path of a Vault auth method, "auth/<mount>" such as
// "auth/kubernetes" (no "." or ".." segments).
func (es *Errors) VaultAuthPath(field, s string) {
	if !vaultAuthPathRE.MatchString(s) || strings.Contains(s+"/", "/../") || strings.Contains(s+"/", "/./") {
		es.Add(field, s, "must be an auth mount path such as \"auth/kubernetes\"")
	}
}

// Audience adds an error unless s is empty or one token audience (no spaces or commas).
func (es *Errors) Audience(field, s string) {
	if strings.ContainsAny(s, " \t\n,") {
		es.Add(field, s, "must be a single audience without spaces or commas")
	}
}

// DNSSubdomain adds an error unless s is an RFC 1123 subdomain (names of most Kubernetes objects:
// Secrets, service accounts, priority classes).
func (es *Errors) DNSSubdomain(field, s string) {
	for _, msg := range validation.IsDNS1123Subdomain(s) {
		es.Add(field, s, "%s", msg)
	}
}

// DNS1035Label adds an error unless s is an RFC 1035 label (a Service's name: it starts with a letter).
func (es *Errors) DNS1035Label(field, s string) {
	for _, msg := range validation.IsDNS1035Label(s) {
		es.Add(field, s, "%s", msg)
	}
}

// PortName adds an error unless s is a Kubernetes port name (IANA_SVC_NAME: at most 15 lower-case
// letters, digits and '-', with a letter).
func (es *Errors) PortName(field, s string) {
	if msgs := validation.IsValidPortName(s); len(msgs) > 0 {
		es.Add(field, s, "not a port name (IANA_SVC_NAME): %s", strings.Join(msgs, "; "))
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
