"""shrinknet: networks regularised by multiplicative noise, read as structured shrinkage priors
(Nalisnick, Hernández-Lobato, Smyth, "Dropout as a Structured Shrinkage Prior", ICML 2019).

A thin binding of the C library libshrinknet (ctypes and numpy only) with scikit-learn's
estimator conventions:

    from shrinknet import ShrinkNetRegressor, ShrinkNetClassifier
    reg = ShrinkNetRegressor(epochs=400, noise="bernoulli:0.995").fit(X, y)
    mean, std = reg.predict(X_new, return_std=True)
    clf = ShrinkNetClassifier(epochs=200).fit(X, labels)
    proba = clf.predict_proba(X_new)
    reg.save("model.snm")            # the CLI's model file: `shrinknet predict -m model.snm`

The library is found through $SHRINKNET_LIB, else the repository's build/libshrinknet.so next to
this package (python/shrinknet -> ../../build), else the system's library path.
"""

from ._lib import (
    ShrinkNetError,
    ShrinkNetIOError,
    ShrinkNetMemoryError,
    ShrinkNetNumericError,
    ShrinkNetValueError,
    library_path,
)
from .estimators import (
    NotFittedError,
    ShrinkNetClassifier,
    ShrinkNetRegressor,
    load,
    metrics_classification,
    metrics_regression,
)

__version__ = "0.1.0"  # SN_VERSION of include/shrinknet.h

__all__ = [
    "ShrinkNetRegressor",
    "ShrinkNetClassifier",
    "ShrinkNetError",
    "ShrinkNetValueError",
    "ShrinkNetIOError",
    "ShrinkNetMemoryError",
    "ShrinkNetNumericError",
    "NotFittedError",
    "load",
    "metrics_regression",
    "metrics_classification",
    "library_path",
]
