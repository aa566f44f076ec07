package dev.acidic.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The jib-maven-plugin configuration of a pom's profile, read as the plugin would see its elements. */
record JibConfig(boolean skip, String fromImage, String toImage, String mainClass, List<String> jvmFlags, List<String> args,
        Map<String, String> environment, String user, String workingDirectory, List<String> volumes, List<String> ports,
        Map<String, String> labels, List<ExtraDirectory> extraDirectories, Map<String, String> permissions) {

    static final String GROUP = "com.google.cloud.tools";
    static final String ARTIFACT = "jib-maven-plugin";

    record ExtraDirectory(String from, String into) {}

    /** @throws AssertionError when the profile or the plugin in it is missing */
    static JibConfig ofProfile(Path pom, String profileId) {
        Element project = document(pom).getDocumentElement();
        Element profile = children(child(project, "profiles"), "profile").stream()
                .filter(p -> profileId.equals(text(child(p, "id"))))
                .findFirst().orElseThrow(() -> new AssertionError(pom + " has no profile '" + profileId + "'"));
        Element plugin = plugin(child(child(profile, "build"), "plugins"))
                .orElseThrow(() -> new AssertionError("profile '" + profileId + "' of " + pom + " has no " + ARTIFACT));
        Element c = child(plugin, "configuration");
        Element container = child(c, "container");
        Element extra = child(c, "extraDirectories");
        List<ExtraDirectory> dirs = new ArrayList<>();
        for (Element p : children(child(extra, "paths"), "path")) {
            dirs.add(new ExtraDirectory(text(child(p, "from")), text(child(p, "into"))));
        }
        Map<String, String> permissions = new LinkedHashMap<>();
        for (Element p : children(child(extra, "permissions"), "permission")) {
            permissions.put(text(child(p, "file")), text(child(p, "mode")));
        }
        return new JibConfig("true".equals(text(child(c, "skip"))), text(child(child(c, "from"), "image")),
                text(child(child(c, "to"), "image")), text(child(container, "mainClass")),
                texts(child(container, "jvmFlags")), texts(child(container, "args")), map(child(container, "environment")),
                text(child(container, "user")), text(child(container, "workingDirectory")), texts(child(container, "volumes")),
                texts(child(container, "ports")), map(child(container, "labels")), dirs, permissions);
    }

    /** The plugin's entry in a pluginManagement or plugins element, if any. */
    static java.util.Optional<Element> plugin(Element plugins) {
        return children(plugins, "plugin").stream()
                .filter(p -> GROUP.equals(text(child(p, "groupId"))) && ARTIFACT.equals(text(child(p, "artifactId"))))
                .findFirst();
    }

    static Document document(Path pom) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(pom.toFile());
        } catch (Exception e) {
            throw new AssertionError("cannot parse " + pom, e);
        }
    }

    static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }

    private static List<String> texts(Element list) {
        return children(list, null).stream().map(JibConfig::text).toList();
    }

    private static Map<String, String> map(Element e) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Element c : children(e, null)) {
            out.put(c.getTagName(), text(c));
        }
        return out;
    }
}
