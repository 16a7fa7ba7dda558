package ai.ofa.spark;

import ai.ofa.generate.SearchSettings;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.ParamValidators;

/** A stage that generates text: the beam size and length params, with the task's reference defaults. */
public abstract class OfaDecodingTransformer extends OfaTransformer {
    private final IntParam beamSize = new IntParam(this, "beamSize", "beam size (> 0)", ParamValidators.gt(0));
    private final IntParam maxLen = new IntParam(this, "maxLen", "most tokens generated (> 0)", ParamValidators.gt(0));

    protected OfaDecodingTransformer(String uid, SearchSettings defaults) {
        super(uid);
        setDefault(beamSize, defaults.beamSize());
        setDefault(maxLen, defaults.maxLen());
    }

    public IntParam beamSize() {
        return beamSize;
    }

    public IntParam maxLen() {
        return maxLen;
    }

    public OfaDecodingTransformer setBeamSize(int v) {
        set(beamSize, v);
        return this;
    }

    public OfaDecodingTransformer setMaxLen(int v) {
        set(maxLen, v);
        return this;
    }

    /** The given defaults with this stage's beam size and length. */
    protected SearchSettings settings(SearchSettings defaults) {
        return defaults.withBeam((Integer) value(beamSize)).withMaxLen((Integer) value(maxLen));
    }
}
