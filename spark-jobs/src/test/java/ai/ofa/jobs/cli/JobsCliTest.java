package ai.ofa.jobs.cli;

import ai.ofa.cli.OfaCli;
import ai.ofa.jobs.corpus.CorpusConfig;
import ai.ofa.jobs.corpus.CorpusJob;
import ai.ofa.jobs.enrich.EnrichOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job commands parse, validate and document their options the same way (picocli, as the inference commands):
 * --help exits 0 and lists every option with its default; the launcher's every command answers --help; enrich
 * takes the bundled model when run through ./ofa without --model; corpus takes --output and --set overrides.
 */
class JobsCliTest {
    @TempDir
    Path tmp;

    static final List<Object> JOBS = List.of(new EnrichOptions.Cli(), new ai.ofa.jobs.report.ReportJob.Cli(),
            new ai.ofa.jobs.evaluate.EvaluateJob.Cli(), new CorpusJob.Cli());

    @Test
    void everyJobsHelpListsItsOptionsAndDefaults() {
        List<String> problems = new ArrayList<>();
        for (Object job : JOBS) {
            CommandLine cli = OfaCli.commandLine(job);
            StringWriter out = new StringWriter();
            cli.setOut(new PrintWriter(out));
            int code = cli.execute("--help");
            String name = cli.getCommandName();
            if (code != 0 || !out.toString().startsWith("Usage: " + name)) {
                problems.add(name + ": exit " + code + ": " + out);
                continue;
            }
            for (OptionSpec o : cli.getCommandSpec().options()) {
                if (!out.toString().contains(o.longestName())) {
                    problems.add(name + ": help does not list " + o.longestName());
                }
                if (o.defaultValue() != null && !String.join(" ", o.description()).contains("default")) {
                    problems.add(name + ": " + o.longestName() + " has a default its help does not give");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void usageMistakesExitTwoNamingWhatIsWrong() {
        CommandLine cli = OfaCli.commandLine(new EnrichOptions.Cli());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("--input", "x", "--output", "y", "--model", "m", "--tasks", "paint"));
        assertTrue(err.toString().contains("Unknown task 'paint'"), err.toString());
        assertEquals(2, cli.execute("--output", "y"));
        assertTrue(err.toString().contains("--input"), err.toString());
        assertEquals(2, cli.execute("--input", "x", "--output", "y", "--batch-size", "0", "--model", "m"));
        assertTrue(err.toString().contains("--batch-size must be a positive integer, got 0"), err.toString());
    }

    @Test
    void enrichUsesTheBundledModelUnderTheLauncherAndNeedsOneOtherwise() {
        String before = System.getProperty("ofa.home");
        try {
            System.setProperty("ofa.home", "/opt/ofa");
            EnrichOptions o = EnrichOptions.parse("--input", "in", "--output", "out", "--tasks", "caption");
            assertEquals(Path.of("/opt/ofa", "models", "ofa-scenes").toString(), o.model());
            System.clearProperty("ofa.home");
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> EnrichOptions.parse("--input", "in", "--output", "out")).getMessage();
            assertTrue(msg.contains("--model"), msg);
        } finally {
            if (before != null) {
                System.setProperty("ofa.home", before);
            }
        }
    }

    @Test
    void corpusTakesOutputAndSettingOverrides() throws Exception {
        Path conf = tmp.resolve("c.conf");
        Files.writeString(conf, "output = from-file\nseed = 7\nsource.t.type = text-jsonl\nsource.t.path = x.jsonl\n");
        CorpusJob.Cli cli = new CorpusJob.Cli();
        new CommandLine(cli).parseArgs("--config", conf.toString(), "--output", "elsewhere", "--set", "seed=11");
        CorpusConfig c = cli.config();
        assertEquals("elsewhere", c.output());
        assertEquals(11, c.seed());
        CorpusJob.Cli bad = new CorpusJob.Cli();
        new CommandLine(bad).parseArgs("--config", conf.toString(), "--set", "sed=11");
        String msg = assertThrows(IllegalArgumentException.class, bad::config).getMessage();
        assertTrue(msg.contains("sed"), msg);
    }

    /** Every command the launcher lists answers --help with exit 0, as a user types it. */
    @Test
    void everyLauncherCommandAnswersHelp() throws Exception {
        Path root = Path.of(System.getProperty("ofa.project.root"));
        String usage = run(root, "--help").out;
        List<String> commands = new ArrayList<>();
        for (String line : usage.split("\n")) {
            if (line.matches("^  [a-z][a-z0-9-]+ .*") && !line.startsWith("   ")) {
                commands.add(line.trim().split("\\s+")[0]);
            }
        }
        assertTrue(commands.size() >= 30, "commands found in ./ofa --help: " + commands);
        List<String> problems = new ArrayList<>();
        for (String c : commands) {
            if (c.equals("test")) {
                continue;   // runs this suite
            }
            Result r = run(root, c, "--help");
            if (r.code != 0 || !r.out.toLowerCase().contains("usage")) {
                problems.add(c + ": exit " + r.code + "\n" + r.out);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n\n", problems));
    }

    private record Result(int code, String out) {
    }

    private static Result run(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("ofa").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "./ofa " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), out);
    }
}
