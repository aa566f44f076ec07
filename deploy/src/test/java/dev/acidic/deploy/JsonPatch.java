package dev.acidic.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** RFC 6902 add, replace and remove on a tree (what the overlays' patches use); other operations fail. */
final class JsonPatch {
    private JsonPatch() {}

    static void apply(ObjectNode target, ArrayNode operations) {
        for (JsonNode op : operations) {
            String path = op.path("path").asText();
            String[] tokens = path.substring(1).split("/", -1);
            JsonNode parent = target;
            for (int i = 0; i < tokens.length - 1; i++) {
                parent = child(parent, unescape(tokens[i]), path);
            }
            String last = unescape(tokens[tokens.length - 1]);
            switch (op.path("op").asText()) {
                case "add" -> add(parent, last, op.get("value"), path);
                case "replace" -> {
                    remove(parent, last, path);
                    add(parent, last, op.get("value"), path);
                }
                case "remove" -> remove(parent, last, path);
                default -> throw new AssertionError("JSON patch op " + op.path("op") + " is not supported here: " + op);
            }
        }
    }

    private static JsonNode child(JsonNode node, String token, String path) {
        JsonNode c = node.isArray() ? node.get(Integer.parseInt(token)) : node.get(token);
        if (c == null) {
            throw new AssertionError("JSON patch path " + path + ": no " + token);
        }
        return c;
    }

    private static void add(JsonNode parent, String token, JsonNode value, String path) {
        if (parent instanceof ObjectNode o) {
            o.set(token, value.deepCopy());
        } else if (parent instanceof ArrayNode a) {
            if (token.equals("-")) {
                a.add(value.deepCopy());
            } else {
                a.insert(Integer.parseInt(token), value.deepCopy());
            }
        } else {
            throw new AssertionError("JSON patch path " + path + ": not a container");
        }
    }

    private static void remove(JsonNode parent, String token, String path) {
        JsonNode removed = parent instanceof ArrayNode a ? a.remove(Integer.parseInt(token)) : ((ObjectNode) parent).remove(token);
        if (removed == null) {
            throw new AssertionError("JSON patch path " + path + ": nothing to remove or replace");
        }
    }

    private static String unescape(String token) {
        return token.replace("~1", "/").replace("~0", "~");
    }
}
