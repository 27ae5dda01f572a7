package vaultrole

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

// Type is the component's type token.
const Type = "tunnelgate:vaultrole:Role"

// Defaults, applied by Args.Validate and NewRole (and by the Ingress for the agent's audience).
const (
	// DefaultTTLSeconds is the lifetime of the Vault tokens the role issues (Settings.TTLSeconds): five
	// minutes, plenty for an agent that logs in, renders the token file and exits.
	DefaultTTLSeconds = 300
	// DefaultMaxTTLSeconds bounds renewals of those tokens (Settings.MaxTTLSeconds): one hour, the
	// lifetime of the projected service-account token the agent presents; a long-running agent logs
	// in again after it.
	DefaultMaxTTLSeconds = 3600
	// DefaultAudience is the audience the Ingress gives the agent's service-account token and the role
	// when the role is created and the agent's TokenAudience is empty. A role with an audience accepts
	// only tokens issued for Vault, not the pods' tokens for the API server.
	DefaultAudience = "vault"
)

// builtinPolicies are Vault's own policies: a role must not overwrite or grant them.
var builtinPolicies = []string{"root", "default", "response-wrapping", "control-group"}

// Settings are the choices about the role; the rest (what may be read, by whom, with which login)
// are facts of the tunnel and the workload. The zero value gives the defaults.
type Settings struct {
	// PolicyName is the name of the Vault policy. Default: the role's name in lower case (Vault stores
	// policy names in lower case). Vault's own policies (root, default, response-wrapping,
	// control-group) are refused: writing one would change what every token may do.
	PolicyName string `pulumi:"policyName,optional"`
	// TTLSeconds is the lifetime of the Vault tokens the role issues. Default DefaultTTLSeconds (300).
	TTLSeconds int `pulumi:"ttlSeconds,optional"`
	// MaxTTLSeconds is the longest a token may be renewed to; at least TTLSeconds. Default
	// DefaultMaxTTLSeconds (3600).
	MaxTTLSeconds int `pulumi:"maxTtlSeconds,optional"`
}

// Args are the inputs of NewRole.
type Args struct {
	// Secret is what the role may read: exactly its ReadPath ("<mount>/data/<path>"), in its Vault
	// Enterprise Namespace, where the policy and the role are created too (required: its Path). The
	// tunnel package writes there (tunnel.Args.Vault).
	Secret vaultkv.Location `pulumi:"secret"`
	// Reader is who may read it: the role binds exactly its ServiceAccount in its Namespace, at its
	// AuthPath, under its Role name, for its TokenAudience (required: Namespace, ServiceAccount, Role).
	// The workload package reports it for its pods (workload.Facts.VaultReader).
	Reader vaultkv.Reader `pulumi:"reader"`
	// Settings are the choices: policy name and token lifetimes; nil gives the defaults.
	Settings *Settings `pulumi:"settings,optional"`
}

// defaulted is Args after defaults.
type defaulted struct {
	secret   vaultkv.Location
	reader   vaultkv.Reader
	settings Settings
}

func (a *Args) withDefaults() defaulted {
	d := defaulted{secret: a.Secret.WithDefaults(), reader: a.Reader.WithDefaults()}
	if a.Settings != nil {
		d.settings = *a.Settings
	}
	s := &d.settings
	s.PolicyName = cmp.Or(s.PolicyName, strings.ToLower(d.reader.Role))
	s.TTLSeconds = cmp.Or(s.TTLSeconds, DefaultTTLSeconds)
	s.MaxTTLSeconds = cmp.Or(s.MaxTTLSeconds, DefaultMaxTTLSeconds)
	return d
}

var policyNameRE = regexp.MustCompile(`^[a-z0-9._@-]+$`)

// Validate checks a without Pulumi and returns every problem as a *check.FieldError ("reader.role",
// "settings.policyName"). Namespace and service account inputs that are outputs are checked by
// NewRole once known.
func (a *Args) Validate() error {
	d := a.withDefaults()
	var es check.Errors
	es.Merge("secret", a.Secret.Validate())
	es.Literal("reader.namespace", d.reader.Namespace, (*check.Errors).DNSLabel)
	es.Literal("reader.serviceAccount", d.reader.ServiceAccount, serviceAccount)
	es.VaultAuthPath("reader.authPath", d.reader.AuthPath)
	es.VaultRole("reader.role", d.reader.Role)
	es.Audience("reader.tokenAudience", d.reader.TokenAudience)
	s := d.settings
	switch {
	case a.Settings != nil && a.Settings.PolicyName != "" && !policyNameRE.MatchString(s.PolicyName):
		es.Add("settings.policyName", s.PolicyName, "must be a Vault policy name in lower case (letters, digits, . _ @ -): Vault stores policy names in lower case, and the role would name one that reads back otherwise")
	case slices.Contains(builtinPolicies, s.PolicyName):
		field := "settings.policyName"
		if a.Settings == nil || a.Settings.PolicyName == "" {
			field = "reader.role" // the default: the role's name
		}
		es.Add(field, s.PolicyName, "names Vault's built-in policy %q: writing it would change what every token may do; name the policy (settings.policyName) or the role otherwise", s.PolicyName)
	}
	if s.TTLSeconds < 0 {
		es.Add("settings.ttlSeconds", s.TTLSeconds, "must be 0 (the default, %d) or more", DefaultTTLSeconds)
	}
	switch {
	case s.MaxTTLSeconds < 0:
		es.Add("settings.maxTtlSeconds", s.MaxTTLSeconds, "must be 0 (the default, %d) or more", DefaultMaxTTLSeconds)
	case s.TTLSeconds > s.MaxTTLSeconds:
		field, v := "settings.ttlSeconds", s.TTLSeconds
		if a.Settings != nil && a.Settings.MaxTTLSeconds != 0 {
			field, v = "settings.maxTtlSeconds", s.MaxTTLSeconds
		}
		es.Add(field, v, "the token lifetime (%ds) is above its renewal limit (%ds): Vault refuses such a role", s.TTLSeconds, s.MaxTTLSeconds)
	}
	return es.Err(Type)
}

// serviceAccount checks the name of the account a role binds: a Kubernetes name, and not the
// namespace's "default" account.
func serviceAccount(es *check.Errors, field, s string) {
	switch {
	case s == "default":
		es.Add(field, s, "every pod of the namespace that names no service account runs as \"default\": all of them could read the token; run the pods under an account of their own")
	case s == "*":
		es.Add(field, s, "would bind every service account of the namespace")
	default:
		es.DNSSubdomain(field, s)
	}
}

// PolicyDocument is the policy the role carries for secret: read on exactly its KV v2 read path
// ("<mount>/data/<path>"), nothing else: no list, no metadata, no other version endpoints, no write.
func PolicyDocument(secret vaultkv.Location) string {
	return fmt.Sprintf("# tunnelgate: read the tunnel token, nothing else\npath %q {\n  capabilities = [\"read\"]\n}\n", secret.ReadPath())
}

// DefaultName is the Ingress's default role name, "<project>-<stack>-<component>" in lower case:
// distinct per Ingress, stack and project in one Vault (role names are per auth method, policy names
// per Vault namespace).
func DefaultName(project, stack, component string) string {
	return strings.ToLower(project + "-" + stack + "-" + component)
}
