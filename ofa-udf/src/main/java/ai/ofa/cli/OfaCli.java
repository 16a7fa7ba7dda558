package ai.ofa.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The Java side of {@code ./ofa}: one picocli subcommand per task or tool. Every command parses, validates and
 * documents its options the same way: {@code --help} lists them with their defaults, a usage mistake prints what
 * was wrong and exits 2, a failure while running prints {@code ofa CMD: error: ...} and exits 1.
 *
 * <pre>./ofa caption --image photo.jpg --json</pre>
 */
@Command(name = "ofa", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = OfaCli.Version.class,
        description = "OFA on ONNX Runtime: the inference commands (./ofa --help lists the others).",
        subcommands = {TaskCommands.Caption.class, TaskCommands.Ground.class, TaskCommands.Detect.class,
                TaskCommands.Classify.class, TaskCommands.VqaCommand.class, TaskCommands.Entail.class,
                TaskCommands.Itm.class, TaskCommands.RegionCaption.class, TaskCommands.Score.class,
                ToolCommands.Tokenize.class, ToolCommands.Preprocess.class, ImageCommands.Generate.class,
                ImageCommands.Infill.class, ImageCommands.Codes.class, ImageCommands.DecodeCodes.class,
                Bench.class, BenchImage.class})
public final class OfaCli implements Runnable {
    private final PrintStream out;
    private final PrintStream err;

    OfaCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new OfaCli(System.out, System.err).run(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is needed; see ./ofa --help");
    }

    int run(String... argv) {
        CommandLine cli = commandLine(this);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return cli.execute(argv);
    }

    /**
     * The settings every command line of the project shares: help shows defaults, usage mistakes exit 2 with the
     * mistake and a pointer to --help, and failures inside a command exit 1 with one line naming the command.
     * The spark-submit jobs use it too.
     */
    public static CommandLine commandLine(Object command) {
        CommandLine cli = new CommandLine(command);
        cli.setUsageHelpWidth(110);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            c.getErr().println("(see " + c.getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            String name = c.getCommandSpec().qualifiedName();
            if (e instanceof UsageException) {
                c.getErr().println(name + ": " + e.getMessage());
                c.getErr().println("(see " + name + " --help)");
                return 2;
            }
            c.getErr().println(name + ": error: " + e.getMessage());
            return 1;
        });
        return cli;
    }

    /** A bad option value found after parsing: reported like a parse error, exit code 2. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = OfaCli.class.getPackage().getImplementationVersion();
            return new String[]{"ofa " + (v != null ? v : "development build")};
        }
    }
}
