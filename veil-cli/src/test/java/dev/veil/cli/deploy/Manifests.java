package dev.veil.cli.deploy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * deploy/kubernetes read strictly: YAML documents (duplicate keys refused) into Kubernetes' own typed objects
 * (fabric8's model of the API), refusing any field the API does not define — the model keeps unknown fields aside in
 * {@code additionalProperties} instead of failing, so every object of the tree is walked for them.
 */
final class Manifests {
    static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** The kinds deploy/kubernetes uses, each to its typed class. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            // deploy/kubernetes/spark: executor pod templates, which Spark's driver reads (SparkExecutorPodTemplateTest)
            "v1/Pod", Pod.class);

    private Manifests() {
    }

    static Path root() {
        return Path.of(System.getProperty("veil.testdata.dir")).toAbsolutePath().getParent().resolve("deploy").resolve("kubernetes");
    }

    /** Every YAML document of {@code file}, as trees. */
    static List<ObjectNode> documents(Path file) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n == null || n.isNull() || n.isMissingNode()) {
                    continue;
                }
                if (!(n instanceof ObjectNode o)) {
                    throw new AssertionError(file + ": a document that is not a mapping");
                }
                out.add(o);
            }
        }
        return out;
    }

    static String kindKey(JsonNode n) {
        return n.path("apiVersion").asText() + "/" + n.path("kind").asText();
    }

    static String id(JsonNode n) {
        return n.path("kind").asText() + "/" + n.path("metadata").path("name").asText();
    }

    /** The typed object of {@code n}; fails on a kind not used here or on any field the API does not define. */
    static HasMetadata typed(JsonNode n, String where) throws IOException {
        Class<? extends HasMetadata> type = KINDS.get(kindKey(n));
        if (type == null) {
            throw new AssertionError(where + ": kind " + kindKey(n) + " is not one deploy/kubernetes is checked for");
        }
        HasMetadata o = YAML.treeToValue(n, type);
        List<String> unknown = new ArrayList<>();
        unknownFields(o, id(n), unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new AssertionError(where + ": fields the Kubernetes API does not define: " + unknown);
        }
        return o;
    }

    /** Walks fabric8's objects through their getters, collecting what landed in additionalProperties. */
    private static void unknownFields(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || g.getDeclaringClass() == Object.class
                    || !(g.getName().startsWith("get") || g.getName().startsWith("is"))) {
                continue;
            }
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": " + extra.keySet());
                }
                continue;
            }
            unknownFields(v, path + "." + g.getName().replaceFirst("^(get|is)", ""), out, seen);
        }
    }
}
