// Package workload runs cloudflared, the Cloudflare Tunnel connector, on Kubernetes: in its own
// Deployment or as a sidecar in an app's pod, with the tunnel token delivered as a file by the Vault
// Agent Injector or from an existing Kubernetes Secret, hardened to the restricted Pod Security
// Standard and highly available.
//
// # Contract
//
// The package owns the Kubernetes objects that run cloudflared and the shape of its pods. The caller
// owns the namespace, the tunnel (its id comes in as TunnelID, see the tunnel package), the token's
// storage (a Vault KV v2 secret, VaultToken.Secret, the vaultkv.Location the tunnel package writes to;
// or a Kubernetes Secret: only its location comes in, not the token, unless the component is to write
// the Secret itself, SecretToken.Value), the Vault role and the network policy. What other components
// need about the pods is reported as typed values, Facts, before registration (ConnectorArgs.Facts(name),
// AppArgs.Facts(name)) and after it (the Workload fields of the same names): PolicyPods, the
// network.Pods a policy needs (namespace, selector labels, layout, metrics port, edge region and, with
// Vault, the host and port the agent dials), and, with Vault, VaultReader, the vaultkv.Reader a Vault
// role grants (the pods' namespace and service account, the agent's auth path, role and token
// audience). The package does not import the tunnel package nor its Cloudflare, random and Vault SDKs.
// The token never appears in argv, environment variables, names, labels or annotations: cloudflared
// runs `tunnel ... run --token-file <file>`.
//
// Every input is validated before anything is registered (a namespace or Secret name that is another
// resource's output is validated inside an apply once known); errors name the field path and value and
// are reported under the component's type token. The Kubernetes name defaults to the component's name,
// which is checked too. The caller's DependsOn, RetainOnDelete, DeletedWith and custom timeouts reach
// every child; providers and Protect reach them through the parent.
//
// # Layouts
//
//   - Own pod: NewConnector (type "tunnelgate:workload:Connector"). A Deployment of cloudflared that
//     reaches origins through Services. 2 replicas (Pods.Replicas; 0 scales to zero), a rolling update that surges before it removes
//     (maxSurge 1, maxUnavailable 0), a PodDisruptionBudget whenever replicas >= 2 (maxUnavailable 1,
//     unhealthyPodEvictionPolicy AlwaysAllow so a crash-looping pod never blocks a drain), topology
//     spread across nodes (kubernetes.io/hostname, DoNotSchedule, tainted nodes not counted) and
//     across zones where nodes carry topology.kubernetes.io/zone (ScheduleAnyway), with
//     matchLabelKeys pod-template-hash so an update is never blocked by the pods it replaces.
//   - Autoscaling (Connector only, Pods.Autoscaling): a HorizontalPodAutoscaler (autoscaling/v2) on the
//     cloudflared container's CPU (ContainerResource, DefaultCPUUtilization of the request) and memory if
//     asked, from DefaultMinReplicas (2) to DefaultMaxReplicas (4), never above MaxReplicasPerTunnel (25:
//     Cloudflare accepts 100 connections per tunnel, each cloudflared opens ConnectionsPerReplica, 4). The
//     Deployment then names no replica count, so that `pulumi up` never resets what the autoscaler chose
//     (the e2e module shows a second up after a scale changes nothing); the PodDisruptionBudget applies to
//     the minimum. A new Deployment starts at Kubernetes' default of 1 pod until the autoscaler's next sync
//     (15 s) raises it to the minimum; turning autoscaling on for a running Deployment drops Pulumi's
//     ownership of the count, which the API server then resets to 1 until that sync as well. Rejected:
//     a minimum below 2, a maximum below the minimum or above 25, Pods.Replicas as well, a budget that
//     could never allow an eviction at the minimum, a CPU (memory) target without a CPU (memory) request.
//   - Sidecar: NewApp (type "tunnelgate:workload:App") builds the app's Deployment from the app's
//     containers or pod spec with cloudflared added (it reaches the app on localhost); Sidecar returns
//     the Parts (container, volumes, pod annotations) for callers who build pod specs themselves, and
//     Parts.PodSpec merges them into any pod spec. The metrics port, container name and volume names
//     must not clash with the app's. cloudflared's readiness is part of the pod's: while the tunnel has
//     no edge connection the app's pods are unready (and leave any Service's endpoints); the app's
//     image must run as a non-root user (runAsNonRoot is set on the pod when the app leaves it unset).
//
// # Child resources (state addresses: renaming them needs pulumi.Aliases)
//
// Both components register, parented to the component, in this order:
//
//	<name>-serviceaccount  kubernetes:core/v1:ServiceAccount                   only with Pods.ServiceAccount.Create
//	<name>-token           kubernetes:core/v1:Secret                           only with Token.Secret.Value
//	<name>-deployment      kubernetes:apps/v1:Deployment
//	<name>-pdb             kubernetes:policy/v1:PodDisruptionBudget            only when replicas (or the autoscaler's minimum) >= 2
//	<name>-hpa             kubernetes:autoscaling/v2:HorizontalPodAutoscaler   only with Pods.Autoscaling (Connector)
//	<name>-metrics         kubernetes:core/v1:Service                          only with Metrics
//	<name>-podmonitor      kubernetes:monitoring.coreos.com/v1:PodMonitor      only with Metrics.Monitor PodMonitor
//	<name>-servicemonitor  kubernetes:monitoring.coreos.com/v1:ServiceMonitor  only with Metrics.Monitor ServiceMonitor
//	<name>-rules           kubernetes:monitoring.coreos.com/v1:PrometheusRule  only with Metrics.Alerts
//
// The Kubernetes names are Pods.Name (default: the component name) for the PodDisruptionBudget, the
// HorizontalPodAutoscaler, the monitor and the rules, "<Pods.Name>-metrics" for the metrics Service,
// "<Pods.Name>-<Generation>" for the Deployment when Generation is set (DeploymentName; else Pods.Name),
// ServiceAccount.Name (default: Pods.Name) for the service account and Token.Secret.Name for the token's
// Secret. Selector
// labels are app.kubernetes.io/name ("cloudflared" for a Connector, Pods.Name for an App) and
// app.kubernetes.io/instance (Pods.Name); objects and pods also carry app.kubernetes.io/managed-by
// "pulumi", app.kubernetes.io/part-of "tunnelgate" and, for a Connector, app.kubernetes.io/component
// "connector" and app.kubernetes.io/version (the image tag). Component outputs: deploymentName,
// namespace, selectorLabels, metricsPort.
//
// # Metrics, monitors and alerts (both layouts)
//
// Metrics publishes cloudflared's Prometheus metrics (MetricsPath on the metrics port): a ClusterIP Service
// "<Pods.Name>-metrics" selecting the pods on the port named MetricsPortName, labelled MetricsServiceLabel;
// with Metrics.Monitor a PodMonitor (the pods' selector, container port MetricsPortName) or a ServiceMonitor
// (the Service by MetricsServiceLabel, port MetricsPortName), every DefaultScrapeInterval (30s) by default,
// carrying Metrics.Labels, which is what a Prometheus resource's podMonitorSelector or serviceMonitorSelector
// (and ruleSelector) match: kube-prometheus-stack selects "release: <its Helm release name>". The pods are
// then reported as scraped (network.Pods.Scraped): the network policy requires its Metrics peer, the
// scraper, and lets exactly it in on the metrics port (cloudflared's metrics server also serves /config and
// /debug/pprof).
//
// Which metric tells that a connector has no edge connection: HAConnectionsMetric,
// cloudflared_tunnel_ha_connections, a gauge of the connector's registered connections to Cloudflare's edge
// (cloudflared's supervisor counts them up on registration and down on disconnect; 4 when healthy, one per
// edge server, in at least two data centres). At 0 the connector serves nothing and /ready answers 503 (the
// readiness probe takes the pod out of Service endpoints; the liveness probe on /healthcheck keeps it
// running, so that it reconnects). A scrape that fails shows as up == 0 for the target. With Metrics.Alerts
// a PrometheusRule holds two example alerts on it, for the series of this workload's monitor
// ({namespace="<ns>", job="<ns>/<Pods.Name>"} for a PodMonitor, job="<Pods.Name>-metrics" for a
// ServiceMonitor, the job label the operator sets): AlertNoEdgeConnection (warning) when a connector has
// had none for AlertFor (2m), and AlertTunnelDown (critical) when none of them has, or none is scraped at
// all (absent): the hostnames they serve then fail with Cloudflare error 1033.
//
// # The cloudflared container (both layouts, one code path)
//
// Image DefaultImage (cloudflare/cloudflared:2026.8.2, pinned; a reference without tag or digest, or
// with the moving tag "latest", is rejected); args `tunnel --no-autoupdate --metrics 0.0.0.0:<port> [--protocol p] [--loglevel l]
// [--region r] --grace-period 30s run --token-file <file>` after the image's entrypoint. The metrics
// port defaults to DefaultMetricsPort (2000, as in Cloudflare's charts). Probes: startup and readiness
// on /ready (200 only while an edge connection is up), liveness on /healthcheck (200 while the process
// lives), so an edge or DNS blip makes a pod unready but never restarts it (liveness on /ready with
// failureThreshold 1, as in Cloudflare's charts, restart-loops healthy connectors).
// terminationGracePeriodSeconds is the grace period plus 15s (45s), so cloudflared finishes its own
// graceful shutdown. Resources default to DefaultRequests() (50m, 64Mi) and DefaultLimits() (500m, 256Mi).
//
// # Hardening
//
// Every emitted pod passes the restricted Pod Security Standard (the e2e module runs the upstream
// admission checks on each fixture): cloudflared runs as uid/gid 65532 (the image's nonroot user), with
// runAsNonRoot, a read-only root filesystem, no privilege escalation, every capability dropped and
// seccomp RuntimeDefault; /tmp is an in-memory emptyDir of TmpSizeLimit (16Mi). Own pods set the same at
// the pod level. App pods get runAsNonRoot and seccomp RuntimeDefault at the pod level and, per app
// container, allowPrivilegeEscalation false and capabilities drop ALL where the app leaves them unset;
// explicit settings that break the standard are errors. One path merges and hardens an app's pod, on
// plain values: at construction when the app's spec holds no outputs (security contexts of its own
// included, so their errors come before anything is registered, under the field the caller wrote), else
// in one apply once known. automountServiceAccountToken is false
// (an App's pod spec may set it): with Vault, the service-account token is a projected volume
// (VaultServiceAccountVolume) that only the injected agent mounts, named by the injector annotation
// agent-service-account-token-volume-name; cloudflared never holds a Kubernetes credential.
//
// # Token delivery
//
// Vault (TokenSource.Vault: the Secret's location and how the Agent logs in): pod-template annotations
// for the Vault Agent Injector: agent-inject, role,
// auth-path (default auth/kubernetes), agent-init-first, agent-pre-populate-only (default; LongRunning
// keeps an agent sidecar), agent-inject-secret-tunnel-token = "<mount>/data/<path>", a template that
// renders exactly the token with no trailing newline (error-on-missing-key, so a wrong key fails the
// agent instead of writing an empty token), agent-inject-file-tunnel-token, agent-inject-perms 0440,
// agent-inject-containers "cloudflared" (only cloudflared mounts the secrets volume), TLS
// (tls-skip-verify "false" unless set, ca-cert, tls-secret, tls-server-name), namespace and service.
// cloudflared reads VaultTokenFile (/vault/secrets/tunnel-token).
//
// Secret (TokenSource.Secret): the key (default "tunnel_token") of an existing Secret, mounted
// read-only at SecretTokenDir with mode 0444, only in the cloudflared container; cloudflared reads
// SecretTokenFile.
//
// With SecretToken.Value (the token, e.g. tunnel.Tunnel.Token) the component writes the Secret itself
// (child "<name>-token", the value a Pulumi secret) before the Deployment, which depends on it, and
// rewrites it before the Deployment whenever the token changes. (The kubernetes provider replaces a
// Secret whose data changes, deleting it before creating it again under its name, unless the provider
// sets enableSecretMutable: running pods keep the file they mounted, and the new pods wait for the new
// Secret.) Without Value the Secret is yours.
//
// # Rotation: generations
//
// cloudflared reads its token once at start, so a new tunnel (a rotation) needs new pods. TunnelID
// feeds the pod-template annotation TunnelIDAnnotation (the id, never the token): a new id changes the
// template. With Generation set to the tunnel's rotation (tunnel.Args.Rotation), a new generation also
// renames the Deployment ("<Pods.Name>-<Generation>"), so that Pulumi replaces it create-before-delete:
// the new Deployment's pods start next to the old ones, the kubernetes provider waits until they are
// Ready, and the old Deployment is deleted at the end of the update, after whatever waited for the new
// one (the tunnel's DNS records, see tunnel.NewTunnelWithConnectors) and before the old tunnel. The
// selector labels, the PodDisruptionBudget and the network policy keep Pods.Name and cover the pods of
// both generations. Without Generation the one Deployment rolls in place (maxSurge 1, maxUnavailable 0):
// fewer pods, but the old tunnel loses its connectors when the rollout ends (see the tunnel package's
// Rotation section for both, measured).
//
// # How uid 65532 reads the file the agent writes
//
// The injected agent runs as uid 100. The package sets agent-run-as-group "65532", so the agent's
// primary group is 65532, and agent-inject-perms "0440". The agent writes into the injector's emptyDir
// (mode 0777, no set-gid bit unless the pod has an fsGroup): the file is owned by 100:65532 with mode
// r--r-----. cloudflared runs as uid 65532, gid 65532, so it reads through the group bits; any other
// uid in the pod cannot read it, and cloudflared cannot change it. If an App's pod has an fsGroup F,
// the kubelet makes the emptyDir set-gid F, the file's group becomes F, and every container (cloudflared
// included) holds F as a supplementary group: still readable. The agent's default group (1000) with
// 0440 would lock cloudflared out; with the injector's default mode (0644) every uid could read it.
// The e2e module proves the decision with the real injector code: it derives the agent's uid/gid
// from the init container the injector generates for each emitted pod, the file mode from the agent
// configuration it generates, and cloudflared's uid/gid from the emitted pod, then writes the file as
// that agent uid/gid with consul-template's renderer and reads it as cloudflared's (as root it switches
// uids for real; the kernel decides).
package workload
