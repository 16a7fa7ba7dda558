package ai.ofa.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options; unknown shapes are refused with the offending token. */
final class Args {
    private final Map<String, String> values;

    private Args(Map<String, String> values) {
        this.values = values;
    }

    static Args parse(String[] argv, Set<String> flags) {
        Map<String, String> v = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (options look like --name value)");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq > 0) {
                v.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                v.put(name, "true");
            } else {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("option --" + name + " needs a value");
                }
                v.put(name, argv[++i]);
            }
        }
        return new Args(v);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return "true".equals(values.get(name));
    }

    String get(String name) {
        return values.get(name);
    }

    String getOr(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new OfaCli.UsageException("missing required option --" + name);
        }
        return v;
    }

    int intOr(String name, int dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new OfaCli.UsageException("option --" + name + " must be an integer, got '" + v + "'");
        }
    }
}
