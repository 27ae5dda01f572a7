// Package vaultkv is the Vault KV v2 secret that holds a tunnel's token, as the packages that write it,
// read it and grant reading it share it: Location is where the tunnel package writes it
// (tunnel.Args.Vault) and where the workload package's Vault Agent reads it
// (workload.VaultToken.Secret), with one validator, so that the writer and the reader agree on what a
// valid location is and, when both are given the same Location, on where the token is. Reader is who
// reads it and how it logs in (the pods' service account and namespace, the Kubernetes auth role,
// method path and token audience of their agent): what the workload package reports about its pods
// (workload.Facts.VaultReader) and what package vaultrole grants read access to.
//
// It is a leaf: it imports no Pulumi provider SDK, so the workload package can read a location and
// report its reader without pulling in the Vault, Cloudflare or random SDKs.
package vaultkv

import (
	"cmp"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
)

// Defaults, applied by Location.WithDefaults.
const (
	// DefaultMount is the KV v2 mount (Location.Mount).
	DefaultMount = "secret"
	// DefaultTokenKey is the key of the tunnel token in the secret's data (Location.TokenKey).
	DefaultTokenKey = "tunnel_token"
	// DefaultIDKey is the key of the tunnel id in the secret's data (Location.IDKey).
	DefaultIDKey = "tunnel_id"
	// DefaultAuthPath is the path of Vault's Kubernetes auth method (Reader.AuthPath), the Vault Agent
	// Injector's default.
	DefaultAuthPath = "auth/kubernetes"
)

// errorsType names the errors of Location.Validate (callers merge them under their own field).
const errorsType = "tunnelgate:vaultkv:Location"

// Location is a Vault KV v2 secret and the keys of the token and the tunnel id in its data.
type Location struct {
	// Mount is the KV v2 mount. Default DefaultMount ("secret").
	Mount string `pulumi:"mount,optional"`
	// Path is the secret's path inside the mount, without the mount and without "data/" (required), as
	// in kv.SecretV2's name: {Mount: "secret", Path: "prod/web/cloudflared"} is read at
	// "secret/data/prod/web/cloudflared".
	Path string `pulumi:"path"`
	// TokenKey is the data key of the token. Default DefaultTokenKey ("tunnel_token").
	TokenKey string `pulumi:"tokenKey,optional"`
	// IDKey is the data key of the tunnel id (written by the tunnel package, not read by the agent).
	// Default DefaultIDKey ("tunnel_id").
	IDKey string `pulumi:"idKey,optional"`
	// Namespace is the Vault Enterprise namespace, relative to the writer's provider and the reader's
	// agent. Empty: theirs.
	Namespace string `pulumi:"namespace,optional"`
}

// WithDefaults returns l with the defaults applied.
func (l Location) WithDefaults() Location {
	l.Mount = cmp.Or(l.Mount, DefaultMount)
	l.TokenKey = cmp.Or(l.TokenKey, DefaultTokenKey)
	l.IDKey = cmp.Or(l.IDKey, DefaultIDKey)
	return l
}

// ReadPath is the KV v2 API path of the secret after defaults, "<mount>/data/<path>", as the Vault
// Agent Injector's agent-inject-secret annotation and consul-template's `secret` function need it.
func (l Location) ReadPath() string {
	l = l.WithDefaults()
	return l.Mount + "/data/" + l.Path
}

// Reader is who reads a Location and how it logs in to Vault: the Kubernetes service account and
// namespace of the pods whose Vault Agent reads the secret, and the Kubernetes auth login that agent
// makes (method path, role, audience of the service-account token it presents). A Vault role that
// grants reading the secret binds exactly these (package vaultrole).
type Reader struct {
	// Namespace is the pods' Kubernetes namespace (required). It may be another resource's output.
	Namespace pulumi.StringInput `pulumi:"namespace"`
	// ServiceAccount is the name of the pods' service account (required). It may be another resource's
	// output.
	ServiceAccount pulumi.StringInput `pulumi:"serviceAccount"`
	// AuthPath is the path of the Kubernetes auth method the agent logs in at. Default DefaultAuthPath
	// ("auth/kubernetes").
	AuthPath string `pulumi:"authPath,optional"`
	// Role is the Kubernetes auth role the agent logs in with (required).
	Role string `pulumi:"role"`
	// TokenAudience is the audience of the service-account token the agent presents. Empty: the API
	// server's default audience.
	TokenAudience string `pulumi:"tokenAudience,optional"`
}

// WithDefaults returns r with the defaults applied.
func (r Reader) WithDefaults() Reader {
	r.AuthPath = cmp.Or(r.AuthPath, DefaultAuthPath)
	return r
}

// AuthMount is the auth method's mount after defaults: AuthPath without "auth/" ("kubernetes"), as
// Vault's role endpoints (auth/<mount>/role/<role>) and the Vault provider's backend inputs name it.
func (r Reader) AuthMount() string {
	return strings.TrimPrefix(r.WithDefaults().AuthPath, "auth/")
}

var (
	// segmentRE is one segment of a mount, path or namespace.
	segmentRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// keyRE: the agent template reads the token as .Data.data.<key>, which needs a Go template
	// identifier (and makes a missing key an error instead of an empty token).
	keyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate checks l after defaults and returns every problem as *check.FieldError with field paths
// relative to the location ("path", "tokenKey"); callers merge them under their own field.
func (l Location) Validate() error {
	l = l.WithDefaults()
	var es check.Errors
	if why := badPath(l.Mount); why != "" {
		es.Add("mount", l.Mount, "not a KV v2 mount such as \"secret\": %s", why)
	}
	switch {
	case l.Path == "":
		es.Add("path", l.Path, "required: the secret's path inside the mount")
	case badPath(l.Path) != "":
		es.Add("path", l.Path, "not a secret path such as \"prod/web/cloudflared\": %s", badPath(l.Path))
	case l.Path == "data" || strings.HasPrefix(l.Path, "data/"):
		rest := strings.TrimPrefix(strings.TrimPrefix(l.Path, "data"), "/")
		es.Add("path", l.Path, "give the path without \"data/\": the KV v2 API adds it (%q is read at %s/data/%s)", rest, l.Mount, rest)
	case strings.HasPrefix(l.Path, l.Mount+"/"):
		es.Add("path", l.Path, "give the path without the mount %q: the secret would be read at %s", l.Mount, l.ReadPath())
	}
	if l.Namespace != "" {
		if why := badPath(l.Namespace); why != "" {
			es.Add("namespace", l.Namespace, "not a Vault namespace such as \"team/prod\": %s", why)
		}
	}
	for _, k := range []struct{ field, v string }{{"tokenKey", l.TokenKey}, {"idKey", l.IDKey}} {
		if !keyRE.MatchString(k.v) {
			es.Add(k.field, k.v, "use letters, digits and '_', not starting with a digit: the Vault Agent template reads it as .Data.data.<key>")
		}
	}
	if l.TokenKey == l.IDKey {
		es.Add("idKey", l.IDKey, "same key as tokenKey: the tunnel id would overwrite the token")
	}
	return es.Err(errorsType)
}

// badPath says what is wrong with a slash-separated Vault path, or "" when it is fine: segments of
// letters, digits, '.', '_' and '-', no empty segment (no leading, trailing or double '/'), and no "."
// or ".." segment (Vault would resolve it to another secret than the one written or read).
func badPath(p string) string {
	if p == "" {
		return "empty"
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return "no leading, trailing or double '/'"
		case seg == "." || seg == "..":
			return "no \".\" or \"..\" segments: they name another secret than the one written or read"
		case !segmentRE.MatchString(seg):
			return "segments take letters, digits, '.', '_' and '-'"
		}
	}
	return ""
}
