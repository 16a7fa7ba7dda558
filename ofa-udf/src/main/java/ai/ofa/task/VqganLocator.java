package ai.ofa.task;

import ai.ofa.model.ModelPackageException;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.ModelPackage;
import ai.ofa.model.VqganModel;
import ai.ofa.model.VqganPackage;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the VQGAN package of the image-code tasks: the one given ({@code --vqgan PKG}, a stage's
 * {@code vqganPath}), else the one inside the OFA package ({@code ./ofa convert --vqgan}), else a clear error. Its
 * codebook must be the OFA vocabulary's code range.
 *
 * <pre>{@code VqganModel vq = VqganLocator.forModel(model, null, SessionSettings.DEFAULT);}</pre>
 */
public final class VqganLocator {
    private VqganLocator() {
    }

    /** The shared VQGAN model for {@code model}; {@code explicit} may be null. */
    public static VqganModel forModel(OfaModel model, Path explicit, SessionSettings settings) {
        VqganModel vq = VqganModel.shared(packagePath(model.modelPackage(), explicit), settings);
        check(model, vq);
        return vq;
    }

    /** The VQGAN package of {@code ofa}: {@code explicit} when not null, else the one inside it, else an error. */
    public static Path packagePath(ModelPackage ofa, Path explicit) {
        Optional<Path> path = explicit != null ? Optional.of(explicit) : ofa.vqganPackage();
        return path.orElseThrow(() -> new ModelPackageException("No VQGAN package for " + ofa.name() + ": pass "
                + "--vqgan PKG (a package made by ./ofa convert-vqgan; in Spark the stage's vqganPath), or convert "
                + "the OFA checkpoint with ./ofa convert --vqgan PKG so that the package contains one"));
    }

    /** The VQGAN's codes must be the OFA vocabulary's image codes. */
    public static void check(OfaModel model, VqganModel vq) {
        check(model.modelPackage(), vq.vqganPackage());
    }

    /** The same check on the packages alone (no model loaded). */
    public static void check(ModelPackage ofa, VqganPackage vq) {
        int ofaCodes = ofa.vocabulary().numCodes();
        if (vq.numCodes() != ofaCodes) {
            throw new ModelPackageException("VQGAN package " + vq.name() + " has " + vq.numCodes() + " codes, but "
                    + "model " + ofa.name() + " writes " + ofaCodes + " image codes: use the VQGAN the OFA model was "
                    + "trained with");
        }
    }
}
