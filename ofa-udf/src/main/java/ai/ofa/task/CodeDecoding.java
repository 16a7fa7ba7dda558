package ai.ofa.task;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.PngWriter;
import ai.ofa.image.RgbImage;
import ai.ofa.model.VqganModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VQGAN codes to PNG images. Each item's codes must form a square grid (1024 codes: a 256 px image) of codes inside
 * the codebook; a bad item gets its own error. Items of one grid size are decoded in one call.
 *
 * <pre>{@code List<Outcome<byte[]>> pngs = new CodeDecoding(vqgan).run(List.of(codes));}</pre>
 */
public final class CodeDecoding {
    private final VqganModel vqgan;

    public CodeDecoding(VqganModel vqgan) {
        this.vqgan = vqgan;
    }

    public List<Outcome<byte[]>> run(List<int[]> codes) {
        List<Outcome<byte[]>> out = new ArrayList<>();
        Map<Integer, List<Integer>> bySide = new LinkedHashMap<>();
        List<CodeGrid> grids = new ArrayList<>();
        int numCodes = vqgan.vqganPackage().numCodes();
        for (int i = 0; i < codes.size(); i++) {
            try {
                if (codes.get(i) == null) {
                    throw new IllegalArgumentException("codes are null");
                }
                CodeGrid g = CodeGrid.square(codes.get(i), numCodes);
                grids.add(g);
                bySide.computeIfAbsent(g.rows(), k -> new ArrayList<>()).add(i);
                out.add(null);
            } catch (RuntimeException e) {
                grids.add(null);
                out.add(Outcome.failed("item " + i + ": " + e.getMessage()));
            }
        }
        for (List<Integer> group : bySide.values()) {
            List<CodeGrid> batch = new ArrayList<>();
            group.forEach(i -> batch.add(grids.get(i)));
            List<RgbImage> images = vqgan.decodeToImages(batch);
            for (int k = 0; k < group.size(); k++) {
                out.set(group.get(k), Outcome.ok(PngWriter.encode(images.get(k))));
            }
        }
        return out;
    }
}
