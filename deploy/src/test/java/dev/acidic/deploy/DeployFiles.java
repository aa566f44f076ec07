package dev.acidic.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where the deployment material lies (tests run in the deploy module's directory) and how YAML is read. */
final class DeployFiles {
    /** The module's directory: Maven runs tests there; an IDE may run them from the repository root. */
    static final Path DEPLOY = Files.isRegularFile(Path.of("compose.yaml")) ? Path.of("").toAbsolutePath()
            : Path.of("deploy").toAbsolutePath();
    static final Path REPO = DEPLOY.getParent();
    static final Path DOCKERFILE = DEPLOY.resolve("Dockerfile");
    static final Path IMAGE_ROOT = DEPLOY.resolve("image/root");
    static final Path APP_POM = REPO.resolve("app/pom.xml");
    static final Path ROOT_POM = REPO.resolve("pom.xml");
    static final Path COMPOSE = DEPLOY.resolve("compose.yaml");
    static final Path K8S = DEPLOY.resolve("k8s");
    static final Path DASHBOARD = DEPLOY.resolve("grafana/dashboards/acidic.json");

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private DeployFiles() {}

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every document of a multi-document YAML file, empty ones left out. */
    static List<JsonNode> yamlDocuments(Path file) {
        try {
            return yamlDocuments(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every document of a YAML stream; a document that is a list stays one (a reader's MappingIterator would unwrap it). */
    static List<JsonNode> yamlDocuments(byte[] yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(yaml)) {
            while (p.nextToken() != null) {
                JsonNode doc = YAML.readTree(p);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
