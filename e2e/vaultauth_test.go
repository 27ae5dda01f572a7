package e2e_test

// The Vault side for real (issue 14): an Ingress deployed through the real engine (Automation API,
// inline program) with the real vault plugin against a Vault dev server whose Kubernetes auth method
// reviews tokens with the local kube-apiserver, the real kubernetes plugin against that control plane
// (kwok node: the Deployment's pods exist), the real random plugin, and the real cloudflare plugin
// against the fake Cloudflare API. The program's own Vault token holds only the deployer policy the
// README documents. Then the pod template the engine created goes through the injector's code, and the
// real `vault agent` runs the derived config with its Kubernetes auto-auth unchanged but for the path of
// the service-account token, which the test requests through the TokenRequest API exactly as the
// kubelet does for the pod's projected volume (its audience and lifetime, bound to one of the pods).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	k8score "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	k8smeta "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tunnelgate/tunnelgate"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cfapi"
	"github.com/tunnelgate/tunnelgate/e2e/internal/cluster"
	"github.com/tunnelgate/tunnelgate/e2e/internal/engine"
	"github.com/tunnelgate/tunnelgate/e2e/internal/vaultdev"
	"github.com/tunnelgate/tunnelgate/tunnel"
	"github.com/tunnelgate/tunnelgate/vaultkv"
	"github.com/tunnelgate/tunnelgate/vaultrole"
	"github.com/tunnelgate/tunnelgate/workload"
)

const (
	authProject = "tunnelgate-e2e"
	authStack   = "vault-auth"
	authNS      = "edge-auth"
	authName    = "edge" // component, Deployment and service account name
	authPath    = authNS + "/edge/cloudflared"
)

// authRole is the role's default name: "<project>-<stack>-<component>".
var authRole = vaultrole.DefaultName(authProject, authStack, authName)

// deployerPolicy is the Vault policy the README gives the Pulumi program's own token: the secret it
// writes (and deletes with every version), the policy and the role it manages, and the child token the
// Vault provider makes. mount is the KV v2 mount, path the secret's path, role the role's name.
func deployerPolicy(mount, path, role string) string {
	return fmt.Sprintf(`path "%[1]s/data/%[2]s" {
  capabilities = ["create", "read", "update", "delete"]
}
path "%[1]s/metadata/%[2]s" {
  capabilities = ["read", "update", "delete"]
}
path "sys/policies/acl/%[3]s" {
  capabilities = ["create", "read", "update", "delete"]
}
path "auth/kubernetes/role/%[3]s" {
  capabilities = ["create", "read", "update", "delete"]
}
path "auth/token/create" {
  capabilities = ["update"]
}
`, mount, path, role)
}

// authProgram is the Ingress as a user writes it: its namespace, the own-pod connector, the token from
// Vault, and the Vault side with its defaults.
func authProgram(rotation string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		ns, err := k8score.NewNamespace(ctx, "namespace", &k8score.NamespaceArgs{
			Metadata: &k8smeta.ObjectMetaArgs{Name: pulumi.String(authNS)},
		})
		if err != nil {
			return err
		}
		_, err = tunnelgate.NewIngress(ctx, authName, &tunnelgate.IngressArgs{
			Tunnel: tunnel.Args{
				AccountID: pulumi.String(productAccount), ZoneID: pulumi.String(productZone),
				Routes:   []tunnel.Route{{Hostname: "auth.example.com", Service: "http://web." + authNS + ".svc.cluster.local:80"}},
				Vault:    &vaultkv.Location{Path: authPath},
				Rotation: rotation,
			},
			Namespace:            ns.Metadata.Name().Elem(),
			Connector:            &workload.Pods{},
			Token:                tunnelgate.Token{Vault: &workload.VaultAgent{}},
			DisableNetworkPolicy: true,
		})
		return err
	}
}

// authRig is what the test shares: the control plane, Vault, the fake API and the stack.
type authRig struct {
	c   *cluster.Cluster
	srv *vaultdev.Server
	cf  *cfapi.Server
	env *engine.Env
}

func TestVaultKubernetesAuth(t *testing.T) {
	start := time.Now()
	rig := &authRig{c: cluster.Start(t, cluster.Options{Workloads: true}), srv: vaultdev.Start(t), env: engine.New(t)}
	rig.cf = cfapi.Start(t, cfapi.Options{Accounts: []string{productAccount}, Zones: []cfapi.Zone{{Name: "example.com", ID: productZone}}})
	ctx := context.Background()
	rig.configureKubernetesAuth(t)
	deployer := rig.deployerToken(t)
	for _, kv := range append(rig.cf.Env(), "VAULT_ADDR="+rig.srv.Addr, "VAULT_TOKEN="+deployer, "KUBECONFIG="+rig.c.Kubeconfig) {
		k, v, _ := strings.Cut(kv, "=")
		rig.env.Vars[k] = v
	}
	t.Logf("control plane, Vault (Kubernetes auth configured), fake API: %s", time.Since(start).Round(time.Millisecond))

	stack := rig.env.Stack(ctx, t, authProject, authStack, authProgram(""))
	t.Cleanup(func() {
		if t.Failed() {
			dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			_, _ = stack.Destroy(dctx)
		}
	})
	var log strings.Builder
	// up runs an update and returns the summary and the step of each resource by type and name.
	up := func(what string, opts ...optup.Option) (map[string]int, map[string]apitype.OpType) {
		t.Helper()
		ch := make(chan events.EngineEvent)
		steps := map[string]apitype.OpType{}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range ch {
				if e.ResourcePreEvent != nil {
					m := e.ResourcePreEvent.Metadata
					steps[m.Type+" "+m.URN[strings.LastIndex(m.URN, "::")+2:]] = m.Op
				}
			}
		}()
		got, _ := upLogged(ctx, t, stack, what, append(opts, optup.EventStreams(ch))...)
		wg.Wait()
		return got, steps
	}
	// stack, namespace, Ingress, tunnel (component, secret, tunnel, config, record, Vault secret), Vault
	// role (component, policy, role), connector (component, service account, Deployment, PDB)
	const resources = 1 + 1 + 1 + 6 + 3 + 4

	// 1. up: the policy and the role, as the program's deployer token may write them.
	if got, _ := up("create"); !reflect.DeepEqual(got, map[string]int{"create": resources}) {
		t.Errorf("up: %v, want create=%d", got, resources)
	}
	rig.checkStateIDs(ctx, t, stack.Export)
	token := rig.issuedToken(t)

	// 2. The agent, configured by the injector's code from the pod template the engine created, logs in
	// with Kubernetes auth and renders the token.
	pod, login := rig.agentRenders(t, token)

	// 3. Vault refuses every other token, and the policy reads nothing else.
	rig.refusals(ctx, t, pod)
	rig.policyLimits(ctx, t, login)

	// 4. A second up changes nothing.
	if got, _ := up("unchanged", optup.ExpectNoChanges()); !reflect.DeepEqual(got, map[string]int{"same": resources}) {
		t.Errorf("second up: %v, want same=%d", got, resources)
	}

	// 5. A rotation writes the new token at the same path: policy, role and account stay as they are,
	// and the agent of the rolled pods reads the new token with the same role.
	stack.Workspace().SetProgram(authProgram("r2"))
	_, steps := up("rotation")
	for _, k := range []string{
		vaultrole.PolicyType + " " + authName + "-" + vaultrole.RolePolicy, vaultrole.AuthRoleType + " " + authName + "-" + vaultrole.RoleAuth,
		"kubernetes:core/v1:ServiceAccount " + authName + "-serviceaccount",
	} {
		if steps[k] != apitype.OpSame {
			t.Errorf("rotation: %s: %q, want same", k, steps[k])
		}
	}
	if steps["vault:kv/secretV2:SecretV2 "+authName+"-vault"] != apitype.OpUpdate {
		t.Errorf("rotation: the Vault secret was not updated in place: %v", steps)
	}
	rotated := rig.issuedToken(t)
	if rotated == token {
		t.Fatal("the rotation issued no new token: nothing to show")
	}
	rig.agentRenders(t, rotated)

	// 6. destroy removes the policy and the role (and the rest).
	log.Reset()
	begin := time.Now()
	res, err := stack.Destroy(ctx, optdestroy.ProgressStreams(&log))
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, log.String())
	}
	if got := changes(res.Summary.ResourceChanges); !reflect.DeepEqual(got, map[string]int{"delete": resources}) {
		t.Errorf("destroy: %v, want delete=%d", got, resources)
	}
	t.Logf("destroy in %s", time.Since(begin).Round(time.Millisecond))
	if policy, err := rig.srv.Client.Sys().GetPolicy(authRole); err != nil || policy != "" {
		t.Errorf("policy %s after destroy: %q (%v)", authRole, policy, err)
	}
	if got, err := rig.srv.Client.Logical().Read("auth/kubernetes/role/" + authRole); err != nil || got != nil {
		t.Errorf("role %s after destroy: %v (%v)", authRole, got, err)
	}
	t.Logf("whole test: %s", time.Since(start).Round(time.Millisecond))
}

// configureKubernetesAuth makes Vault review tokens with the cluster's API server, as a reviewer
// service account bound to system:auth-delegator (what a Vault outside the cluster needs).
func (rig *authRig) configureKubernetesAuth(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	k := rig.c.Client
	const ns, name = "kube-system", "vault-token-reviewer"
	if _, err := k.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:auth-delegator"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	jwt := requestToken(t, rig.c, ns, name, nil, 3600, nil)
	rig.srv.ConfigureKubernetesAuth(t, rig.c.Server, rig.c.CAPEM, jwt)
}

// deployerToken is a Vault token with only deployerPolicy (and Vault's default policy): what the
// Pulumi program runs with.
func (rig *authRig) deployerToken(t *testing.T) string {
	t.Helper()
	c := rig.srv.Client
	if err := c.Sys().PutPolicy("tunnelgate-deployer", deployerPolicy("secret", authPath, authRole)); err != nil {
		t.Fatal(err)
	}
	sec, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"tunnelgate-deployer"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	return sec.Auth.ClientToken
}

// requestToken asks the TokenRequest API for a token of the service account ns/name with audiences
// (nil: the API server's), lifetime seconds, bound to pod when given, as the kubelet does for a
// projected service-account token volume.
func requestToken(t *testing.T, c *cluster.Cluster, ns, name string, audiences []string, seconds int64, pod *corev1.Pod) string {
	t.Helper()
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: audiences, ExpirationSeconds: &seconds}}
	if pod != nil {
		req.Spec.BoundObjectRef = &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID}
	}
	res, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), name, req, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", ns, name, err)
	}
	return res.Status.Token
}

// checkStateIDs: the real vault plugin gives the policy and the role the ids internal/dryrun's mocks
// give them (the policy's name; "auth/kubernetes/role/<name>").
func (rig *authRig) checkStateIDs(ctx context.Context, t *testing.T, export func(context.Context) (apitype.UntypedDeployment, error)) {
	t.Helper()
	dep, err := export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{vaultrole.PolicyType: authRole, vaultrole.AuthRoleType: "auth/kubernetes/role/" + authRole}
	for _, r := range state.Resources {
		if id, ok := want[string(r.Type)]; ok {
			if string(r.ID) != id {
				t.Errorf("%s: id %q in the state, want %q (the mocks' answer)", r.Type, r.ID, id)
			}
			delete(want, string(r.Type))
		}
	}
	if len(want) > 0 {
		t.Errorf("not in the state: %v", want)
	}
}

// issuedToken is the token the fake API issued for the live tunnel, which Vault must hold.
func (rig *authRig) issuedToken(t *testing.T) string {
	t.Helper()
	for _, tun := range rig.cf.Tunnels() {
		if !tun.Deleted() {
			s, err := rig.srv.Client.KVv2("secret").Get(context.Background(), authPath)
			if err != nil || s.Data[vaultkv.DefaultTokenKey] != tun.Token {
				t.Fatalf("Vault does not hold the live tunnel's token: %v", err)
			}
			return tun.Token
		}
	}
	t.Fatal("no live tunnel")
	return ""
}

// agentRenders takes the Deployment's pod template from the cluster, runs it through the injector's
// code and the agent with Kubernetes auth, and checks the rendered file is exactly want. It returns the
// pod the token was bound to and a Vault client logged in through the role with that token.
func (rig *authRig) agentRenders(t *testing.T, want string) (*corev1.Pod, *vault.Client) {
	t.Helper()
	ctx := context.Background()
	// The Deployment of the current generation ("edge", then "edge-<rotation>"): after an up, the only one.
	deps, err := rig.c.Client.AppsV1().Deployments(authNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var live []appsv1.Deployment
	for _, d := range deps.Items {
		if d.DeletionTimestamp == nil {
			live = append(live, d)
		}
	}
	if len(live) != 1 {
		t.Fatalf("%d Deployments in %s after up, want the current generation's only", len(live), authNS)
	}
	tmpl := live[0].Spec.Template
	if got := tmpl.Annotations[workload.VaultAnnotationPrefix+"role"]; got != authRole {
		t.Errorf("role annotation %q, want the created role %q", got, authRole)
	}
	if tmpl.Spec.ServiceAccountName != authName {
		t.Errorf("pods run as %q, want their own account %q", tmpl.Spec.ServiceAccountName, authName)
	}
	// What the kubelet requests for the pod's projected token volume.
	var proj *corev1.ServiceAccountTokenProjection
	for _, v := range tmpl.Spec.Volumes {
		if v.Name == workload.VaultServiceAccountVolume && v.Projected != nil && len(v.Projected.Sources) == 1 {
			proj = v.Projected.Sources[0].ServiceAccountToken
		}
	}
	if proj == nil || proj.Audience != vaultrole.DefaultAudience || proj.ExpirationSeconds == nil {
		t.Fatalf("projected token volume %+v, want audience %q", proj, vaultrole.DefaultAudience)
	}
	pod := rig.runningPod(t, tmpl.Labels, tmpl.Annotations[workload.TunnelIDAnnotation])

	emitted := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: authNS, Annotations: tmpl.Annotations, Labels: tmpl.Labels}, Spec: tmpl.Spec}
	mutated := inject(t, emitted, rig.srv.Addr)
	ai := findAgentInit(t, mutated)
	m := ai.config.AutoAuth.Method
	if m.Type != "kubernetes" || m.MountPath != "auth/kubernetes" || m.Config["role"] != authRole || m.Config["token_path"] == nil {
		t.Fatalf("injected auto-auth %+v: want kubernetes at auth/kubernetes with role %s and a token path", m, authRole)
	}
	root, err := os.MkdirTemp("", "tunnelgate-vault-auth-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	jwt := requestToken(t, rig.c, authNS, tmpl.Spec.ServiceAccountName, []string{proj.Audience}, *proj.ExpirationSeconds, pod)
	jwtFile := filepath.Join(root, "sa-token")
	if err := os.WriteFile(jwtFile, []byte(jwt), 0o400); err != nil {
		t.Fatal(err)
	}
	uid, gid := agentIDs(t, ai.container)
	chown(t, jwtFile, uid, gid)
	start := time.Now()
	r, err := runAgent(t, rig.srv, ai, root, kubernetesAuth(jwtFile), 60*time.Second)
	if err != nil {
		if r != nil {
			t.Logf("agent config:\n%s", r.config)
		}
		t.Fatal(err)
	}
	t.Logf("vault agent (Kubernetes auth, pod %s): rendered %d bytes in %s", pod.Name, len(r.content), time.Since(start).Round(time.Millisecond))
	if string(r.content) != want {
		t.Errorf("rendered %q, want exactly the token (%d bytes)", r.content, len(want))
	}
	if want := tokenFileArg(t, cloudflaredContainer(t, mutated)); r.containerPath != want {
		t.Errorf("the agent writes %s, cloudflared reads %s", r.containerPath, want)
	}
	client, err := login(rig.srv, authRole, jwt)
	if err != nil {
		t.Fatalf("login with the pod's token: %v", err)
	}
	return pod, client
}

// runningPod waits for a Running pod of the Deployment's current template (its tunnel id).
func (rig *authRig) runningPod(t *testing.T, podLabels map[string]string, tunnelID string) *corev1.Pod {
	t.Helper()
	sel := labels.SelectorFromSet(podLabels).String()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		pods, err := rig.c.Client.CoreV1().Pods(authNS).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			t.Fatal(err)
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && p.Annotations[workload.TunnelIDAnnotation] == tunnelID {
				return p
			}
		}
	}
	t.Fatalf("no running pod of %s/%s", authNS, authName)
	return nil
}

// login logs in at auth/kubernetes with role and jwt and returns a client holding the Vault token.
func login(srv *vaultdev.Server, role, jwt string) (*vault.Client, error) {
	c, err := srv.Client.Clone()
	if err != nil {
		return nil, err
	}
	c.ClearToken()
	sec, err := c.Logical().Write("auth/"+vaultdev.KubernetesAuthMount+"/login", map[string]any{"role": role, "jwt": jwt})
	if err != nil {
		return nil, err
	}
	if sec == nil || sec.Auth == nil {
		return nil, errors.New("no token in the login answer")
	}
	c.SetToken(sec.Auth.ClientToken)
	return c, nil
}

// refusals: Vault refuses, for the role, a token of another account of the namespace, of the same
// account name in another namespace, for another audience and for the API server's own audience; the
// pod's token (the control) is accepted and gets a short-lived token with exactly the role's policy
// (and Vault's default).
func (rig *authRig) refusals(ctx context.Context, t *testing.T, pod *corev1.Pod) {
	t.Helper()
	k := rig.c.Client
	must := func(err error) {
		t.Helper()
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	_, err := k.CoreV1().ServiceAccounts(authNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{})
	must(err)
	_, err = k.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}}, metav1.CreateOptions{})
	must(err)
	_, err = k.CoreV1().ServiceAccounts("elsewhere").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: authName}}, metav1.CreateOptions{})
	must(err)
	aud := []string{vaultrole.DefaultAudience}

	good := requestToken(t, rig.c, authNS, authName, aud, 600, pod)
	client, err := login(rig.srv, authRole, good)
	if err != nil {
		t.Fatalf("the pods' own token is refused: %v", err)
	}
	self, err := client.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	policies, _ := self.TokenPolicies()
	ttl, _ := self.TokenTTL()
	slices.Sort(policies)
	if !slices.Equal(policies, []string{"default", authRole}) || ttl > 300*time.Second || ttl < 250*time.Second {
		t.Errorf("login token: policies %v, ttl %s; want [default %s], at most 300s", policies, ttl, authRole)
	}

	for _, tc := range []struct{ what, jwt string }{
		{"another account of the namespace", requestToken(t, rig.c, authNS, "other", aud, 600, nil)},
		{"the same account name in another namespace", requestToken(t, rig.c, "elsewhere", authName, aud, 600, nil)},
		{"another audience", requestToken(t, rig.c, authNS, authName, []string{"not-vault"}, 600, pod)},
		{"the API server's audience", requestToken(t, rig.c, authNS, authName, nil, 600, pod)},
	} {
		if _, err := login(rig.srv, authRole, tc.jwt); err == nil {
			t.Errorf("%s: Vault accepted the login", tc.what)
		} else {
			t.Logf("refused, %s: %s", tc.what, firstLine(err))
		}
	}
}

// policyLimits: the role's token reads its secret and nothing else.
func (rig *authRig) policyLimits(ctx context.Context, t *testing.T, c *vault.Client) {
	t.Helper()
	if s, err := c.KVv2("secret").Get(ctx, authPath); err != nil || s.Data[vaultkv.DefaultTokenKey] == nil {
		t.Fatalf("the role cannot read its own secret: %v", err)
	}
	sibling := authNS + "/other/cloudflared"
	if _, err := rig.srv.Client.KVv2("secret").Put(ctx, sibling, map[string]any{"tunnel_token": "someone else's"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		call func() error
	}{
		{"read a sibling secret", func() error { _, err := c.KVv2("secret").Get(ctx, sibling); return err }},
		{"list the secret's folder", func() error {
			_, err := c.Logical().ListWithContext(ctx, "secret/metadata/"+authNS+"/edge")
			return err
		}},
		{"read the metadata endpoint", func() error { _, err := c.KVv2("secret").GetMetadata(ctx, authPath); return err }},
		{"write the secret", func() error {
			_, err := c.KVv2("secret").Put(ctx, authPath, map[string]any{"tunnel_token": "x"})
			return err
		}},
		{"read the policy", func() error { _, err := c.Sys().GetPolicyWithContext(ctx, authRole); return err }},
	} {
		err := tc.call()
		var re *vault.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 403 {
			t.Errorf("%s: %v, want 403 permission denied", tc.what, err)
		} else {
			t.Logf("denied, %s: %d", tc.what, re.StatusCode)
		}
	}
}

func firstLine(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.LastIndex(s, "* "); i >= 0 {
		return s[i+2:]
	}
	return s
}
