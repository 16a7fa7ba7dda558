package ai.ofa.model;

import java.util.Map;

/** Per-task input resolution and normalisation of a package. */
public record ImageSettings(Map<String, Integer> resolution, float[] mean, float[] std, int maxImageSize) {
    public ImageSettings {
        resolution = Map.copyOf(resolution);
        mean = mean.clone();
        std = std.clone();
    }

    /** Resolution for a task name as written in the manifest (caption, grounding, vqa, ...). */
    public int resolutionFor(String task) {
        Integer s = resolution.get(task);
        if (s == null) {
            throw new IllegalArgumentException("No input resolution for task '" + task + "' in the package, "
                    + "expected one of " + resolution.keySet());
        }
        return s;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }
}
