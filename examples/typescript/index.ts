// The in-pod quickstart (examples/quickstart's InPod) in TypeScript: one app with cloudflared as a
// sidecar in its pod, reaching it on localhost, the token from Vault. The stack config keys and their
// defaults are the Go program's (see examples/quickstart), so that both register the same resources.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tunnelgate from "@tunnelgate/tunnelgate";

const cfg = new pulumi.Config("tunnelgate");
const namespace = cfg.get("namespace") ?? "apps";
const appPort = cfg.getNumber("appPort") ?? 4000;
const zoneId = cfg.get("zoneId");
const tokenSource = cfg.get("tokenSource") ?? "vault";
const policy = cfg.get("networkPolicy") ?? "cilium";

// The namespace, unless createNamespace is false: every object then waits for it.
const ns = (cfg.getBoolean("createNamespace") ?? true)
    ? new k8s.core.v1.Namespace("namespace", { metadata: { name: namespace } })
    : undefined;

new tunnelgate.Ingress("web", {
    namespace: ns ? ns.metadata.name : namespace,
    tunnel: {
        accountId: cfg.require("accountId"),
        zoneId: zoneId,
        zoneName: cfg.get("zoneName"),
        lookupZone: zoneId === undefined,
        routes: [{ hostname: cfg.require("hostname"), service: `http://localhost:${appPort}` }],
        rotation: cfg.get("rotation"),
        // With tokenSource "secret" the token goes to a Kubernetes Secret instead of Vault.
        vault: tokenSource === "secret" ? undefined : { path: cfg.get("vaultPath") ?? `${namespace}/web/cloudflared` },
        access: cfg.getObject<tunnelgate.types.input.tunnel.AccessPolicyArgs>("access"),
    },
    app: {
        containers: [{ name: "app", image: cfg.require("appImage"), ports: [{ containerPort: appPort }] }],
        pods: { replicas: cfg.getNumber("replicas") },
    },
    token: tokenSource === "secret"
        ? { secret: { name: "web-tunnel-token" }, createSecret: true }
        : { vault: { role: cfg.get("vaultRole") } },
    disableVaultRole: tokenSource === "secret" ? undefined : !(cfg.getBoolean("createVaultRole") ?? true),
    inPlaceRotation: cfg.getBoolean("inPlaceRotation") ?? false,
    disableNetworkPolicy: policy === "none" ? true : undefined,
    networkPolicy: policy === "none" ? undefined : { kind: policy },
});
