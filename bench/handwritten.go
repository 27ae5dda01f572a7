// Package bench measures what tunnelgate's components cost compared with the same resources written by
// hand: registration cost on Pulumi's mock engine (registration_test.go), the real engine (the e2e
// module's bench_engine_test.go), build weight (buildweight/handwritten) and user effort. The
// command bench/cmd/benchtable runs them and prints the table the README shows.
//
// This file is the hand-written side: HandWritten registers, with direct provider SDK calls and
// nothing from tunnelgate, exactly the custom resources that tunnelgate.NewIngress registers for the
// in-pod layout (an app with cloudflared as a sidecar, the token from Vault with the policy and role
// that let the pods' own service account read it, a CiliumNetworkPolicy),
// with the same names, inputs and options. TestEquivalent keeps the two sides identical. It imports
// only SDK packages, so that buildweight/handwritten can use it without pulling in the library.
package bench

import (
	"encoding/json"
	"strconv"

	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	vaultsdk "github.com/pulumi/pulumi-vault/sdk/v6/go/vault"
	vaultk8s "github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kubernetes"
	"github.com/pulumi/pulumi-vault/sdk/v6/go/vault/kv"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Params is the in-pod deployment both sides register: one app, cloudflared beside it, one route per
// hostname to the app on localhost.
type Params struct {
	// Name is the Pulumi name of the whole (the component's name, the prefix of every child's name).
	Name string
	// AccountID and ZoneID are the Cloudflare account and zone (32 hex characters each).
	AccountID, ZoneID string
	// Hostnames are the public hostnames, one route and one DNS record each.
	Hostnames []string
	// Namespace is the Kubernetes namespace of every object.
	Namespace string
	// AppImage and AppPort are the app's container image and the port it listens on.
	AppImage string
	AppPort  int
	// VaultRole is the Vault Kubernetes auth role; VaultPath the KV v2 path (mount "secret") of the token.
	VaultRole, VaultPath string
}

// Seed returns the seed's in-pod deployment with n hostnames (app0.example.com, app1.example.com, ...).
func Seed(n int) Params {
	p := Params{
		Name: "web", AccountID: "0123456789abcdef0123456789abcdef", ZoneID: "fedcba9876543210fedcba9876543210",
		Namespace: "apps", AppImage: "ghcr.io/example/web:1.0.0", AppPort: 4000,
		VaultRole: "web", VaultPath: "apps/web/cloudflared",
	}
	for i := range n {
		p.Hostnames = append(p.Hostnames, "app"+strconv.Itoa(i)+".example.com")
	}
	return p
}

// HandWritten registers the resources of p the way a user would without tunnelgate.
func HandWritten(ctx *pulumi.Context, p Params) error {
	name := p.Name
	secret, err := random.NewRandomPassword(ctx, name+"-secret", &random.RandomPasswordArgs{
		Length:  pulumi.Int(44),
		Special: pulumi.Bool(false),
		Keepers: pulumi.StringMap{"rotation": pulumi.String("")},
	})
	if err != nil {
		return err
	}
	// The pods start once the token is in Vault and the tunnel is complete: they depend on all of it.
	tunnelParts := []pulumi.Resource{secret}
	account := pulumi.String(p.AccountID)
	tun, err := cloudflare.NewZeroTrustTunnelCloudflared(ctx, name+"-tunnel", &cloudflare.ZeroTrustTunnelCloudflaredArgs{
		AccountId: account,
		Name:      pulumi.String(ctx.Project() + "-" + ctx.Stack() + "-" + name),
		Secret:    secret.Result,
		ConfigSrc: pulumi.String("cloudflare"),
	})
	if err != nil {
		return err
	}
	tunnelParts = append(tunnelParts, tun)
	tunnelID := tun.ID().ToStringOutput()
	rules := make(cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArray, 0, len(p.Hostnames)+1)
	service := pulumi.String("http://localhost:" + strconv.Itoa(p.AppPort))
	for _, h := range p.Hostnames {
		rules = append(rules, cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArgs{
			Hostname: pulumi.String(h), Service: service,
		})
	}
	rules = append(rules, cloudflare.ZeroTrustTunnelCloudflaredConfigConfigIngressRuleArgs{Service: pulumi.String("http_status:404")})
	config, err := cloudflare.NewZeroTrustTunnelCloudflaredConfig(ctx, name+"-config", &cloudflare.ZeroTrustTunnelCloudflaredConfigArgs{
		AccountId: account,
		TunnelId:  tunnelID,
		Config:    cloudflare.ZeroTrustTunnelCloudflaredConfigConfigArgs{IngressRules: rules},
	})
	if err != nil {
		return err
	}
	tunnelParts = append(tunnelParts, config)
	data := pulumi.All(tun.TunnelToken, tunnelID).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]string{"tunnel_token": v[0].(string), "tunnel_id": v[1].(string)})
		return string(b), err
	}).(pulumi.StringOutput)
	vault, err := kv.NewSecretV2(ctx, name+"-vault", &kv.SecretV2Args{
		Mount: pulumi.String("secret"), Name: pulumi.String(p.VaultPath), DataJson: data, DeleteAllVersions: pulumi.Bool(true),
	}, pulumi.DependsOn([]pulumi.Resource{config}))
	if err != nil {
		return err
	}
	// The Vault side: a policy reading exactly the token, a Kubernetes auth role bound to the pods'
	// own service account, for tokens issued to Vault.
	policy, err := vaultsdk.NewPolicy(ctx, name+"-policy", &vaultsdk.PolicyArgs{
		Name:   pulumi.String(p.VaultRole),
		Policy: pulumi.String("# tunnelgate: read the tunnel token, nothing else\npath \"secret/data/" + p.VaultPath + "\" {\n  capabilities = [\"read\"]\n}\n"),
	})
	if err != nil {
		return err
	}
	role, err := vaultk8s.NewAuthBackendRole(ctx, name+"-role", &vaultk8s.AuthBackendRoleArgs{
		Backend:                       pulumi.String("kubernetes"),
		RoleName:                      pulumi.String(p.VaultRole),
		BoundServiceAccountNames:      pulumi.StringArray{pulumi.String(p.Name)},
		BoundServiceAccountNamespaces: pulumi.StringArray{pulumi.String(p.Namespace)},
		TokenPolicies:                 pulumi.StringArray{policy.Name},
		TokenTtl:                      pulumi.Int(300),
		TokenMaxTtl:                   pulumi.Int(3600),
		Audience:                      pulumi.String("vault"),
	})
	if err != nil {
		return err
	}
	deployment, err := handWrittenPods(ctx, p, tunnelID, append(tunnelParts, vault, policy, role))
	if err != nil {
		return err
	}
	// The records move once the pods are Ready (the provider awaits the Deployment).
	for _, h := range p.Hostnames {
		if _, err := cloudflare.NewRecord(ctx, name+"-dns-"+h, &cloudflare.RecordArgs{
			ZoneId:  pulumi.String(p.ZoneID),
			Name:    pulumi.String(h),
			Type:    pulumi.String("CNAME"),
			Content: tun.Cname,
			Proxied: pulumi.Bool(true),
			Ttl:     pulumi.Int(1),
			Comment: pulumi.String("tunnelgate: tunnel " + name),
		}, pulumi.DependsOn([]pulumi.Resource{config, deployment})); err != nil {
			return err
		}
	}
	return handWrittenPolicy(ctx, p)
}

// handWrittenPods registers the pods' service account, the app's Deployment with cloudflared as a
// sidecar and its PodDisruptionBudget, all registered after the tunnel's and Vault's resources (after),
// the Deployment also after the service account, and returns the Deployment.
func handWrittenPods(ctx *pulumi.Context, p Params, tunnelID pulumi.StringOutput, after []pulumi.Resource) (*appsv1.Deployment, error) {
	selector := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(p.Name), "app.kubernetes.io/instance": pulumi.String(p.Name)}
	labels := pulumi.StringMap{
		"app.kubernetes.io/name": pulumi.String(p.Name), "app.kubernetes.io/instance": pulumi.String(p.Name),
		"app.kubernetes.io/managed-by": pulumi.String("pulumi"), "app.kubernetes.io/part-of": pulumi.String("tunnelgate"),
	}
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(p.Name), Namespace: pulumi.String(p.Namespace), Labels: labels}
	sa, err := corev1.NewServiceAccount(ctx, p.Name+"-serviceaccount", &corev1.ServiceAccountArgs{
		Metadata: meta, AutomountServiceAccountToken: pulumi.Bool(false),
	}, pulumi.DependsOn(after))
	if err != nil {
		return nil, err
	}
	read := "secret/data/" + p.VaultPath
	v := "vault.hashicorp.com/"
	annotations := pulumi.StringMap{
		"tunnelgate.dev/tunnel-id":                    tunnelID,
		v + "agent-inject":                            pulumi.String("true"),
		v + "role":                                    pulumi.String(p.VaultRole),
		v + "auth-path":                               pulumi.String("auth/kubernetes"),
		v + "agent-init-first":                        pulumi.String("true"),
		v + "agent-pre-populate-only":                 pulumi.String("true"),
		v + "agent-inject-containers":                 pulumi.String("cloudflared"),
		v + "secret-volume-path":                      pulumi.String("/vault/secrets"),
		v + "agent-inject-secret-tunnel-token":        pulumi.String(read),
		v + "agent-inject-template-tunnel-token":      pulumi.String(`{{- with secret "` + read + `" -}}{{ .Data.data.tunnel_token }}{{- end -}}`),
		v + "agent-inject-file-tunnel-token":          pulumi.String("tunnel-token"),
		v + "agent-inject-perms-tunnel-token":         pulumi.String("0440"),
		v + "error-on-missing-key-tunnel-token":       pulumi.String("true"),
		v + "agent-run-as-group":                      pulumi.String("65532"),
		v + "agent-service-account-token-volume-name": pulumi.String("vault-sa-token"),
		v + "tls-skip-verify":                         pulumi.String("false"),
	}
	spec := corev1.PodSpecArgs{
		Containers: corev1.ContainerArray{
			corev1.ContainerArgs{
				Name:  pulumi.String("app"),
				Image: pulumi.String(p.AppImage),
				Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(p.AppPort)}},
				SecurityContext: &corev1.SecurityContextArgs{
					AllowPrivilegeEscalation: pulumi.Bool(false),
					Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
				},
			},
			CloudflaredContainer("/vault/secrets/tunnel-token"),
		},
		Volumes: corev1.VolumeArray{
			TmpVolume(),
			corev1.VolumeArgs{
				Name: pulumi.String("vault-sa-token"),
				Projected: &corev1.ProjectedVolumeSourceArgs{Sources: corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{
					ServiceAccountToken: &corev1.ServiceAccountTokenProjectionArgs{
						Path: pulumi.String("token"), ExpirationSeconds: pulumi.Int(3600), Audience: pulumi.String("vault"),
					},
				}}},
			},
		},
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot: pulumi.Bool(true), SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		AutomountServiceAccountToken:  pulumi.Bool(false),
		ServiceAccountName:            pulumi.String(p.Name),
		TerminationGracePeriodSeconds: pulumi.Int(45),
		TopologySpreadConstraints:     TopologySpread(selector),
	}
	return DeploymentAndBudget(ctx, p.Name, meta, selector, annotations, spec,
		[]pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{sa})}, pulumi.DependsOn(after))
}

// CloudflaredContainer is the hardened cloudflared container reading its token from tokenFile, with
// the in-memory /tmp mounted, plus mounts.
func CloudflaredContainer(tokenFile string, mounts ...corev1.VolumeMountArgs) corev1.ContainerArgs {
	probe := func(path string, period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet:       &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.Int(2000)},
			PeriodSeconds: pulumi.Int(period), TimeoutSeconds: pulumi.Int(3), FailureThreshold: pulumi.Int(failures),
		}
	}
	return corev1.ContainerArgs{
		Name:            pulumi.String("cloudflared"),
		Image:           pulumi.String("cloudflare/cloudflared:2026.8.2"),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Args: pulumi.ToStringArray([]string{"tunnel", "--no-autoupdate", "--metrics", "0.0.0.0:2000",
			"--grace-period", "30s", "run", "--token-file", tokenFile}),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name: pulumi.String("cf-metrics"), ContainerPort: pulumi.Int(2000), Protocol: pulumi.String("TCP"),
		}},
		StartupProbe:   probe("/ready", 5, 24),
		ReadinessProbe: probe("/ready", 10, 3),
		LivenessProbe:  probe("/healthcheck", 10, 6),
		Resources: corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String("50m"), "memory": pulumi.String("64Mi")},
			Limits:   pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("256Mi")},
		},
		SecurityContext: &corev1.SecurityContextArgs{
			RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(65532), RunAsGroup: pulumi.Int(65532),
			ReadOnlyRootFilesystem: pulumi.Bool(true), AllowPrivilegeEscalation: pulumi.Bool(false),
			Privileged:     pulumi.Bool(false),
			Capabilities:   &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		VolumeMounts: append(corev1.VolumeMountArray{
			corev1.VolumeMountArgs{Name: pulumi.String("cloudflared-tmp"), MountPath: pulumi.String("/tmp")},
		}, volumeMounts(mounts)...),
		TerminationMessagePolicy: pulumi.String("FallbackToLogsOnError"),
	}
}

func volumeMounts(mounts []corev1.VolumeMountArgs) corev1.VolumeMountArray {
	out := make(corev1.VolumeMountArray, len(mounts))
	for i, m := range mounts {
		out[i] = m
	}
	return out
}

// TmpVolume is cloudflared's in-memory /tmp.
func TmpVolume() corev1.VolumeArgs {
	return corev1.VolumeArgs{
		Name:     pulumi.String("cloudflared-tmp"),
		EmptyDir: &corev1.EmptyDirVolumeSourceArgs{Medium: pulumi.String("Memory"), SizeLimit: pulumi.String("16Mi")},
	}
}

// TopologySpread spreads the pods selected by selector over nodes (strictly) and zones.
func TopologySpread(selector pulumi.StringMap) corev1.TopologySpreadConstraintArray {
	spread := func(key, when string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String(key), WhenUnsatisfiable: pulumi.String(when),
			LabelSelector:    &metav1.LabelSelectorArgs{MatchLabels: selector},
			MatchLabelKeys:   pulumi.StringArray{pulumi.String("pod-template-hash")},
			NodeTaintsPolicy: pulumi.String("Honor"),
		}
	}
	return corev1.TopologySpreadConstraintArray{
		spread("kubernetes.io/hostname", "DoNotSchedule"),
		spread("topology.kubernetes.io/zone", "ScheduleAnyway"),
	}
}

// DeploymentAndBudget registers "<name>-deployment" (2 replicas, surge before removing, returned) and
// "<name>-pdb" (maxUnavailable 1) with metadata meta, for the pods of spec, both with opts, the
// Deployment with deployOnly too.
func DeploymentAndBudget(ctx *pulumi.Context, name string, meta *metav1.ObjectMetaArgs, selector, podAnnotations pulumi.StringMap,
	spec corev1.PodSpecArgs, deployOnly []pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*appsv1.Deployment, error) {
	dep, err := appsv1.NewDeployment(ctx, name+"-deployment", &appsv1.DeploymentArgs{
		Metadata: meta,
		Spec: appsv1.DeploymentSpecArgs{
			Replicas:             pulumi.Int(2),
			RevisionHistoryLimit: pulumi.Int(5),
			Selector:             &metav1.LabelSelectorArgs{MatchLabels: selector},
			Strategy: &appsv1.DeploymentStrategyArgs{
				Type:          pulumi.String("RollingUpdate"),
				RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{MaxSurge: pulumi.Int(1), MaxUnavailable: pulumi.Int(0)},
			},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: meta.Labels, Annotations: podAnnotations},
				Spec:     spec,
			},
		},
	}, append(opts[:len(opts):len(opts)], deployOnly...)...)
	if err != nil {
		return nil, err
	}
	_, err = policyv1.NewPodDisruptionBudget(ctx, name+"-pdb", &policyv1.PodDisruptionBudgetArgs{
		Metadata: meta,
		Spec: policyv1.PodDisruptionBudgetSpecArgs{
			Selector:                   &metav1.LabelSelectorArgs{MatchLabels: selector},
			UnhealthyPodEvictionPolicy: pulumi.String("AlwaysAllow"),
			MaxUnavailable:             pulumi.Int(1),
		},
	}, opts...)
	return dep, err
}

// handWrittenPolicy registers the CiliumNetworkPolicy: DNS (the edge's names and Vault's), the edge,
// Vault; no ingress.
func handWrittenPolicy(ctx *pulumi.Context, p Params) error {
	vault := map[string]any{
		"toEndpoints": []any{map[string]any{"matchLabels": map[string]any{
			"k8s:io.kubernetes.pod.namespace": "vault", "k8s:app.kubernetes.io/name": "vault", "k8s:component": "server",
		}}},
		"toPorts": []any{map[string]any{"ports": []any{map[string]any{"port": "8200", "protocol": "TCP"}}}},
	}
	return CiliumPolicy(ctx, p.Name, p.Namespace, map[string]any{"k8s:app.kubernetes.io/name": p.Name, "k8s:app.kubernetes.io/instance": p.Name},
		[]string{"vault.vault.svc.cluster.local"}, []any{vault})
}

// CiliumPolicy registers "<name>-cnp", the connector's CiliumNetworkPolicy for the endpoints
// matching selector: DNS to kube-dns for the edge's names plus dnsNames, the edge on 7844, then
// egress; no ingress.
func CiliumPolicy(ctx *pulumi.Context, name, namespace string, selector map[string]any, dnsNames []string, egress []any, opts ...pulumi.ResourceOption) error {
	type m = map[string]any
	type l = []any
	names := func(hosts ...string) l {
		var out l
		for _, h := range hosts {
			out = append(out, m{"matchName": h})
		}
		return out
	}
	port := func(p, proto string) m { return m{"port": p, "protocol": proto} }
	edge := []string{"region1.v2.argotunnel.com", "region2.v2.argotunnel.com"}
	dns := append(append([]string{"_v2-origintunneld._tcp.argotunnel.com"}, edge...), "cfd-features.argotunnel.com")
	spec := m{
		"endpointSelector": m{"matchLabels": selector},
		"egress": append(l{
			m{
				"toEndpoints": l{m{"matchLabels": m{"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}},
				"toPorts":     l{m{"ports": l{port("53", "UDP"), port("53", "TCP")}, "rules": m{"dns": names(append(dns, dnsNames...)...)}}},
			},
			m{"toFQDNs": names(edge...), "toPorts": l{m{"ports": l{port("7844", "TCP"), port("7844", "UDP")}}}},
		}, egress...),
		"ingress": l{m{}},
	}
	_, err := apiextensions.NewCustomResource(ctx, name+"-cnp", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("cilium.io/v2"),
		Kind:        pulumi.String("CiliumNetworkPolicy"),
		Metadata:    metav1.ObjectMetaArgs{Namespace: pulumi.String(namespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, opts...)
	return err
}
