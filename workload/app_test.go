package workload_test

import (
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/fixtures"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

const hardenedApp = `{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}`

func TestAppSidecarVault(t *testing.T) {
	res := runCase(t, "workload/sidecar-vault")
	if got, want := res.Tree(), "tunnelgate:workload:App web\n"+
		"  kubernetes:apps/v1:Deployment web-deployment\n"+
		"  kubernetes:core/v1:ServiceAccount web-serviceaccount\n"+
		"  kubernetes:policy/v1:PodDisruptionBudget web-pdb\n"; got != want {
		t.Fatalf("tree:\n%s", got)
	}
	selector := `{"matchLabels":{"app.kubernetes.io/instance":"web","app.kubernetes.io/name":"web"}}`
	d := inputs(t, res, deploymentType, "web-deployment")
	eqJSON(t, "selector", at(t, d, "spec", "selector"), selector)
	eqJSON(t, "labels", at(t, d, "metadata", "labels"), `{"app.kubernetes.io/instance":"web","app.kubernetes.io/managed-by":"pulumi",
		"app.kubernetes.io/name":"web","app.kubernetes.io/part-of":"tunnelgate"}`)
	meta, pod := podTemplate(t, res, "web-deployment")
	ann := meta["annotations"].(map[string]any)
	if ann["vault.hashicorp.com/agent-inject-containers"] != "cloudflared" || ann["tunnelgate.dev/tunnel-id"] != fixtures.WorkloadTunnelID ||
		ann["vault.hashicorp.com/agent-inject-template-tunnel-token"] != fixtures.WorkloadVault.Template() {
		t.Errorf("pod annotations: %v", ann)
	}
	eqJSON(t, "pod-level", []any{pod["automountServiceAccountToken"], pod["terminationGracePeriodSeconds"], pod["securityContext"], pod["serviceAccountName"], len(pod["topologySpreadConstraints"].([]any))},
		`[false,45,{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"web",2]`)
	eqJSON(t, "app container", containerNamed(t, pod, "web"), `{"name":"web","image":"nginxinc/nginx-unprivileged:1.29.1",
		"ports":[{"containerPort":8080,"name":"http"}],"securityContext":`+hardenedApp+`}`)
	if names := []any{at(t, pod, "containers", 0, "name"), at(t, pod, "containers", 1, "name")}; names[0] != "web" || names[1] != "cloudflared" {
		t.Errorf("container order %v", names)
	}
	cf := containerNamed(t, pod, "cloudflared")
	eqJSON(t, "cloudflared security", cf["securityContext"], restrictedCF)
	eqJSON(t, "volumes", pod["volumes"], `[{"name":"cloudflared-tmp","emptyDir":{"medium":"Memory","sizeLimit":"16Mi"}},
		{"name":"vault-sa-token","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3600,"path":"token"}}]}}]`)
	eqJSON(t, "pdb", at(t, inputs(t, res, pdbType, "web-pdb"), "spec"), `{"maxUnavailable":1,"selector":`+selector+`,"unhealthyPodEvictionPolicy":"AlwaysAllow"}`)
}

func TestAppSidecarSecretFromPodSpec(t *testing.T) {
	res := runCase(t, "workload/sidecar-secret")
	secretName := objectName(t, res, "kubernetes:core/v1:Secret", "web-plain-token")
	_, pod := podTemplate(t, res, "web-plain-deployment")
	eqJSON(t, "volumes", pod["volumes"], `[{"name":"cache","emptyDir":{}},
		{"name":"cloudflared-tmp","emptyDir":{"medium":"Memory","sizeLimit":"16Mi"}},
		{"name":"cloudflared-token","secret":{"secretName":"`+secretName+`","defaultMode":292,"optional":false,"items":[{"key":"tunnel_token","path":"token"}]}}]`)
	if res.Get(pdbType, "web-plain-pdb") != nil {
		t.Error("one replica: no PodDisruptionBudget")
	}
	if leaks := res.SecretLeaks(fixtures.WorkloadFakeToken); len(leaks) != 0 {
		t.Errorf("token leaks: %v", leaks)
	}
}

// TestSidecarParts: the pure function gives the same container as the components, and PodSpec keeps
// the app's explicit choices while hardening what it leaves unset.
func TestSidecarParts(t *testing.T) {
	parts, err := workload.Sidecar(workload.SidecarArgs{
		TunnelID: pulumi.String("tid"),
		Token:    workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("cf-token"), Key: "token"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if parts.MetricsPort != 2000 || parts.TerminationGracePeriodSeconds != 45 ||
		strings.Join(parts.VolumeNames, ",") != "cloudflared-tmp,cloudflared-token" || len(parts.Volumes) != 2 {
		t.Errorf("parts: %+v", parts)
	}
	yes, grace := true, 120
	res := run(t, func(ctx *pulumi.Context) error {
		_, err := corev1.NewPod(ctx, "mine", &corev1.PodArgs{
			Spec: parts.PodSpec(corev1.PodSpecArgs{
				AutomountServiceAccountToken:  pulumi.Bool(yes),
				TerminationGracePeriodSeconds: pulumi.Int(grace),
				SecurityContext:               &corev1.PodSecurityContextArgs{RunAsUser: pulumi.Int(1000), FsGroup: pulumi.Int(2000)},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name: pulumi.String("api"), Image: pulumi.String("example/api:1"),
					SecurityContext: &corev1.SecurityContextArgs{Capabilities: &corev1.CapabilitiesArgs{
						Add: pulumi.StringArray{pulumi.String("NET_BIND_SERVICE")}, Drop: pulumi.StringArray{pulumi.String("NET_RAW")}}},
				}},
			}).ToPodSpecPtrOutput(),
		})
		return err
	})
	spec := inputs(t, res, "kubernetes:core/v1:Pod", "mine")["spec"].(map[string]any)
	eqJSON(t, "merged", []any{spec["automountServiceAccountToken"], spec["terminationGracePeriodSeconds"], spec["securityContext"], at(t, spec, "containers", 0, "securityContext")},
		`[true,120,{"runAsUser":1000,"fsGroup":2000,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
		  {"allowPrivilegeEscalation":false,"capabilities":{"add":["NET_BIND_SERVICE"],"drop":["NET_RAW","ALL"]}}]`)
	eqJSON(t, "secret items", at(t, spec, "volumes", 1, "secret"), `{"secretName":"cf-token","defaultMode":292,"optional":false,"items":[{"key":"token","path":"token"}]}`)
	if at(t, spec, "containers", 1, "name") != "cloudflared" || len(spec["volumes"].([]any)) != 2 {
		t.Errorf("parts not merged: %v", spec)
	}
	if _, err := workload.Sidecar(workload.SidecarArgs{}); err == nil || !strings.HasPrefix(err.Error(), workload.SidecarType+": invalid arguments") {
		t.Errorf("no token source: %v", err)
	}
}

// TestAppRejectsAtApply: app settings that are outputs, or that break the restricted standard, fail the
// Deployment with a field error once known.
func TestAppRejectsAtApply(t *testing.T) {
	for _, c := range []struct {
		name      string
		container corev1.ContainerArgs
		spec      func(*corev1.PodSpecArgs)
		field     string
	}{
		{"metrics port from an output", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(2000).ToIntOutput()}}}, nil, "podSpec.containers[0].ports[0].containerPort"},
		{"privileged app", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			SecurityContext: &corev1.SecurityContextArgs{Privileged: pulumi.Bool(true)}}, nil, "podSpec.containers[0].securityContext.privileged"},
		{"app as root", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			SecurityContext: &corev1.SecurityContextArgs{RunAsUser: pulumi.Int(0)}}, nil, "podSpec.containers[0].securityContext.runAsUser"},
		{"added capability", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			SecurityContext: &corev1.SecurityContextArgs{Capabilities: &corev1.CapabilitiesArgs{Add: pulumi.StringArray{pulumi.String("SYS_ADMIN")}}}}, nil, "podSpec.containers[0].securityContext.capabilities.add"},
		{"host network", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1")},
			func(s *corev1.PodSpecArgs) { s.HostNetwork = pulumi.Bool(true) }, "podSpec.hostNetwork"},
		{"hostPath volume", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1")},
			func(s *corev1.PodSpecArgs) {
				s.Volumes = corev1.VolumeArray{corev1.VolumeArgs{Name: pulumi.String("h"), HostPath: &corev1.HostPathVolumeSourceArgs{Path: pulumi.String("/")}}}
			}, "podSpec.volumes[0].name"},
		{"reserved volume name", corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1")},
			func(s *corev1.PodSpecArgs) {
				s.Volumes = corev1.VolumeArray{corev1.VolumeArgs{Name: pulumi.String("vault-secrets"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}}}
			}, "podSpec.volumes[0].name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := &corev1.PodSpecArgs{Containers: corev1.ContainerArray{c.container}}
			if c.spec != nil {
				c.spec(spec)
			}
			_, err := dryrun.Run(func(ctx *pulumi.Context) error {
				_, err := workload.NewApp(ctx, "api", &workload.AppArgs{
					Namespace: pulumi.String("apps"), PodSpec: spec,
					Token: workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
				})
				return err
			})
			if err == nil || !strings.Contains(err.Error(), workload.AppType) || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("got %v, want an error naming %s", err, c.field)
			}
		})
	}
}

// TestAppLiteralAndOutputSpecsAgree: a literal app spec is merged at construction and one holding outputs
// in an apply; both give the same pod spec.
func TestAppLiteralAndOutputSpecsAgree(t *testing.T) {
	grace, no := 10, true
	for _, c := range []struct {
		name string
		spec func(image pulumi.StringInput) *corev1.PodSpecArgs
	}{
		{"one container", func(image pulumi.StringInput) *corev1.PodSpecArgs {
			return &corev1.PodSpecArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("api"), Image: image,
				Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(8080), Name: pulumi.String("http")}}}}}
		}},
		{"init containers, volumes, short grace, automount", func(image pulumi.StringInput) *corev1.PodSpecArgs {
			return &corev1.PodSpecArgs{
				InitContainers:                corev1.ContainerArray{&corev1.ContainerArgs{Name: pulumi.String("migrate"), Image: pulumi.String("m:1")}},
				Containers:                    corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("api"), Image: image}},
				Volumes:                       corev1.VolumeArray{corev1.VolumeArgs{Name: pulumi.String("cache"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}}},
				TerminationGracePeriodSeconds: pulumi.Int(grace),
				AutomountServiceAccountToken:  pulumi.Bool(no),
				NodeSelector:                  pulumi.StringMap{"pool": pulumi.String("apps")},
			}
		}},
		{"probe with a named port (an Any)", func(image pulumi.StringInput) *corev1.PodSpecArgs {
			return &corev1.PodSpecArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("api"), Image: image,
				ReadinessProbe: &corev1.ProbeArgs{HttpGet: &corev1.HTTPGetActionArgs{Path: pulumi.String("/"), Port: pulumi.String("http")}}}}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pod := func(in corev1.PodSpecPtrInput) string {
				res := run(t, func(ctx *pulumi.Context) error {
					_, err := workload.NewApp(ctx, "api", &workload.AppArgs{
						Namespace: pulumi.String("apps"), PodSpec: in, Pods: &workload.Pods{
							Tolerations: []workload.Toleration{{Key: "dedicated", Value: "apps", Effect: "NoSchedule"}}, PriorityClassName: "high",
						},
						Token: workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
					})
					return err
				})
				_, spec := podTemplate(t, res, "api-deployment")
				return mustJSON(spec)
			}
			literal := pod(c.spec(pulumi.String("example/api:1")))
			for form, spec := range map[string]corev1.PodSpecPtrInput{
				"spec with an output":    c.spec(pulumi.String("example/api:1").ToStringOutput()),
				"spec that is an output": c.spec(pulumi.String("example/api:1")).ToPodSpecPtrOutput(),
			} {
				if got := pod(spec); got != literal {
					t.Errorf("literal spec:\n  %s\n%s:\n  %s", literal, form, got)
				}
			}
			if !strings.Contains(literal, `"securityContext":`+hardenedApp) || !strings.Contains(literal, `"name":"cloudflared"`) {
				t.Errorf("not hardened or merged: %s", literal)
			}
		})
	}
}

// TestAppLiteralSpecCheckedBeforeRegistration: a literal spec that breaks the restricted standard is an
// error of Validate (and so of NewApp before anything is registered), not only of the apply.
func TestAppLiteralSpecCheckedBeforeRegistration(t *testing.T) {
	args := &workload.AppArgs{
		Namespace: pulumi.String("apps"),
		PodSpec: &corev1.PodSpecArgs{HostNetwork: pulumi.Bool(true), Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(80), HostPort: pulumi.Int(80)}},
		}}},
		Token: workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
	}
	err := args.Validate()
	for _, field := range []string{"podSpec.hostNetwork", "podSpec.containers[0].ports[0].hostPort"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate: %v, want an error naming %s", err, field)
		}
	}
}

// TestAppOutputs: containers and pod specs that are outputs as a whole (what a program in another
// language may pass) give the same Deployment as literals, and their mistakes fail it with a field
// error once known; an empty literal list is an error before anything is registered.
func TestAppOutputs(t *testing.T) {
	token := workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}}
	api := corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("example/api:1")}}
	app := func(a *workload.AppArgs) (string, error) {
		a.Namespace, a.Token = pulumi.String("apps"), token
		var spec string
		res, err := dryrun.Run(func(ctx *pulumi.Context) error {
			_, err := workload.NewApp(ctx, "api", a)
			return err
		})
		if err == nil {
			_, pod := podTemplate(t, res, "api-deployment")
			spec = mustJSON(pod)
		}
		return spec, err
	}
	literal, err := app(&workload.AppArgs{Containers: api})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := app(&workload.AppArgs{Containers: api.ToContainerArrayOutput()}); err != nil || got != literal {
		t.Errorf("containers as an output: %v\n  %s\nwant\n  %s", err, got, literal)
	}
	for _, c := range []struct {
		name  string
		args  workload.AppArgs
		field string
	}{
		{"empty containers output", workload.AppArgs{Containers: corev1.ContainerArray{}.ToContainerArrayOutput()}, "containers"},
		{"pod spec output without containers", workload.AppArgs{PodSpec: corev1.PodSpecArgs{NodeSelector: pulumi.StringMap{}}.ToPodSpecPtrOutput()}, "podSpec.containers"},
		{"pod spec output of none", workload.AppArgs{PodSpec: corev1.PodSpecPtr(nil).ToPodSpecPtrOutput()}, "podSpec"},
		{"node selector in both", workload.AppArgs{
			PodSpec: corev1.PodSpecArgs{Containers: api, NodeSelector: pulumi.StringMap{"a": pulumi.String("b")}}.ToPodSpecPtrOutput(),
			Pods:    &workload.Pods{NodeSelector: map[string]string{"c": "d"}},
		}, "pods.nodeSelector"},
		{"privileged, from an output", workload.AppArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("api"), Image: pulumi.String("a:1"),
			SecurityContext: &corev1.SecurityContextArgs{Privileged: pulumi.Bool(true)}}}.ToContainerArrayOutput()}, "containers[0].securityContext.privileged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.args.Namespace, c.args.Token = pulumi.String("apps"), token
			if err := c.args.Validate(); err != nil {
				t.Fatalf("Validate: %v; an output is checked once known", err)
			}
			if _, err := app(&c.args); err == nil || !strings.Contains(err.Error(), workload.AppType) || !names(err, c.field) {
				t.Errorf("got %v, want an error naming %s", err, c.field)
			}
		})
	}
	for _, c := range []struct {
		name  string
		args  workload.AppArgs
		field string
	}{
		{"empty containers", workload.AppArgs{Containers: corev1.ContainerArray{}}, "containers"},
		{"pod spec with empty containers", workload.AppArgs{PodSpec: &corev1.PodSpecArgs{Containers: corev1.ContainerArray{}}}, "podSpec.containers"},
		{"nil containers and nil pod spec", workload.AppArgs{Containers: corev1.ContainerArray(nil), PodSpec: (*corev1.PodSpecArgs)(nil)}, "containers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.args.Namespace, c.args.Token = pulumi.String("apps"), token
			if err := c.args.Validate(); !names(err, c.field) {
				t.Errorf("Validate: %v, want an error naming %s", err, c.field)
			}
		})
	}
}

// names reports whether err reports field (followed by its value or by the reason).
func names(err error, field string) bool {
	return err != nil && (strings.Contains(err.Error(), field+" ") || strings.Contains(err.Error(), field+": "))
}
