package dev.veil.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.veil.cli.VeilCommand;
import dev.veil.enclave.serving.Route;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import dev.veil.cli.serving.ServingReplicas;
import dev.veil.protocol.serving.ServingBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deploy/kubernetes checked without a cluster or kubectl: every manifest, and what the base and each overlay render
 * to, parse into Kubernetes' typed objects with no field the API does not define; and they agree with the CLI — each
 * container runs a 'veil' subcommand with options it has, the ports and probes point at what the server answers, files
 * named in the arguments are on mounted volumes, Services select the pods and ports that exist, the CoCo overlays
 * carry the init-data of their initdata.toml and the runtime class of their platform.
 */
class KubernetesManifestsTest {
    static final String INITDATA_ANNOTATION = "io.katacontainers.config.hypervisor.cc_init_data";
    /** Options whose value is a file the container reads, or a directory it writes. */
    static final Set<String> READ_FILES = Set.of("--contract", "--sealed", "--identity", "--asset-key");
    static final Set<String> WRITTEN_DIRS = Set.of("--work-dir", "--state");
    /** Every GET path a probe or a scrape annotation of a 'veil broker' container names, answered 200 by a running broker. */
    static final java.util.concurrent.ConcurrentMap<String, Boolean> BROKER_ANSWERS = new java.util.concurrent.ConcurrentHashMap<>();
    static URI broker;
    static ServingReplicas brokerHome;

    /** A running 'veil broker' (sim contract, in this JVM), to ask whether the paths the manifests name are its own. */
    @BeforeAll
    static void startBroker(@TempDir Path dir) throws Exception {
        brokerHome = new ServingReplicas(dir, new ServingBudget(10L, 10L), 1);
        broker = brokerHome.startBroker();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        brokerHome.close();
    }

    static boolean brokerAnswers(String path) {
        return BROKER_ANSWERS.computeIfAbsent(path, p -> {
            try {
                return HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.resolve(p)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    static List<Path> renderings() throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(Manifests.root().resolve("base")));
        try (Stream<Path> s = Files.list(Manifests.root().resolve("overlays"))) {
            s.filter(Files::isDirectory).sorted().forEach(dirs::add);
        }
        return dirs;
    }

    @Test
    void everyManifestFileParsesIntoTypedKubernetesObjects() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Manifests.root())) {
            files = s.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(7);
        for (Path f : files) {
            for (ObjectNode n : Manifests.documents(f)) {
                Manifests.typed(n, f.toString());
            }
        }
    }

    @Test
    void theBaseAndEveryOverlayRenderToTypedObjectsThatAgreeWithTheCli() throws Exception {
        assertThat(renderings()).extracting(p -> p.getFileName().toString()).contains("base", "coco-snp", "coco-tdx");
        for (Path dir : renderings()) {
            check(dir, Kustomize.render(dir));
        }
    }

    /** The checks of one rendering. */
    static void check(Path dir, Map<String, ObjectNode> rendered) throws Exception {
        Map<String, HasMetadata> typed = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> e : rendered.entrySet()) {
            typed.put(e.getKey(), Manifests.typed(e.getValue(), dir + " " + e.getKey()));
        }
        List<Deployment> deployments = typed.values().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        assertThat(deployments).extracting(d -> d.getMetadata().getName()).as(dir.toString()).contains("veil-serve", "veil-broker");
        for (Deployment d : deployments) {
            checkDeployment(dir, d);
        }
        for (HasMetadata o : typed.values()) {
            if (o instanceof Service s) {
                checkService(dir, s, deployments);
            }
        }
        checkReferencesAreMadeOrDocumented(dir, typed);
        if (!dir.getFileName().toString().equals("base")) {
            checkCoco(dir, deployments.stream().filter(d -> d.getMetadata().getName().equals("veil-serve")).findFirst().orElseThrow());
        }
    }

    static void checkDeployment(Path dir, Deployment d) {
        String where = dir.getFileName() + " " + d.getMetadata().getName();
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(d.getSpec().getSelector().getMatchLabels().entrySet()).as(where + ": the selector matches the pods")
                .isSubsetOf(d.getSpec().getTemplate().getMetadata().getLabels().entrySet());
        Map<String, Volume> volumes = new LinkedHashMap<>();
        pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
        for (Container c : pod.getContainers()) {
            List<String> args = c.getArgs();
            assertThat(c.getCommand()).as(where + ": the image's entry point (veil) runs, given only arguments").isNullOrEmpty();
            Map<String, String> options = options(where, args);
            for (VolumeMount m : c.getVolumeMounts()) {
                assertThat(volumes).as(where + ": volume of mount " + m.getName()).containsKey(m.getName());
            }
            for (Map.Entry<String, String> o : options.entrySet()) {
                if (READ_FILES.contains(o.getKey())) {
                    assertThat(mountFor(c, o.getValue())).as(where + ": " + o.getKey() + " " + o.getValue() + " is on a mounted volume").isNotNull();
                }
                if (WRITTEN_DIRS.contains(o.getKey())) {
                    VolumeMount m = mountFor(c, o.getValue());
                    assertThat(m).as(where + ": " + o.getKey() + " " + o.getValue() + " is on a mounted volume").isNotNull();
                    assertThat(m.getReadOnly()).as(where + ": " + o.getKey() + " is writable").isNotEqualTo(Boolean.TRUE);
                }
            }
            assertThat(options).as(where + ": listens on all interfaces of the pod").containsEntry("--bind", "0.0.0.0");
            int port = Integer.parseInt(options.get("--port"));
            assertThat(c.getPorts()).as(where + ": the port veil listens on is the container's").extracting(ContainerPort::getContainerPort).containsExactly(port);
            String portName = c.getPorts().get(0).getName();
            java.util.function.Predicate<String> answered = args.get(0).equals("serve") ? servingGetPaths()::contains
                    : KubernetesManifestsTest::brokerAnswers;
            for (Probe p : new Probe[] {c.getReadinessProbe(), c.getLivenessProbe()}) {
                assertThat(p).as(where + ": readiness and liveness probes").isNotNull();
                HTTPGetAction get = p.getHttpGet();
                assertThat(get.getPath()).as(where + ": probe path answered by the server").matches(answered);
                assertThat(get.getPort().getStrVal() != null ? get.getPort().getStrVal() : String.valueOf(get.getPort().getIntVal()))
                        .as(where + ": probe port").isIn(portName, String.valueOf(port));
            }
            Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
            assertThat(annotations).as(where + ": metrics annotations").containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", String.valueOf(port)).containsEntry("prometheus.io/path", "/metrics");
            assertThat("/metrics").as(where + ": the metrics path").matches(answered);
        }
    }

    /** GET paths of the serving server. */
    static Set<String> servingGetPaths() {
        return Stream.of(Route.values()).filter(r -> r.method().equals("GET")).map(Route::path).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * The options of {@code args} by name, checked against the CLI: the first argument is a 'veil' subcommand, every
     * option is one that subcommand has, and an option that takes a value has one.
     */
    static Map<String, String> options(String where, List<String> args) {
        assertThat(args).as(where + ": arguments").isNotEmpty();
        CommandLine sub = new CommandLine(new VeilCommand()).getSubcommands().get(args.get(0));
        assertThat(sub).as(where + ": 'veil " + args.get(0) + "' is a command").isNotNull();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            CommandLine.Model.OptionSpec o = sub.getCommandSpec().findOption(a);
            if (o == null) {
                throw new AssertionError(where + ": 'veil " + args.get(0) + "' has no option " + a + " (see 'veil " + args.get(0) + " --help')");
            }
            if (o.arity().max() == 0) {
                out.put(a, "true");
            } else {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new AssertionError(where + ": " + a + " needs a value");
                }
                out.put(a, args.get(++i));
            }
        }
        return out;
    }

    static VolumeMount mountFor(Container c, String path) {
        VolumeMount best = null;
        for (VolumeMount m : c.getVolumeMounts()) {
            String root = m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/";
            if ((path + "/").startsWith(root) && (best == null || m.getMountPath().length() > best.getMountPath().length())) {
                best = m;
            }
        }
        return best;
    }

    static void checkService(Path dir, Service s, List<Deployment> deployments) {
        String where = dir.getFileName() + " Service " + s.getMetadata().getName();
        Deployment target = deployments.stream().filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(s.getSpec().getSelector().entrySet())).findFirst().orElse(null);
        assertThat(target).as(where + ": selects the pods of a Deployment").isNotNull();
        List<ContainerPort> ports = target.getSpec().getTemplate().getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream()).toList();
        for (ServicePort p : s.getSpec().getPorts()) {
            String name = p.getTargetPort().getStrVal();
            assertThat(ports).as(where + ": target port " + name).anyMatch(cp -> cp.getName().equals(name) && cp.getContainerPort().equals(p.getPort()));
        }
    }

    /** A ConfigMap, Secret or claim the pods use is either in the rendering or one docs/SCALE-OUT.md tells the operator to make. */
    static void checkReferencesAreMadeOrDocumented(Path dir, Map<String, HasMetadata> typed) throws IOException {
        String guide = Files.readString(Manifests.root().getParent().getParent().resolve("docs").resolve("SCALE-OUT.md"));
        for (HasMetadata o : typed.values()) {
            if (!(o instanceof Deployment d)) {
                continue;
            }
            for (Volume v : d.getSpec().getTemplate().getSpec().getVolumes()) {
                String kind = v.getConfigMap() != null ? "ConfigMap" : v.getSecret() != null ? "Secret"
                        : v.getPersistentVolumeClaim() != null ? "PersistentVolumeClaim" : null;
                if (kind == null) {
                    continue;
                }
                String name = v.getConfigMap() != null ? v.getConfigMap().getName() : v.getSecret() != null ? v.getSecret().getSecretName()
                        : v.getPersistentVolumeClaim().getClaimName();
                if (!typed.containsKey(kind + "/" + name)) {
                    assertThat(guide).as(dir.getFileName() + ": " + kind + " " + name + " is neither deployed nor in the guide's steps").contains("`" + name + "`");
                }
            }
        }
    }

    /** A CoCo overlay: the runtime class of its platform, and the init-data annotation is its initdata.toml. */
    static void checkCoco(Path dir, Deployment serve) throws IOException {
        String platform = dir.getFileName().toString().replaceFirst("^coco-", "");
        PodSpec pod = serve.getSpec().getTemplate().getSpec();
        assertThat(pod.getRuntimeClassName()).isEqualTo("kata-qemu-" + platform);
        Container c = pod.getContainers().get(0);
        assertThat(options(dir.toString(), c.getArgs())).containsEntry("--platform", platform);
        String annotation = serve.getSpec().getTemplate().getMetadata().getAnnotations().get(INITDATA_ANNOTATION);
        assertThat(annotation).as(dir + ": " + INITDATA_ANNOTATION).isNotNull();
        String toml = Files.readString(dir.resolve("initdata.toml"));
        assertThat(gunzipBase64(annotation)).as(dir + ": the annotation is initdata.toml, gzip + base64").isEqualTo(toml);
        JsonNode init = new TomlMapper().readTree(toml);
        assertThat(init.path("version").asText()).isEqualTo("0.1.0");
        assertThat(init.path("algorithm").asText()).isIn("sha256", "sha384", "sha512");
        String policy = init.path("data").path("policy.rego").asText();
        assertThat(policy).startsWith("package agent_policy").contains("default ExecProcessRequest := false");
        Matcher m = Pattern.compile("storage\\.source == \"([^\"]+)\"").matcher(policy);
        assertThat(m.find()).as(dir + ": the agent policy pins the image").isTrue();
        assertThat(m.group(1)).as(dir + ": the image the policy lets run is the one the Deployment names").isEqualTo(c.getImage());
    }

    static String gunzipBase64(String annotation) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(annotation)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- each check catches what it is for

    private static ObjectNode renderedServe(Map<String, ObjectNode> r) {
        return r.get("Deployment/veil-serve");
    }

    @Test
    void aMisspelledFieldIsRefused() throws Exception {
        Path base = Manifests.root().resolve("base");
        Map<String, ObjectNode> r = Kustomize.render(base);
        ((ObjectNode) renderedServe(r).at("/spec/template/spec/containers/0")).set("livenessProbes", renderedServe(r).at("/spec/template/spec/containers/0/livenessProbe").deepCopy());
        assertThatThrownBy(() -> check(base, r)).hasMessageContaining("fields the Kubernetes API does not define").hasMessageContaining("livenessProbes");
    }

    @Test
    void anOptionVeilServeDoesNotHaveIsRefused() throws Exception {
        Path base = Manifests.root().resolve("base");
        Map<String, ObjectNode> r = Kustomize.render(base);
        ((com.fasterxml.jackson.databind.node.ArrayNode) renderedServe(r).at("/spec/template/spec/containers/0/args")).add("--replicas").add("3");
        assertThatThrownBy(() -> check(base, r)).hasMessageContaining("has no option --replicas");
    }

    @Test
    void aProbeOnAPathTheServerDoesNotAnswerIsRefused() throws Exception {
        Path base = Manifests.root().resolve("base");
        Map<String, ObjectNode> r = Kustomize.render(base);
        ((ObjectNode) renderedServe(r).at("/spec/template/spec/containers/0/readinessProbe/httpGet")).set("path", TextNode.valueOf("/ready"));
        assertThatThrownBy(() -> check(base, r)).hasMessageContaining("probe path");
    }

    @Test
    void anInitDataAnnotationOutOfStepWithItsFileIsRefused() throws Exception {
        Path snp = Manifests.root().resolve("overlays").resolve("coco-snp");
        Map<String, ObjectNode> r = Kustomize.render(snp);
        String other = gunzipBase64(renderedServe(r).at("/spec/template/metadata/annotations").path(INITDATA_ANNOTATION).asText())
                .replace("default ExecProcessRequest := false", "default ExecProcessRequest := true");
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(other.getBytes(StandardCharsets.UTF_8));
        }
        ((ObjectNode) renderedServe(r).at("/spec/template/metadata/annotations")).put(INITDATA_ANNOTATION, Base64.getEncoder().encodeToString(gz.toByteArray()));
        assertThatThrownBy(() -> check(snp, r)).hasMessageContaining("the annotation is initdata.toml");
    }

    /** Where kubectl is installed (not in CI: no registry here serves it), its kustomize renders exactly what ours does. */
    @Test
    void theRenderingEqualsKubectlKustomize() throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(kubectl != null, "kubectl is not installed");
        for (Path dir : renderings()) {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            Map<String, JsonNode> theirs = new LinkedHashMap<>();
            Path tmp = Files.createTempFile("kustomize", ".yaml");
            try {
                Files.writeString(tmp, out);
                for (ObjectNode n : Manifests.documents(tmp)) {
                    theirs.put(Manifests.id(n), n);
                }
            } finally {
                Files.delete(tmp);
            }
            Map<String, ObjectNode> ours = Kustomize.render(dir);
            assertThat(theirs.keySet()).as(dir.toString()).containsExactlyInAnyOrderElementsOf(ours.keySet());
            for (String id : ours.keySet()) {
                assertThat(theirs.get(id)).as(dir + " " + id).isEqualTo(ours.get(id));
            }
        }
    }
}
