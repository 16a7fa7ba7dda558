package ai.ofa.jobs.evaluate;

import java.util.Locale;

/** The tasks the evaluate job scores, with the result column each reads by default (the enrich job's names). */
public enum EvalTask {
    CAPTION("caption"), GROUND("grounding"), DETECT("detection"), CLASSIFY("classification"), VQA("vqa"),
    ENTAIL("entailment");

    public final String defaultColumn;

    EvalTask(String defaultColumn) {
        this.defaultColumn = defaultColumn;
    }

    public static EvalTask parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown --task '" + s + "', expected one of "
                    + "[caption, ground, detect, classify, vqa, entail]");
        }
    }
}
