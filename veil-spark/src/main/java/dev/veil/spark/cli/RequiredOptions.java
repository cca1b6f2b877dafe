package dev.veil.spark.cli;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's usage line showing the options it requires without brackets, when the command checks them itself: picocli
 * would demand a command's required options of its subcommands too ('veil batch open' of 'veil batch'), so they are
 * declared optional and the synopsis is written from a copy of the command in which they are required.
 */
final class RequiredOptions {
    private RequiredOptions() {
    }

    static void showInSynopsis(CommandLine command, String... required) {
        CommandSpec spec = command.getCommandSpec();
        List<String> names = Arrays.asList(required);
        CommandSpec shown = CommandSpec.create().name(spec.qualifiedName());
        for (OptionSpec o : spec.options()) {
            if (names.contains(o.longestName())) {
                shown.addOption(o.toBuilder().required(true).build());
            } else {
                shown.addOption(o.toBuilder().build());
            }
        }
        if (shown.options().stream().filter(OptionSpec::required).count() != names.size()) {
            throw new IllegalArgumentException(spec.qualifiedName() + " has no option among " + names);
        }
        spec.subcommands().forEach((name, sub) -> shown.addSubcommand(name, CommandSpec.create()));   // its [COMMAND]
        String synopsis = new CommandLine.Help(shown, command.getColorScheme()).synopsis(0).stripTrailing();
        spec.usageMessage().customSynopsis(synopsis.split("\n"));
    }
}
