package workload_test

import (
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/tunnelgate/tunnelgate/internal/check"
	"github.com/tunnelgate/tunnelgate/internal/dryrun"
	"github.com/tunnelgate/tunnelgate/internal/fixtures"
	"github.com/tunnelgate/tunnelgate/internal/optcheck"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/workload"
)

const vaultTemplate = `{{- with secret \"secret/data/prod/web/cloudflared\" -}}{{ .Data.data.tunnel_token }}{{- end -}}`

const restrictedCF = `{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"privileged":false,
	"readOnlyRootFilesystem":true,"runAsGroup":65532,"runAsNonRoot":true,"runAsUser":65532,"seccompProfile":{"type":"RuntimeDefault"}}`

func TestConnectorVaultDefaults(t *testing.T) {
	res := runCase(t, "workload/ownpod-vault")
	if got, want := res.Tree(), "tunnelgate:workload:Connector edge\n"+
		"  kubernetes:apps/v1:Deployment edge-deployment\n"+
		"  kubernetes:core/v1:ServiceAccount edge-serviceaccount\n"+
		"  kubernetes:policy/v1:PodDisruptionBudget edge-pdb\n"; got != want {
		t.Fatalf("tree:\n%s\nwant:\n%s", got, want)
	}
	comp := res.Get(workload.ConnectorType, "edge")
	for _, typ := range []string{deploymentType, pdbType, saType} {
		for _, r := range res.OfType(typ) {
			if r.Parent != comp.URN {
				t.Errorf("%s parent %q, want the component", r.Name, r.Parent)
			}
		}
	}
	if d := res.Get(deploymentType, "edge-deployment"); len(d.Dependencies) == 0 || !strings.Contains(strings.Join(d.Dependencies, " "), "edge-serviceaccount") {
		t.Errorf("the Deployment must depend on the ServiceAccount it uses: %v", d.Dependencies)
	}
	labels := `{"app.kubernetes.io/component":"connector","app.kubernetes.io/instance":"edge","app.kubernetes.io/managed-by":"pulumi",
		"app.kubernetes.io/name":"cloudflared","app.kubernetes.io/part-of":"tunnelgate","app.kubernetes.io/version":"2026.8.2"}`
	selector := `{"matchLabels":{"app.kubernetes.io/instance":"edge","app.kubernetes.io/name":"cloudflared"}}`

	sa := inputs(t, res, saType, "edge-serviceaccount")
	eqJSON(t, "serviceaccount", sa, `{"apiVersion":"v1","kind":"ServiceAccount","automountServiceAccountToken":false,
		"metadata":{"name":"cloudflared-edge","namespace":"apps","labels":`+labels+`}}`)

	pdb := inputs(t, res, pdbType, "edge-pdb")
	eqJSON(t, "pdb", pdb, `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget",
		"metadata":{"name":"edge","namespace":"apps","labels":`+labels+`},
		"spec":{"maxUnavailable":1,"selector":`+selector+`,"unhealthyPodEvictionPolicy":"AlwaysAllow"}}`)

	d := inputs(t, res, deploymentType, "edge-deployment")
	eqJSON(t, "deployment metadata", d["metadata"], `{"name":"edge","namespace":"apps","labels":`+labels+`}`)
	spec := d["spec"].(map[string]any)
	eqJSON(t, "deployment strategy", []any{spec["replicas"], spec["revisionHistoryLimit"], spec["selector"], spec["strategy"]},
		`[2,5,`+selector+`,{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}]`)

	meta, pod := podTemplate(t, res, "edge-deployment")
	eqJSON(t, "pod labels", meta["labels"], labels)
	eqJSON(t, "pod annotations", meta["annotations"], `{
		"tunnelgate.dev/tunnel-id":"`+fixtures.WorkloadTunnelID+`",
		"vault.hashicorp.com/agent-init-first":"true",
		"vault.hashicorp.com/agent-inject":"true",
		"vault.hashicorp.com/agent-inject-containers":"cloudflared",
		"vault.hashicorp.com/agent-inject-file-tunnel-token":"tunnel-token",
		"vault.hashicorp.com/agent-inject-perms-tunnel-token":"0440",
		"vault.hashicorp.com/agent-inject-secret-tunnel-token":"secret/data/prod/web/cloudflared",
		"vault.hashicorp.com/agent-inject-template-tunnel-token":"`+vaultTemplate+`",
		"vault.hashicorp.com/agent-pre-populate-only":"true",
		"vault.hashicorp.com/agent-run-as-group":"65532",
		"vault.hashicorp.com/agent-service-account-token-volume-name":"vault-sa-token",
		"vault.hashicorp.com/auth-path":"auth/kubernetes",
		"vault.hashicorp.com/error-on-missing-key-tunnel-token":"true",
		"vault.hashicorp.com/role":"cloudflared",
		"vault.hashicorp.com/secret-volume-path":"/vault/secrets",
		"vault.hashicorp.com/tls-skip-verify":"false"}`)
	eqJSON(t, "pod spec", pod, `{
		"automountServiceAccountToken":false,
		"enableServiceLinks":false,
		"serviceAccountName":"cloudflared-edge",
		"terminationGracePeriodSeconds":45,
		"securityContext":{"runAsGroup":65532,"runAsNonRoot":true,"runAsUser":65532,"seccompProfile":{"type":"RuntimeDefault"}},
		"topologySpreadConstraints":[
			{"labelSelector":`+selector+`,"matchLabelKeys":["pod-template-hash"],"maxSkew":1,"nodeTaintsPolicy":"Honor",
			 "topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"DoNotSchedule"},
			{"labelSelector":`+selector+`,"matchLabelKeys":["pod-template-hash"],"maxSkew":1,"nodeTaintsPolicy":"Honor",
			 "topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}],
		"volumes":[
			{"name":"cloudflared-tmp","emptyDir":{"medium":"Memory","sizeLimit":"16Mi"}},
			{"name":"vault-sa-token","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3600,"path":"token"}}]}}],
		"containers":[{
			"name":"cloudflared",
			"image":"cloudflare/cloudflared:2026.8.2",
			"imagePullPolicy":"IfNotPresent",
			"args":["tunnel","--no-autoupdate","--metrics","0.0.0.0:2000","--grace-period","30s","run","--token-file","/vault/secrets/tunnel-token"],
			"ports":[{"containerPort":2000,"name":"cf-metrics","protocol":"TCP"}],
			"startupProbe":{"httpGet":{"path":"/ready","port":2000},"periodSeconds":5,"timeoutSeconds":3,"failureThreshold":24},
			"readinessProbe":{"httpGet":{"path":"/ready","port":2000},"periodSeconds":10,"timeoutSeconds":3,"failureThreshold":3},
			"livenessProbe":{"httpGet":{"path":"/healthcheck","port":2000},"periodSeconds":10,"timeoutSeconds":3,"failureThreshold":6},
			"resources":{"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
			"securityContext":`+restrictedCF+`,
			"terminationMessagePolicy":"FallbackToLogsOnError",
			"volumeMounts":[{"mountPath":"/tmp","name":"cloudflared-tmp"}]}]}`)
}

func TestConnectorSecretSource(t *testing.T) {
	res := runCase(t, "workload/ownpod-secret")
	secretName := objectName(t, res, "kubernetes:core/v1:Secret", "edge-token")
	meta, pod := podTemplate(t, res, "edge-plain-deployment")
	eqJSON(t, "pod annotations", meta["annotations"], `{"tunnelgate.dev/tunnel-id":"`+fixtures.WorkloadTunnelID+`"}`)
	eqJSON(t, "volumes", pod["volumes"], `[
		{"name":"cloudflared-tmp","emptyDir":{"medium":"Memory","sizeLimit":"16Mi"}},
		{"name":"cloudflared-token","secret":{"secretName":"`+secretName+`","defaultMode":292,"optional":false,
		 "items":[{"key":"tunnel_token","path":"token"}]}}]`)
	c := containerNamed(t, pod, "cloudflared")
	eqJSON(t, "mounts", c["volumeMounts"], `[{"mountPath":"/tmp","name":"cloudflared-tmp"},
		{"mountPath":"/etc/cloudflared/token","name":"cloudflared-token","readOnly":true}]`)
	eqJSON(t, "args", c["args"], `["tunnel","--no-autoupdate","--metrics","0.0.0.0:2000","--grace-period","30s","run","--token-file","/etc/cloudflared/token/token"]`)
	if _, ok := pod["serviceAccountName"]; ok || pod["automountServiceAccountToken"] != false {
		t.Errorf("no service account requested: %v %v", pod["serviceAccountName"], pod["automountServiceAccountToken"])
	}
	if leaks := res.SecretLeaks(fixtures.WorkloadFakeToken); len(leaks) != 0 {
		t.Errorf("token leaks: %v", leaks)
	}
	if res.Get(pdbType, "edge-plain-pdb") == nil || res.Get(saType, "edge-plain-serviceaccount") != nil {
		t.Errorf("want a PDB and no ServiceAccount:\n%s", res.Tree())
	}
}

func TestConnectorCustomised(t *testing.T) {
	res := runCase(t, "workload/ownpod-custom")
	labels := `{"app.kubernetes.io/component":"connector","app.kubernetes.io/instance":"cloudflared","app.kubernetes.io/managed-by":"pulumi",
		"app.kubernetes.io/name":"cloudflared","app.kubernetes.io/part-of":"tunnelgate","app.kubernetes.io/version":"2026.8.2",
		"team":"web","cost-center":"edge"}`
	selector := `{"matchLabels":{"app.kubernetes.io/instance":"cloudflared","app.kubernetes.io/name":"cloudflared"}}`
	d := inputs(t, res, deploymentType, "edge-custom-deployment")
	eqJSON(t, "metadata", d["metadata"], `{"name":"cloudflared","namespace":"apps","labels":`+labels+`,"annotations":{"example.com/owner":"platform"}}`)
	if at(t, d, "spec", "replicas") != 3.0 {
		t.Errorf("replicas %v", at(t, d, "spec", "replicas"))
	}
	eqJSON(t, "pdb spec", inputs(t, res, pdbType, "edge-custom-pdb")["spec"],
		`{"minAvailable":2,"selector":`+selector+`,"unhealthyPodEvictionPolicy":"AlwaysAllow"}`)
	eqJSON(t, "serviceaccount metadata", inputs(t, res, saType, "edge-custom-serviceaccount")["metadata"],
		`{"name":"cloudflared-custom","namespace":"apps","labels":`+labels+`,"annotations":{"example.com/vault-role":"cloudflared"}}`)

	meta, pod := podTemplate(t, res, "edge-custom-deployment")
	ann := meta["annotations"].(map[string]any)
	for k, want := range map[string]string{
		"vault.hashicorp.com/agent-pre-populate-only": "false",
		"vault.hashicorp.com/namespace":               "team-web",
		"vault.hashicorp.com/service":                 "https://vault.vault.svc:8200",
		"vault.hashicorp.com/tls-secret":              "vault-tls",
		"vault.hashicorp.com/ca-cert":                 "/vault/tls/ca.crt",
		"vault.hashicorp.com/tls-server-name":         "vault.vault.svc",
		"vault.hashicorp.com/tls-skip-verify":         "false",
		"vault.hashicorp.com/agent-limits-mem":        "64Mi",
	} {
		if ann[k] != want {
			t.Errorf("annotation %s = %v, want %q", k, ann[k], want)
		}
	}
	eqJSON(t, "pod placement", []any{pod["nodeSelector"], pod["tolerations"], pod["priorityClassName"], pod["serviceAccountName"], pod["terminationGracePeriodSeconds"]},
		`[{"kubernetes.io/os":"linux"},
		  [{"key":"dedicated","operator":"Equal","value":"edge","effect":"NoSchedule"},
		   {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":30}],
		  "tunnel-critical","cloudflared-custom",75]`)
	if got := at(t, pod, "topologySpreadConstraints", 0, "whenUnsatisfiable"); got != "ScheduleAnyway" {
		t.Errorf("node spread %v", got)
	}
	var vol map[string]any
	for _, v := range pod["volumes"].([]any) {
		if v.(map[string]any)["name"] == "vault-sa-token" {
			vol = v.(map[string]any)
		}
	}
	eqJSON(t, "projected token", vol, `{"name":"vault-sa-token","projected":{"sources":[{"serviceAccountToken":{"audience":"vault","expirationSeconds":3600,"path":"token"}}]}}`)
	c := containerNamed(t, pod, "cloudflared")
	eqJSON(t, "container", []any{c["image"], c["args"], c["ports"], c["resources"], at(t, c, "livenessProbe", "httpGet", "port")},
		`["docker.io/cloudflare/cloudflared:2026.8.2",
		  ["tunnel","--no-autoupdate","--metrics","0.0.0.0:9090","--protocol","http2","--loglevel","warn","--region","us",
		   "--grace-period","60s","run","--token-file","/vault/secrets/tunnel-token"],
		  [{"containerPort":9090,"name":"cf-metrics","protocol":"TCP"}],
		  {"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"512Mi"}},9090]`)
	if res.Get("kubernetes:scheduling.k8s.io/v1:PriorityClass", "tunnel-critical") == nil {
		t.Error("the customised case creates its PriorityClass")
	}
}

// TestConnectorOutputs checks the plain data the network package and the root package compose with.
func TestConnectorOutputs(t *testing.T) {
	var comp *workload.Connector
	var namespace string
	res := run(t, func(ctx *pulumi.Context) error {
		var err error
		comp, err = workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace:   pulumi.String("apps"),
			Token:       workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
			Cloudflared: &workload.Cloudflared{MetricsPort: 9100},
			Pods:        &workload.Pods{Replicas: intp(1)},
		})
		if err == nil {
			comp.Namespace.ApplyT(func(ns string) string { namespace = ns; return ns })
		}
		return err
	})
	if namespace != "apps" {
		t.Errorf("Namespace output %q, want apps (from the Deployment's metadata)", namespace)
	}
	eqJSON(t, "selector", comp.SelectorLabels, `{"app.kubernetes.io/instance":"edge","app.kubernetes.io/name":"cloudflared"}`)
	if comp.MetricsPort != 9100 || comp.PodDisruptionBudget != nil || comp.ServiceAccount != nil || comp.Deployment == nil {
		t.Errorf("outputs: %+v", comp)
	}
	if res.Get(pdbType, "edge-pdb") != nil {
		t.Error("no PodDisruptionBudget with one replica")
	}
	if _, pod := podTemplate(t, res, "edge-deployment"); at(t, pod, "containers", 0, "ports", 0, "containerPort") != 9100.0 {
		t.Errorf("metrics port not applied: %v", pod["containers"])
	}
}

// TestTunnelIDRollsPods: a new tunnel id changes the pod template (a roll); the same id does not.
func TestTunnelIDRollsPods(t *testing.T) {
	template := func(id string) string {
		res := run(t, func(ctx *pulumi.Context) error {
			_, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
				Namespace: pulumi.String("apps"), TunnelID: pulumi.String(id),
				Token: workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}},
			})
			return err
		})
		meta, spec := podTemplate(t, res, "edge-deployment")
		return mustJSON(meta) + mustJSON(spec)
	}
	a, a2, b := template("id-a"), template("id-a"), template("id-b")
	if a != a2 || a == b || !strings.Contains(b, `"tunnelgate.dev/tunnel-id":"id-b"`) {
		t.Errorf("pod template must change with the tunnel id only:\n%s\n%s", a, b)
	}
}

// TestGenerationNamesTheDeployment: a generation names the Deployment "<pods.name>-<generation>" (so that
// a new one is a new Deployment next to the old); the PodDisruptionBudget, the selector and the labels keep
// pods.name, covering the pods of every generation.
func TestGenerationNamesTheDeployment(t *testing.T) {
	gen := func(g string) (dep, pdb map[string]any) {
		res := run(t, func(ctx *pulumi.Context) error {
			_, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
				Namespace: pulumi.String("apps"), TunnelID: pulumi.String("id-" + g), Generation: g,
				Token: workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok")}},
				Pods:  &workload.Pods{Name: "cf"},
			})
			return err
		})
		return dryrun.Plain(res.Must(t, deploymentType, "edge-deployment").Inputs), dryrun.Plain(res.Must(t, pdbType, "edge-pdb").Inputs)
	}
	dep0, pdb0 := gen("")
	dep2, pdb2 := gen("2026-11")
	if at(t, dep0, "metadata", "name") != "cf" || at(t, dep2, "metadata", "name") != "cf-2026-11" {
		t.Errorf("Deployment names %v, %v; want cf, cf-2026-11", at(t, dep0, "metadata", "name"), at(t, dep2, "metadata", "name"))
	}
	if workload.DeploymentName("cf", "") != "cf" || workload.DeploymentName("cf", "r2") != "cf-r2" {
		t.Error("DeploymentName")
	}
	eqJSON(t, "selector", at(t, dep2, "spec", "selector"), mustJSON(at(t, dep0, "spec", "selector")))
	eqJSON(t, "labels", at(t, dep2, "metadata", "labels"), mustJSON(at(t, dep0, "metadata", "labels")))
	eqJSON(t, "pod labels", at(t, dep2, "spec", "template", "metadata", "labels"), mustJSON(at(t, dep0, "spec", "template", "metadata", "labels")))
	eqJSON(t, "pdb", pdb2, mustJSON(pdb0))
	if at(t, pdb0, "metadata", "name") != "cf" {
		t.Errorf("PodDisruptionBudget %v, want cf", at(t, pdb0, "metadata", "name"))
	}
}

// TestVaultAnnotationsEveryField: every VaultToken field reaches its injector annotation.
func TestVaultAnnotationsEveryField(t *testing.T) {
	v := workload.VaultToken{Agent: workload.VaultAgent{Role: "edge", AuthPath: "auth/k8s-prod", Address: "https://vault.example.com:8200", CACert: "/etc/ssl/vault-ca.pem", TLSServerName: "vault.example.com", AgentImage: "hashicorp/vault:1.20.4", LongRunning: true}, Secret: vaultkv.Location{Mount: "kv", Path: "team/edge", TokenKey: "token", Namespace: "team"}}
	eqJSON(t, "annotations", v.Annotations(), `{
		"vault.hashicorp.com/agent-inject":"true",
		"vault.hashicorp.com/role":"edge",
		"vault.hashicorp.com/auth-path":"auth/k8s-prod",
		"vault.hashicorp.com/agent-init-first":"true",
		"vault.hashicorp.com/agent-pre-populate-only":"false",
		"vault.hashicorp.com/agent-inject-containers":"cloudflared",
		"vault.hashicorp.com/secret-volume-path":"/vault/secrets",
		"vault.hashicorp.com/agent-inject-secret-tunnel-token":"kv/data/team/edge",
		"vault.hashicorp.com/agent-inject-template-tunnel-token":"{{- with secret \"kv/data/team/edge\" -}}{{ .Data.data.token }}{{- end -}}",
		"vault.hashicorp.com/agent-inject-file-tunnel-token":"tunnel-token",
		"vault.hashicorp.com/agent-inject-perms-tunnel-token":"0440",
		"vault.hashicorp.com/error-on-missing-key-tunnel-token":"true",
		"vault.hashicorp.com/agent-run-as-group":"65532",
		"vault.hashicorp.com/agent-service-account-token-volume-name":"vault-sa-token",
		"vault.hashicorp.com/tls-skip-verify":"false",
		"vault.hashicorp.com/namespace":"team",
		"vault.hashicorp.com/service":"https://vault.example.com:8200",
		"vault.hashicorp.com/ca-cert":"/etc/ssl/vault-ca.pem",
		"vault.hashicorp.com/tls-server-name":"vault.example.com",
		"vault.hashicorp.com/agent-image":"hashicorp/vault:1.20.4"}`)
	skip := workload.VaultToken{Agent: workload.VaultAgent{Role: "r", TLSSkipVerify: true}, Secret: vaultkv.Location{Path: "p"}}
	if got := skip.Annotations()["vault.hashicorp.com/tls-skip-verify"]; got != "true" {
		t.Errorf("tls-skip-verify %q", got)
	}
}

// TestExistingServiceAccount: a service account that is not created is only referenced.
func TestExistingServiceAccount(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		_, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
			Namespace: pulumi.String("apps"),
			Token:     workload.TokenSource{Vault: &workload.VaultToken{Agent: workload.VaultAgent{Role: "r"}, Secret: vaultkv.Location{Path: "p"}}},
			Pods:      &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "existing"}},
		})
		return err
	})
	if len(res.OfType(saType)) != 0 {
		t.Errorf("created a ServiceAccount:\n%s", res.Tree())
	}
	if _, pod := podTemplate(t, res, "edge-deployment"); pod["serviceAccountName"] != "existing" {
		t.Errorf("serviceAccountName %v", pod["serviceAccountName"])
	}
}

// TestOptionsReachDescendants: DependsOn, RetainOnDelete, DeletedWith, Protect, custom timeouts and the
// explicit provider given to either component reach every resource it registers.
func TestOptionsReachDescendants(t *testing.T) {
	sa := &workload.Pods{ServiceAccount: &workload.ServiceAccount{Name: "cf", Create: true}}
	written := workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("tok"), Value: pulumi.String("token")}}
	for _, tc := range []struct {
		typ      string
		register func(*pulumi.Context, []pulumi.ResourceOption) error
		want     int
	}{
		{workload.ConnectorType, func(ctx *pulumi.Context, opts []pulumi.ResourceOption) error {
			pods := *sa
			pods.Autoscaling = &workload.Autoscaling{}
			_, err := workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{
				Namespace: pulumi.String("apps"), Token: written, Pods: &pods,
				Metrics: &workload.Metrics{Monitor: workload.PodMonitor, Alerts: true},
			}, opts...)
			return err
		}, 8}, // service account, token Secret, deployment, pdb, hpa, metrics service, pod monitor, rules
		{workload.AppType, func(ctx *pulumi.Context, opts []pulumi.ResourceOption) error {
			_, err := workload.NewApp(ctx, "edge", &workload.AppArgs{
				Namespace: pulumi.String("apps"), Token: written, Pods: sa,
				Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("web"), Image: pulumi.String("web:1")}},
			}, opts...)
			return err
		}, 4}, // service account, token Secret, deployment, pdb
	} {
		t.Run(tc.typ, func(t *testing.T) {
			res := run(t, func(ctx *pulumi.Context) error {
				opts, err := optcheck.Options(ctx)
				if err != nil {
					return err
				}
				return tc.register(ctx, opts)
			})
			if n := optcheck.Check(t, res, tc.typ, "edge"); n != tc.want {
				t.Errorf("checked %d resources, want %d", n, tc.want)
			}
		})
	}
}

// TestWrittenSecret: with SecretToken.Value the component writes the Secret (child "<name>-token", the
// token a Pulumi secret, in plain text nowhere) before the Deployment that mounts it, in both layouts;
// Sidecar, which registers nothing, refuses it.
func TestWrittenSecret(t *testing.T) {
	const token = "eyJhIjoiYWNjb3VudCIsInQiOiJ0dW5uZWwiLCJzIjoic2VjcmV0In0="
	src := func() workload.TokenSource {
		return workload.TokenSource{Secret: &workload.SecretToken{Name: pulumi.String("edge-tunnel-token"), Value: pulumi.ToSecret(pulumi.String(token)).(pulumi.StringOutput)}}
	}
	for _, layout := range []string{"connector", "app"} {
		t.Run(layout, func(t *testing.T) {
			res := run(t, func(ctx *pulumi.Context) error {
				var err error
				if layout == "connector" {
					_, err = workload.NewConnector(ctx, "edge", &workload.ConnectorArgs{Namespace: pulumi.String("apps"), Token: src()})
				} else {
					_, err = workload.NewApp(ctx, "edge", &workload.AppArgs{Namespace: pulumi.String("apps"), Token: src(), Containers: corev1.ContainerArray{
						corev1.ContainerArgs{Name: pulumi.String("app"), Image: pulumi.String("ghcr.io/example/app:1.0")},
					}})
				}
				return err
			})
			sec := res.Must(t, "kubernetes:core/v1:Secret", "edge-token")
			in := dryrun.Plain(sec.Inputs)
			eqJSON(t, "secret", map[string]any{"name": at(t, in, "metadata", "name"), "namespace": at(t, in, "metadata", "namespace"),
				"type": in["type"], "stringData": in["stringData"]},
				`{"name":"edge-tunnel-token","namespace":"apps","type":"Opaque","stringData":{"tunnel_token":"`+token+`"}}`)
			if !sec.Inputs["stringData"].ContainsSecrets() {
				t.Error("the token is not a Pulumi secret")
			}
			dep := res.Must(t, deploymentType, "edge-deployment")
			if !strings.Contains(strings.Join(dep.Dependencies, " "), sec.URN) {
				t.Errorf("the Deployment does not wait for the Secret: %v", dep.Dependencies)
			}
			if leaks := res.SecretLeaks(token); len(leaks) != 0 {
				t.Errorf("token leaks: %v", leaks)
			}
		})
	}
	_, err := workload.Sidecar(workload.SidecarArgs{Token: src()})
	if fe := check.Fields(err); len(fe) != 1 || fe[0].Field != "token.secret.value" {
		t.Errorf("Sidecar with a value: %v", err)
	}
}
