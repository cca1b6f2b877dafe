package dev.veil.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./bench serve}'s own option, {@code --soak DURATION} ({@code 10m}, {@code 90s}, {@code 1h}), taken out of the
 * arguments; the rest are the bench's as before.
 */
record ServeOptions(Duration soak, String soakText, List<String> rest) {
    static ServeOptions parse(List<String> args) {
        List<String> rest = new ArrayList<>();
        Duration soak = null;
        String text = null;
        for (int i = 0; i < args.size(); i++) {
            if (!args.get(i).equals("--soak")) {
                rest.add(args.get(i));
                continue;
            }
            if (soak != null || i + 1 >= args.size()) {
                throw new IllegalArgumentException("--soak takes one duration, once (e.g. --soak 10m)");
            }
            text = args.get(++i);
            soak = duration(text);
        }
        return new ServeOptions(soak, text, rest);
    }

    private static Duration duration(String s) {
        if (s.matches("[1-9][0-9]{0,5}[smh]")) {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        throw new IllegalArgumentException("--soak " + s + " is not a duration: a whole number of s, m or h (e.g. 10m)");
    }
}
