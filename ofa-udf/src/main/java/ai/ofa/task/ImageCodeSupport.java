package ai.ofa.task;

import ai.ofa.generate.Hypothesis;
import ai.ofa.image.CodeGrid;
import ai.ofa.model.OfaModel;

import java.util.ArrayList;
import java.util.List;

/** Turns sampled token sequences into code grids and candidates (shared by text-to-image and infilling). */
final class ImageCodeSupport {
    private ImageCodeSupport() {
    }

    /** The VQGAN codes of a sampled sequence: its first side*side tokens minus the code range's first id. */
    static CodeGrid grid(OfaModel model, Hypothesis h, int side) {
        int first = model.modelPackage().vocabulary().codeFirstId();
        int[] codes = new int[side * side];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = h.tokens()[i] - first;
        }
        return CodeGrid.square(codes, side, model.modelPackage().vocabulary().numCodes());
    }

    static List<GeneratedImage.Candidate> candidates(OfaModel model, List<Hypothesis> samples, int side) {
        List<GeneratedImage.Candidate> out = new ArrayList<>();
        for (Hypothesis h : samples) {
            out.add(new GeneratedImage.Candidate(grid(model, h, side), h.score()));
        }
        return out;
    }
}
