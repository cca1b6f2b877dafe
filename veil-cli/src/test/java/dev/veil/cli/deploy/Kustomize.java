package dev.veil.cli.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of kustomize deploy/kubernetes uses, so CI renders the overlays without kubectl: {@code resources} (files,
 * or directories holding a kustomization.yaml) and {@code patches} given by {@code path} (strategic-merge patches
 * naming their target by apiVersion, kind and name). A kustomization with any other field is refused, so nothing is
 * silently left out of the rendering. Strategic merge is done as kustomize does it for what the patches hold: maps
 * merge key by key, {@code containers} merge by {@code name}, and any other list is replaced whole — a patch holding a
 * list of objects other than containers is refused, since its merge key would matter.
 * {@code KubernetesManifestsTest.theRenderingEqualsKubectlKustomize} compares with the real kustomize where one exists.
 */
final class Kustomize {
    record Kustomization(@JsonProperty(value = "apiVersion", required = true) String apiVersion,
                         @JsonProperty(value = "kind", required = true) String kind,
                         @JsonProperty("resources") List<String> resources,
                         @JsonProperty("patches") List<PatchRef> patches) {
    }

    record PatchRef(@JsonProperty(value = "path", required = true) String path) {
    }

    private Kustomize() {
    }

    /** The objects {@code dir}'s kustomization.yaml renders, by "Kind/name" in resource order. */
    static Map<String, ObjectNode> render(Path dir) throws IOException {
        Kustomization k = Manifests.YAML.readValue(Files.readString(dir.resolve("kustomization.yaml")), Kustomization.class);
        if (!"kustomize.config.k8s.io/v1beta1".equals(k.apiVersion()) || !"Kustomization".equals(k.kind())) {
            throw new AssertionError(dir + ": not a kustomize.config.k8s.io/v1beta1 Kustomization");
        }
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (String r : k.resources() == null ? List.<String>of() : k.resources()) {
            Path p = dir.resolve(r).normalize();
            Map<String, ObjectNode> add = new LinkedHashMap<>();
            if (Files.isDirectory(p)) {
                add.putAll(render(p));
            } else {
                for (ObjectNode n : Manifests.documents(p)) {
                    add.put(Manifests.id(n), n);
                }
            }
            for (Map.Entry<String, ObjectNode> e : add.entrySet()) {
                if (out.put(e.getKey(), e.getValue()) != null) {
                    throw new AssertionError(dir + ": " + e.getKey() + " is defined twice");
                }
            }
        }
        for (PatchRef ref : k.patches() == null ? List.<PatchRef>of() : k.patches()) {
            for (ObjectNode patch : Manifests.documents(dir.resolve(ref.path()))) {
                ObjectNode target = out.get(Manifests.id(patch));
                if (target == null || !Manifests.kindKey(target).equals(Manifests.kindKey(patch))) {
                    throw new AssertionError(dir.resolve(ref.path()) + ": patches " + Manifests.id(patch) + ", which the resources do not hold");
                }
                merge(target, patch, ref.path());
            }
        }
        return out;
    }

    static List<Path> patchFiles(Path dir) throws IOException {
        Kustomization k = Manifests.YAML.readValue(Files.readString(dir.resolve("kustomization.yaml")), Kustomization.class);
        List<Path> out = new ArrayList<>();
        for (PatchRef p : k.patches() == null ? List.<PatchRef>of() : k.patches()) {
            out.add(dir.resolve(p.path()));
        }
        return out;
    }

    private static void merge(ObjectNode target, ObjectNode patch, String where) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode have = target.get(e.getKey());
            JsonNode put = e.getValue();
            if (put.isObject() && have != null && have.isObject()) {
                merge((ObjectNode) have, (ObjectNode) put, where);
            } else if (put.isArray() && e.getKey().equals("containers") && have != null && have.isArray()) {
                mergeByName((ArrayNode) have, (ArrayNode) put, where);
            } else if (put.isArray()) {
                for (JsonNode x : put) {
                    if (x.isContainerNode()) {
                        throw new AssertionError(where + ": list '" + e.getKey() + "' holds objects; only containers are merged here");
                    }
                }
                target.set(e.getKey(), put.deepCopy());
            } else {
                target.set(e.getKey(), put.deepCopy());
            }
        }
    }

    private static void mergeByName(ArrayNode have, ArrayNode put, String where) {
        for (JsonNode p : put) {
            String name = p.path("name").asText(null);
            if (name == null) {
                throw new AssertionError(where + ": a patched container needs its name");
            }
            ObjectNode match = null;
            for (JsonNode h : have) {
                if (name.equals(h.path("name").asText())) {
                    match = (ObjectNode) h;
                }
            }
            if (match == null) {
                have.add(p.deepCopy());
            } else {
                merge(match, (ObjectNode) p, where);
            }
        }
    }
}
