package workload

import (
	"fmt"
	"net/url"
	"path"
	"strconv"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/network"
	"github.com/tunnelgate/tunnelgate/vaultkv"
)

const (
	// DefaultTokenKey is the key of the token in the Kubernetes Secret (SecretToken.Key): the Vault
	// secret's default key too (vaultkv.DefaultTokenKey).
	DefaultTokenKey = vaultkv.DefaultTokenKey
	// DefaultVaultAuthPath is the Kubernetes auth method's mount path (the injector's default).
	DefaultVaultAuthPath = vaultkv.DefaultAuthPath
	// VaultAnnotationPrefix prefixes every Vault Agent Injector annotation.
	VaultAnnotationPrefix = "vault.hashicorp.com/"
	// VaultSecretName is the injector's name for the token: the suffix of the agent-inject-* annotations
	// and the name of the rendered file.
	VaultSecretName = "tunnel-token"
	// VaultSecretsDir is where the injector mounts its in-memory secrets volume (secret-volume-path).
	VaultSecretsDir = "/vault/secrets"
	// VaultTokenFile is the file cloudflared reads with the Vault source.
	VaultTokenFile = VaultSecretsDir + "/" + VaultSecretName
	// VaultFilePerms is the mode of the rendered token file: owner (the agent, uid 100) and group (65532,
	// the agent's group, set with agent-run-as-group) may read, nobody else. cloudflared runs with gid
	// 65532 and reads it through the group bits. See the package documentation.
	VaultFilePerms = "0440"
	// VaultServiceAccountVolume is the projected service-account token volume that only the injected
	// Vault Agent containers mount (named by agent-service-account-token-volume-name), for Vault's
	// Kubernetes auth. cloudflared never sees a service-account token.
	VaultServiceAccountVolume = "vault-sa-token"
	// VaultTokenExpirationSeconds is the lifetime of that projected token (the kubelet rotates it).
	VaultTokenExpirationSeconds = 3600
	// VaultTLSDir is where the injector mounts VaultAgent.TLSSecret in the agent containers.
	VaultTLSDir = "/vault/tls"
	// SecretVolume is the volume that mounts an existing Kubernetes Secret (the Secret source).
	SecretVolume = "cloudflared-token"
	// SecretTokenDir is where that volume is mounted (read-only) in the cloudflared container.
	SecretTokenDir = "/etc/cloudflared/token"
	// SecretTokenFile is the file cloudflared reads with the Secret source.
	SecretTokenFile = SecretTokenDir + "/token"
	// SecretFileMode is the mode of that file: 0444. The kubelet writes Secret files as root, group
	// root unless the pod has an fsGroup, so a group-only mode would depend on the app pod's fsGroup;
	// the volume is mounted only in the cloudflared container, so "other" reaches no other container.
	SecretFileMode = 0o444
)

// TokenSource says how the tunnel token reaches cloudflared, always as a file: set exactly one field.
type TokenSource struct {
	// Vault renders the token from Vault KV v2 with the Vault Agent Injector (the default choice).
	Vault *VaultToken `pulumi:"vault,optional"`
	// Secret mounts an existing Kubernetes Secret, for clusters without Vault.
	Secret *SecretToken `pulumi:"secret,optional"`
}

// VaultToken reads the token from Vault KV v2 through the Vault Agent Injector (annotations on the pod
// template; the injector must run in the cluster).
type VaultToken struct {
	// Secret is the KV v2 secret that holds the token (required: its Path): the location the tunnel
	// package writes to (tunnel.Args.Vault). Its IDKey is not read.
	Secret vaultkv.Location `pulumi:"secret"`
	// Agent says how the injected Vault Agent logs in and reaches Vault (required: its Role).
	Agent VaultAgent `pulumi:"agent"`
}

// VaultAgent configures the Vault Agent that the injector adds to the pods: how it logs in and how it
// reaches Vault.
type VaultAgent struct {
	// Role is the Vault Kubernetes auth role. It must be bound to the pod's service account and
	// namespace and allow reading the secret's read path ("<mount>/data/<path>"). Required, except in an
	// Ingress that creates the role (tunnelgate.Token.Vault), where it defaults to the role's name.
	Role string `pulumi:"role,optional"`
	// AuthPath is the Kubernetes auth mount path. Default DefaultVaultAuthPath ("auth/kubernetes").
	AuthPath string `pulumi:"authPath,optional"`
	// Address overrides the injector's Vault address (annotation "service"), e.g.
	// "https://vault.vault.svc:8200". Empty: the injector's. The network policy allows its host and port.
	Address string `pulumi:"address,optional"`
	// CACert is the path, in the agent container, of the CA certificate that signs Vault's certificate.
	// Default: VaultTLSDir + "/ca.crt" when TLSSecret is set, else empty (the injector's default).
	CACert string `pulumi:"caCert,optional"`
	// TLSSecret is a Kubernetes Secret (in the pod's namespace) mounted at VaultTLSDir in the agent
	// containers, holding the CA certificate (and client certificates if Vault wants them).
	TLSSecret string `pulumi:"tlsSecret,optional"`
	// TLSServerName is the name checked against Vault's certificate. Empty: the address's host.
	TLSServerName string `pulumi:"tlsServerName,optional"`
	// TLSSkipVerify turns off verification of Vault's certificate. Default false; only for tests.
	TLSSkipVerify bool `pulumi:"tlsSkipVerify,optional"`
	// LongRunning keeps a Vault Agent sidecar running next to cloudflared (it re-renders the file when
	// the secret changes). Default false: only the init container runs ("pre-populate-only"), which is
	// enough because cloudflared reads the token once at start; new tokens arrive with a pod roll.
	LongRunning bool `pulumi:"longRunning,optional"`
	// AgentImage overrides the injector's Vault Agent image. Empty: the injector's.
	AgentImage string `pulumi:"agentImage,optional"`
	// TokenAudience is the audience of the projected service-account token the agent presents to
	// Vault; set it when the Vault role has an "audience". Empty: the API server's default audience.
	TokenAudience string `pulumi:"tokenAudience,optional"`
}

// SecretToken mounts a Kubernetes Secret that holds the token, read-only, as a file: an existing one,
// or, with Value, one the component creates and keeps up to date.
type SecretToken struct {
	// Name is the Secret's name in the workload's namespace (required). It may be another resource's
	// output (a Secret created in the same program).
	Name pulumi.StringInput `pulumi:"name"`
	// Key is the key of the token in the Secret's data. Default DefaultTokenKey ("tunnel_token").
	Key string `pulumi:"key,optional"`
	// Value, when set, is the token (tunnel.Tunnel.Token, a Pulumi secret): the component then creates
	// the Secret itself (child "<name>-token", kubernetes:core/v1:Secret, in the namespace) with the
	// token under Key, before the Deployment, and updates it before the Deployment whenever the token
	// changes (a rotation), so that new pods read the new token. Unset: the Secret exists and is yours
	// (see the package doc's Rotation section for what a rotation then asks of you). Not with Sidecar,
	// which registers nothing.
	Value pulumi.StringInput `pulumi:"value,optional" provider:"secret"`
}

func (t TokenSource) withDefaults() TokenSource {
	if t.Vault != nil {
		v := t.Vault.withDefaults()
		t.Vault = &v
	}
	if t.Secret != nil {
		s := *t.Secret
		if s.Key == "" {
			s.Key = DefaultTokenKey
		}
		t.Secret = &s
	}
	return t
}

func (v VaultToken) withDefaults() VaultToken {
	v.Secret = v.Secret.WithDefaults()
	if v.Agent.AuthPath == "" {
		v.Agent.AuthPath = DefaultVaultAuthPath
	}
	if v.Agent.CACert == "" && v.Agent.TLSSecret != "" {
		v.Agent.CACert = VaultTLSDir + "/ca.crt"
	}
	return v
}

// validate checks t (after defaults) under prefix.
func (t TokenSource) validate(es *check.Errors, prefix string) {
	switch {
	case t.Vault == nil && t.Secret == nil:
		es.Add(prefix, nil, "set exactly one of vault or secret: cloudflared needs the token as a file")
	case t.Vault != nil && t.Secret != nil:
		es.Add(prefix, nil, "set exactly one of vault or secret, not both")
	case t.Vault != nil:
		t.Vault.validate(es, check.Join(prefix, "vault"))
	default:
		t.Secret.validate(es, check.Join(prefix, "secret"))
	}
}

func (v VaultToken) validate(es *check.Errors, prefix string) {
	es.Merge(check.Join(prefix, "secret"), v.Secret.Validate())
	v.Agent.validate(es, check.Join(prefix, "agent"))
}

func (v VaultAgent) validate(es *check.Errors, prefix string) {
	f := func(name string) string { return check.Join(prefix, name) }
	es.VaultRole(f("role"), v.Role)
	es.VaultAuthPath(f("authPath"), v.AuthPath)
	if v.Address != "" {
		if u, err := url.Parse(v.Address); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
			es.Add(f("address"), v.Address, "must be an http(s) URL such as \"https://vault.vault.svc:8200\"")
		} else if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil {
				es.Add(f("address"), v.Address, "port %q is not a number", p)
			} else {
				es.Port(f("address"), n)
			}
		}
	}
	if v.CACert != "" && !path.IsAbs(v.CACert) {
		es.Add(f("caCert"), v.CACert, "must be an absolute path in the agent container, e.g. %q", VaultTLSDir+"/ca.crt")
	}
	if v.TLSSecret != "" {
		for _, msg := range validation.IsDNS1123Subdomain(v.TLSSecret) {
			es.Add(f("tlsSecret"), v.TLSSecret, "not a Secret name: %s", msg)
		}
	}
	if v.TLSServerName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(v.TLSServerName) {
			es.Add(f("tlsServerName"), v.TLSServerName, "not a DNS name: %s", msg)
		}
	}
	if v.TLSSkipVerify && v.CACert != "" {
		es.Add(f("tlsSkipVerify"), true, "contradicts caCert %q: verification would be off, the CA unused", v.CACert)
	}
	if v.AgentImage != "" {
		es.Image(f("agentImage"), v.AgentImage)
	}
	es.Audience(f("tokenAudience"), v.TokenAudience)
}

// client is where the agent connects to, for the network policy: the host and port of Address, or
// the injector's default address (empty host, port 0).
func (v VaultAgent) client() *network.VaultClient {
	u, err := url.Parse(v.Address)
	if err != nil || v.Address == "" {
		return &network.VaultClient{}
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 && u.Scheme == "https" {
		port = 443
	} else if port == 0 {
		port = 80
	}
	return &network.VaultClient{Host: u.Hostname(), Port: port}
}

func (s SecretToken) validate(es *check.Errors, prefix string) {
	if s.Name == nil { // a value is checked by newParts (now when literal, else once known)
		es.Add(check.Join(prefix, "name"), nil, "required: the name of the Secret that holds the token")
	}
	for _, msg := range validation.IsConfigMapKey(s.Key) {
		es.Add(check.Join(prefix, "key"), s.Key, "not a Secret key: %s", msg)
	}
}

// ReadPath is the KV v2 API path the agent reads, "<mount>/data/<path>" (after defaults).
func (v VaultToken) ReadPath() string { return v.Secret.ReadPath() }

// Template is the agent template that renders exactly the token: no trailing newline, and an error
// (with error-on-missing-key) instead of an empty or "<no value>" file when the key is missing.
func (v VaultToken) Template() string {
	v = v.withDefaults()
	return fmt.Sprintf(`{{- with secret %q -}}{{ .Data.data.%s }}{{- end -}}`, v.ReadPath(), v.Secret.TokenKey)
}

// Annotations are the Vault Agent Injector annotations for the pod template (after defaults).
func (v VaultToken) Annotations() map[string]string {
	v = v.withDefaults()
	ag := v.Agent
	p := VaultAnnotationPrefix
	a := map[string]string{
		p + "agent-inject":                             "true",
		p + "role":                                     ag.Role,
		p + "auth-path":                                ag.AuthPath,
		p + "agent-init-first":                         "true",
		p + "agent-pre-populate-only":                  strconv.FormatBool(!ag.LongRunning),
		p + "agent-inject-containers":                  ContainerName,
		p + "secret-volume-path":                       VaultSecretsDir,
		p + "agent-inject-secret-" + VaultSecretName:   v.ReadPath(),
		p + "agent-inject-template-" + VaultSecretName: v.Template(),
		p + "agent-inject-file-" + VaultSecretName:     VaultSecretName,
		p + "agent-inject-perms-" + VaultSecretName:    VaultFilePerms,
		p + "error-on-missing-key-" + VaultSecretName:  "true",
		p + "agent-run-as-group":                       itoa(UID),
		p + "agent-service-account-token-volume-name":  VaultServiceAccountVolume,
		p + "tls-skip-verify":                          strconv.FormatBool(ag.TLSSkipVerify),
	}
	for k, val := range map[string]string{
		"namespace": v.Secret.Namespace, "service": ag.Address, "ca-cert": ag.CACert, "tls-secret": ag.TLSSecret,
		"tls-server-name": ag.TLSServerName, "agent-image": ag.AgentImage,
	} {
		if val != "" {
			a[p+k] = val
		}
	}
	return a
}

// tokenFile is where the token file lives in the cloudflared container.
type tokenFile struct {
	volume string // the volume cloudflared mounts itself ("" with Vault: the injector adds its mount)
	dir    string
	path   string
}

// delivery returns the token file, the pod volumes and the pod annotations of a (defaulted) source.
func (t TokenSource) delivery() (tokenFile, corev1.VolumeArray, map[string]string) {
	if v := t.Vault; v != nil {
		proj := &corev1.ServiceAccountTokenProjectionArgs{
			Path:              pulumi.String("token"),
			ExpirationSeconds: pulumi.Int(VaultTokenExpirationSeconds),
		}
		if v.Agent.TokenAudience != "" {
			proj.Audience = pulumi.String(v.Agent.TokenAudience)
		}
		vols := corev1.VolumeArray{corev1.VolumeArgs{
			Name: pulumi.String(VaultServiceAccountVolume),
			// The API default mode (0644) stays: the kubelet writes the token as root, and the agent
			// (uid 100) must read it; only the agent containers mount this volume.
			Projected: &corev1.ProjectedVolumeSourceArgs{
				Sources: corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{ServiceAccountToken: proj}},
			},
		}}
		return tokenFile{dir: VaultSecretsDir, path: VaultTokenFile}, vols, v.Annotations()
	}
	s := t.Secret
	vols := corev1.VolumeArray{corev1.VolumeArgs{
		Name: pulumi.String(SecretVolume),
		Secret: &corev1.SecretVolumeSourceArgs{
			SecretName:  s.Name,
			DefaultMode: pulumi.Int(SecretFileMode),
			Optional:    pulumi.Bool(false),
			Items:       corev1.KeyToPathArray{corev1.KeyToPathArgs{Key: pulumi.String(s.Key), Path: pulumi.String("token")}},
		},
	}}
	return tokenFile{volume: SecretVolume, dir: SecretTokenDir, path: SecretTokenFile}, vols, nil
}
