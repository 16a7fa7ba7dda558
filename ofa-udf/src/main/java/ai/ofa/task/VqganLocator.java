package ai.ofa.task;

import ai.ofa.model.ModelPackageException;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;

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
        Optional<Path> path = explicit != null ? Optional.of(explicit) : model.modelPackage().vqganPackage();
        if (path.isEmpty()) {
            throw new ModelPackageException("No VQGAN package for " + model.modelPackage().name() + ": pass --vqgan "
                    + "PKG (a package made by ./ofa convert-vqgan; in Spark the stage's vqganPath), or convert the "
                    + "OFA checkpoint with ./ofa convert --vqgan PKG so that the package contains one");
        }
        VqganModel vq = VqganModel.shared(path.get(), settings);
        check(model, vq);
        return vq;
    }

    /** The VQGAN's codes must be the OFA vocabulary's image codes. */
    public static void check(OfaModel model, VqganModel vq) {
        int ofaCodes = model.modelPackage().vocabulary().numCodes();
        if (vq.vqganPackage().numCodes() != ofaCodes) {
            throw new ModelPackageException("VQGAN package " + vq.vqganPackage().name() + " has "
                    + vq.vqganPackage().numCodes() + " codes, but model " + model.modelPackage().name() + " writes "
                    + ofaCodes + " image codes: use the VQGAN the OFA model was trained with");
        }
    }
}
