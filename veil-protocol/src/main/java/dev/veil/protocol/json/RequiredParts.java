package dev.veil.protocol.json;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The rule that every part of a protocol document is present unless its declaration says it may be absent
 * ({@link MayBeAbsent}). Checked once, on the typed value {@link Json#parse} made, over every protocol record at
 * every depth (through lists and map values), so a record never meets a left-out part as a null deep inside a check:
 * two fuzz findings (instance keys without their suite, an identity without its key-agreement suite) and a sweep
 * over every part of every real document ({@code MissingPartAttackTest}) were of that class.
 *
 * <p>Records of other modules embedded in a document (the attestation module's {@code ReferenceValues}, a policy
 * users write by hand, with documented defaults for every field it lets them leave out) check their own parts.
 *
 * <p>A record class's parts are looked up once ({@link #PARTS}): {@code getRecordComponents} builds new reflection
 * objects on every call (class and name lookups in the VM, annotations parsed again), which was over half of parsing a
 * key-broker request.
 */
final class RequiredParts {
    private static final String PROTOCOL_PACKAGE = "dev.veil.protocol.";

    /** One component of a record: its name in the document, how to read it, and whether it may be absent. */
    private record Part(String name, Method accessor, boolean mayBeAbsent) {
    }

    private static final ClassValue<List<Part>> PARTS = new ClassValue<>() {
        @Override
        protected List<Part> computeValue(Class<?> type) {
            List<Part> parts = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                parts.add(new Part(snakeCase(c.getName()), accessor, c.isAnnotationPresent(MayBeAbsent.class)));
            }
            return List.copyOf(parts);
        }
    };

    private RequiredParts() {
    }

    /** The path of the first required part that is absent ("contract.output.kind"), or null when all are there. */
    static String firstAbsent(Object value) {
        return firstAbsent(value, "");
    }

    private static String firstAbsent(Object value, String path) {
        if (value instanceof Record r) {
            return r.getClass().getName().startsWith(PROTOCOL_PACKAGE) ? inRecord(r, path) : null;
        }
        if (value instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                String p = e == null ? path + "[" + i + "]" : firstAbsent(e, path + "[" + i + "]");
                if (p != null) {
                    return p;
                }
                i++;
            }
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String at = path + "." + e.getKey();
                String p = e.getValue() == null ? at : firstAbsent(e.getValue(), at);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String inRecord(Record r, String path) {
        for (Part c : PARTS.get(r.getClass())) {
            String at = (path.isEmpty() ? "" : path + ".") + c.name();
            Object part = read(r, c);
            if (part == null) {
                if (!c.mayBeAbsent()) {
                    return at;
                }
                continue;
            }
            String p = firstAbsent(part, at);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static Object read(Record r, Part c) {
        try {
            return c.accessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.accessor().getName(), e);
        }
    }

    /** The document's own spelling of a component: Json writes names in snake case. */
    private static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
