"""scikit-learn style estimators over libshrinknet: ShrinkNetRegressor and ShrinkNetClassifier.

Conventions (scikit-learn's, implemented here without importing it):
  - __init__ takes keyword arguments only and stores them unchanged; nothing is checked before
    fit. The names mirror the CLI's options of `shrinknet train` (--block-noise -> block_noise,
    --no-input-noise -> input_noise=False, ...) and reach the library as text through
    sn_train_params_set, so a bad value is reported by the library in its own words.
  - fit(X, y) returns self; what it learns ends in an underscore (model_, n_features_in_, ...).
  - get_params / set_params, clone-able, picklable.
The library standardises X and y itself with the training statistics (stored in the model), so
raw data go in and predictions come out in the original units, exactly as with the CLI.
"""

import ctypes
import inspect
import numbers
import os
import warnings

import numpy as np

from . import _lib
from ._lib import Model, SnError, SnMetrics, check, dptr, lib

_INF = float("inf")
# numpy >= 2 keeps its warning classes in numpy.exceptions only.
_ComplexWarning = getattr(getattr(np, "exceptions", np), "ComplexWarning")

# (estimator parameter, sn_train_params_set key), in the order they are set. The order matters
# where one setting touches another field: "arch" after "layers", since arch=resnet raises the
# layer count to 2 and "resnet:WxL" sets both; "noise-raw" after both noise specs, since
# parsing a spec sets mean_one again. The CLI follows the library's table (sn_train_param_info),
# which puts arch first: it applies only the options given, so that --hidden overrides a WxL;
# every parameter is set here, so arch comes last and its WxL wins.
_C_KEYS = [
    ("hidden", "hidden"),
    ("layers", "layers"),
    ("arch", "arch"),
    ("activation", "activation"),
    ("likelihood", "likelihood"),
    ("method", "method"),
    ("noise", "noise"),
    ("block_noise", "block-noise"),
    ("noise_raw", "noise-raw"),
    ("placement", "placement"),
    ("input_noise", "input-noise"),
    ("objective", "objective"),
    ("samples", "samples"),
    ("sigma0", "sigma0"),
    ("prior", "prior"),
    ("hyperprior", "hyperprior"),
    ("estimator", "estimator"),
    ("variant", "variant"),
    ("precision", "precision"),
    ("optimizer", "optimizer"),
    ("lr", "lr"),
    ("momentum", "momentum"),
    ("batch", "batch"),
    ("epochs", "epochs"),
    ("seed", "seed"),
]


def _to_text(name, value):
    """A parameter value as the text sn_train_params_set parses: booleans as true/false,
    integers in decimal, reals with repr (the shortest text that reads back to the same double;
    inf as "inf"), strings unchanged."""
    if isinstance(value, (bool, np.bool_)):
        text = "true" if value else "false"
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = repr(float(value))
    else:
        text = str(value)
    if "\0" in text:
        raise ValueError("parameter %s: a value may not contain a NUL character" % name)
    return text.encode("utf-8")


# ----------------------------------------------------------------------------------------------
# Input arrays
# ----------------------------------------------------------------------------------------------


def _as_float_array(a, name):
    if hasattr(a, "toarray") and hasattr(a, "nnz"):
        raise ValueError("%s: sparse matrices are not supported; pass %s.toarray()" % (name, name))
    try:
        raw = np.asarray(a)
    except (ValueError, TypeError) as e:
        raise ValueError("%s: cannot be read as an array of numbers (%s)" % (name, e)) from None
    if raw.dtype.kind == "c":
        raise ValueError("%s: complex values are not supported" % name)
    if raw.dtype.kind in "mM":
        raise ValueError("%s: dates and time spans are not supported; convert them to numbers"
                         % name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _ComplexWarning)
            return raw.astype(np.float64, copy=False)
    except (ValueError, TypeError, OverflowError, _ComplexWarning) as e:
        raise ValueError("%s: cannot be converted to float64 (%s)" % (name, e)) from None


def _as_matrix(X):
    """X as a C-contiguous float64 matrix [n][d]; a clear ValueError otherwise. Non-finite values
    are left for the library to report (it names the row and the column)."""
    a = _as_float_array(X, "X")
    if a.ndim == 0:
        raise ValueError("X: expected a 2-D array [n_samples][n_features], got a scalar")
    if a.ndim == 1:
        raise ValueError("X: expected a 2-D array [n_samples][n_features], got a 1-D array of "
                         "%d values; use X.reshape(-1, 1) for one feature or X.reshape(1, -1) "
                         "for one sample" % a.shape[0])
    if a.ndim > 2:
        raise ValueError("X: expected a 2-D array [n_samples][n_features], got %d dimensions %s"
                         % (a.ndim, a.shape))
    if a.shape[1] == 0:
        raise ValueError("X: expected at least one feature column, got shape %s" % (a.shape,))
    return np.ascontiguousarray(a)


def _as_vector(y, n_rows):
    """y as a 1-D array of n_rows values ([n][1] is flattened); a clear ValueError otherwise."""
    try:
        a = np.asarray(y)
    except (ValueError, TypeError) as e:
        raise ValueError("y: cannot be read as an array (%s)" % e) from None
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError("y: expected a 1-D array of %d targets, got shape %s"
                         % (n_rows, a.shape))
    if a.shape[0] != n_rows:
        raise ValueError("X and y have different lengths: X has %d rows, y has %d values"
                         % (n_rows, a.shape[0]))
    return a


def _size_param(value, name, lo):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or not lo <= int(value) < 2 ** 64:
        raise ValueError("%s must be an integer >= %d, got %r" % (name, lo, value))
    return int(value)


# ----------------------------------------------------------------------------------------------
# Restoring constructor parameters from a model file
# ----------------------------------------------------------------------------------------------

# Number of parameters each noise family takes in a spec (sn_noise_parse).
_NOISE_ARITY = {"none": 0, "bernoulli": 1, "gaussian": 1, "rayleigh": 1, "invnakagami": 2,
                "halfcauchy": 1, "beta": 2, "uniform": 2}
_HYPER_ARITY = {"invgamma": 2, "halfcauchy": 1, "loguniform": 0}


def _num_text(s):
    x = float(s)
    if x.is_integer() and abs(x) < 2 ** 53:
        return str(int(x))
    return repr(x)


def _spec(family, args, arity):
    k = arity.get(family, len(args))
    return family + (":" + ",".join(_num_text(a) for a in args[:k]) if k else "")


def _params_from_file(path):
    """The constructor parameters recorded in a model file (docs/FORMATS.md, version 1): the
    header lines before x_mean. Only called after sn_model_load accepted the file."""
    kv = {}
    with open(path, "r", encoding="ascii", errors="replace") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0] == "x_mean":
                break
            kv[parts[0]] = parts[1:]
    out = {}
    one = {"arch": "arch", "activation": "activation", "method": "method",
           "placement": "placement", "objective": "objective", "prior": "prior",
           "estimator": "estimator", "variant": "variant", "optimizer": "optimizer",
           "likelihood": "likelihood"}
    for key, name in one.items():
        if key in kv:
            out[name] = kv[key][0]
    ints = {"n_hidden": "hidden", "n_layers": "layers", "n_samples": "samples",
            "batch_size": "batch", "n_epochs": "epochs", "seed": "seed"}
    for key, name in ints.items():
        if key in kv:
            out[name] = int(kv[key][0])
    reals = {"sigma0": "sigma0", "learning_rate": "lr", "momentum": "momentum"}
    for key, name in reals.items():
        if key in kv:
            out[name] = float(kv[key][0])
    if "noise" in kv:
        fam, args, mean_one = kv["noise"][0], kv["noise"][1:3], kv["noise"][3] == "true"
        out["noise"] = _spec(fam, args, _NOISE_ARITY)
        # Parsing a spec sets mean_one for every family but halfcauchy.
        out["noise_raw"] = (not mean_one) and fam not in ("halfcauchy", "none")
    if "block_noise" in kv:
        fam, args = kv["block_noise"][0], kv["block_noise"][1:3]
        out["block_noise"] = None if fam == "none" else _spec(fam, args, _NOISE_ARITY)
    if "noise_on_input" in kv:
        out["input_noise"] = kv["noise_on_input"][0] == "true"
    if "hyper" in kv:
        out["hyperprior"] = _spec(kv["hyper"][0], kv["hyper"][1:], _HYPER_ARITY)
    if "precision" in kv and "learn_precision" in kv:
        learned = kv["learn_precision"][0] == "true"
        out["precision"] = "learn" if learned else float(kv["precision"][0])
    return out


# ----------------------------------------------------------------------------------------------
# The shared base
# ----------------------------------------------------------------------------------------------


class _ShrinkNetBase:
    _estimator_type = None

    # -- parameters (scikit-learn's protocol) ---------------------------------------------------
    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind == p.KEYWORD_ONLY)

    def get_params(self, deep=True):
        """The constructor parameters as a dict (deep is accepted for scikit-learn; there are no
        nested estimators)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor parameters; returns self. Unknown names are a ValueError."""
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError("invalid parameter %r for estimator %s; valid parameters are: %s"
                                 % (key, type(self).__name__, ", ".join(valid)))
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default
                    for p in inspect.signature(type(self).__init__).parameters.values()
                    if p.kind == p.KEYWORD_ONLY}
        changed = []
        for name in self._get_param_names():
            v, d = getattr(self, name, None), defaults.get(name)
            try:
                same = v is d or (type(v) is type(d) and bool(v == d))
            except Exception:
                same = False
            if not same:
                changed.append("%s=%r" % (name, v))
        return "%s(%s)" % (type(self).__name__, ", ".join(changed))

    def __sklearn_tags__(self):
        # Called by scikit-learn >= 1.6 only, so it may import it.
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        is_clf = self._estimator_type == "classifier"
        return Tags(estimator_type=self._estimator_type,
                    target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags() if is_clf else None,
                    regressor_tags=None if is_clf else RegressorTags())

    # -- fitting ----------------------------------------------------------------------------------
    def _reset(self):
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("_"):
                delattr(self, name)

    def _check_fitted(self):
        if getattr(self, "model_", None) is None:
            raise NotFittedError("this %s is not fitted yet; call fit(X, y) or load(path) first"
                                 % type(self).__name__)

    def _c_params(self, extra):
        """A new sn_train_params handle with every parameter set (caller frees)."""
        h = lib()
        p = h.sn_train_params_new()
        if not p:
            raise MemoryError("sn_train_params_new: out of memory")
        try:
            err = SnError()
            values = self.get_params()
            values.update(extra)
            for name, key in _C_KEYS:
                if name not in values or values[name] is None:
                    continue
                st = h.sn_train_params_set(p, key.encode(), _to_text(name, values[name]),
                                           ctypes.byref(err))
                check(st, err)
            if "classes" in extra:
                st = h.sn_train_params_set(p, b"classes", _to_text("classes", extra["classes"]),
                                           ctypes.byref(err))
                check(st, err)
            st = h.sn_train_params_check(p, None, ctypes.byref(err))
            check(st, err)
        except BaseException:
            h.sn_train_params_free(p)
            raise
        return p

    def _threads(self):
        if self.threads is None:
            return None
        return _size_param(self.threads, "threads", 1)

    def _train(self, X, y_codes, extra):
        """Train on float64 arrays X [n][d] and y [n]; returns a Model."""
        h = lib()
        threads = self._threads()
        p = self._c_params(extra)
        data = None
        try:
            data = _lib.make_data(X, y_codes)
            err = SnError()
            out = ctypes.c_void_p()
            with _lib.blas_threads(threads):
                st = h.sn_train(p, data, ctypes.byref(out), ctypes.byref(err))
            if st != _lib.SN_OK:
                # On SN_ENUMERIC the library hands back the last good model; it is not kept.
                if out:
                    h.sn_model_free(out)
                check(st, err)
            return Model(out)
        finally:
            if data is not None:
                h.sn_data_free(data)
            h.sn_train_params_free(p)

    def _set_model(self, model):
        self.model_ = model
        self.n_features_in_ = model.n_inputs

    # -- prediction helpers ---------------------------------------------------------------------
    def _check_X(self, X):
        self._check_fitted()
        X = _as_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d features as input"
                             % (X.shape[1], type(self).__name__, self.n_features_in_))
        return X

    def _draws(self):
        """(T, seed) of the Monte Carlo prediction: test_samples and predict_seed."""
        return (_size_param(self.test_samples, "test_samples", 1),
                _size_param(self.predict_seed, "predict_seed", 0))

    def _evaluate(self, X, y_codes):
        h = lib()
        T, seed = self._draws()
        data = _lib.make_data(X, y_codes)
        try:
            err = SnError()
            m = SnMetrics()
            with _lib.blas_threads(self._threads()):
                st = h.sn_evaluate(self.model_.handle, data, T, seed, ctypes.byref(m),
                                   ctypes.byref(err))
            check(st, err)
        finally:
            h.sn_data_free(data)
        return m.as_dict()

    # -- files ----------------------------------------------------------------------------------
    def save(self, path):
        """Write the fitted model to path in the CLI's model file format (*.snm), atomically
        (a temporary file in the same folder, then a rename). Returns self."""
        self._check_fitted()
        self.model_.save(os.fspath(path))
        return self

    @classmethod
    def _from_file(cls, path, params):
        """An unfitted estimator with the parameters recorded in the model file at path,
        overridden by params."""
        try:
            restored = _params_from_file(path)
        except (OSError, ValueError, IndexError) as e:
            warnings.warn("shrinknet: could not read the training parameters of %s (%s); "
                          "get_params() shows the defaults" % (path, e))
            restored = {}
        names = cls._get_param_names()
        kwargs = {k: v for k, v in restored.items() if k in names}
        kwargs.update(params)
        return cls(**kwargs)


class NotFittedError(ValueError, AttributeError):
    """Raised when predicting with an estimator that has not been fitted (as scikit-learn's
    NotFittedError, a ValueError and an AttributeError)."""


# ----------------------------------------------------------------------------------------------
# Regression
# ----------------------------------------------------------------------------------------------


class ShrinkNetRegressor(_ShrinkNetBase):
    """A network regularised by multiplicative noise (MC dropout and its relatives) or trained by
    variational EM under a structured shrinkage prior, with a Gaussian likelihood.

    Parameters mirror `shrinknet train` (see `shrinknet train --help`); the defaults are the
    CLI's. Not passed to the training but used by the prediction methods: ``test_samples`` (T,
    the number of Monte Carlo draws, 1000 as `shrinknet predict`), ``predict_seed`` (1) and
    ``threads`` (OpenBLAS threads during the library's calls, 1 as the CLI; None leaves them).

    Fitted attributes: ``model_`` (the library's model), ``n_features_in_``, ``precision_`` (the
    noise precision kappa of the likelihood, original units of y).
    """

    _estimator_type = "regressor"

    def __init__(self, *, arch="mlp", hidden=50, layers=1, activation="relu", method="mc",
                 noise="bernoulli:0.995", noise_raw=False, block_noise=None, placement="units",
                 input_noise=True, objective="lb", samples=10, sigma0=_INF, prior="ard",
                 hyperprior="invgamma:3,3", estimator="local", variant="exact",
                 precision="learn", optimizer="adam", lr=1e-3, momentum=0.0, batch=32,
                 epochs=4500, seed=1, test_samples=1000, predict_seed=1, threads=1):
        self.arch = arch
        self.hidden = hidden
        self.layers = layers
        self.activation = activation
        self.method = method
        self.noise = noise
        self.noise_raw = noise_raw
        self.block_noise = block_noise
        self.placement = placement
        self.input_noise = input_noise
        self.objective = objective
        self.samples = samples
        self.sigma0 = sigma0
        self.prior = prior
        self.hyperprior = hyperprior
        self.estimator = estimator
        self.variant = variant
        self.precision = precision
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch = batch
        self.epochs = epochs
        self.seed = seed
        self.test_samples = test_samples
        self.predict_seed = predict_seed
        self.threads = threads

    def fit(self, X, y):
        """Train on X [n_samples][n_features] and real targets y [n_samples]. Returns self."""
        self._reset()
        X = _as_matrix(X)
        y = np.ascontiguousarray(_as_float_array(_as_vector(y, X.shape[0]), "y"))
        self._set_model(self._train(X, y, {"likelihood": "gaussian"}))
        return self

    def _set_model(self, model):
        if model.n_classes:
            raise ValueError("the model is a classifier with %d classes; use ShrinkNetClassifier"
                             % model.n_classes)
        super()._set_model(model)
        self.precision_ = model.precision

    def predict(self, X, return_std=False):
        """Predictive mean over T = test_samples Monte Carlo draws, original units of y; with
        return_std=True also the predictive standard deviation (model and noise, MATH.md (35)),
        as `shrinknet predict` computes them."""
        X = self._check_X(X)
        T, seed = self._draws()
        n = X.shape[0]
        mean = np.empty(n)
        std = np.empty(n) if return_std else None
        err = SnError()
        with _lib.blas_threads(self._threads()):
            st = lib().sn_predict(self.model_.handle, dptr(X), n, T, seed, 0.95, dptr(mean),
                                  dptr(std), None, None, ctypes.byref(err))
        check(st, err)
        return (mean, std) if return_std else mean

    def predict_interval(self, X, level=0.95):
        """(lower, upper): the central interval of the predictive mixture at the given level,
        the lower and upper columns of `shrinknet predict`."""
        X = self._check_X(X)
        T, seed = self._draws()
        n = X.shape[0]
        lower, upper = np.empty(n), np.empty(n)
        err = SnError()
        with _lib.blas_threads(self._threads()):
            st = lib().sn_predict(self.model_.handle, dptr(X), n, T, seed, float(level), None,
                                  None, dptr(lower), dptr(upper), ctypes.byref(err))
        check(st, err)
        return lower, upper

    def predict_samples(self, X):
        """The T Monte Carlo predictions [T][n_samples] (fresh noise per draw for MC networks,
        weights drawn from q(W) for variational EM), original units of y."""
        X = self._check_X(X)
        T, seed = self._draws()
        n = X.shape[0]
        out = np.empty((T, n))
        err = SnError()
        with _lib.blas_threads(self._threads()):
            st = lib().sn_predict_samples(self.model_.handle, dptr(X), n, T, seed, dptr(out),
                                          ctypes.byref(err))
        check(st, err)
        return out

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictive mean (scikit-learn's definition: 1 when y is constant and
        predicted exactly, 0 when constant and not)."""
        X = self._check_X(X)
        y = _as_float_array(_as_vector(y, X.shape[0]), "y")
        return _r2(y, self.predict(X), sample_weight)

    def evaluate(self, X, y):
        """The library's test metrics (sn_evaluate, `shrinknet eval --json`): a dict with n, rmse,
        ll, ll_gauss, mae, ref_abs_err (original units of y); accuracy, brier, ece are NaN."""
        X = self._check_X(X)
        y = np.ascontiguousarray(_as_float_array(_as_vector(y, X.shape[0]), "y"))
        return self._evaluate(X, y)

    @classmethod
    def load(cls, path, **params):
        """A fitted regressor from a model file written by save() or `shrinknet train`. The
        training parameters recorded in the file become the constructor parameters; params
        (e.g. test_samples, predict_seed) override them."""
        model = Model.load(os.fspath(path))
        if model.n_classes:
            raise ValueError("%s holds a classifier with %d classes; load it with "
                             "ShrinkNetClassifier.load" % (os.fspath(path), model.n_classes))
        est = cls._from_file(os.fspath(path), params)
        est._set_model(model)
        return est


def _r2(y, pred, sample_weight):
    w = np.ones_like(y) if sample_weight is None else \
        _as_float_array(_as_vector(sample_weight, y.shape[0]), "sample_weight")
    ss_res = np.sum(w * (y - pred) ** 2)
    ss_tot = np.sum(w * (y - np.average(y, weights=w)) ** 2)
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return float(1.0 - ss_res / ss_tot)


# ----------------------------------------------------------------------------------------------
# Classification
# ----------------------------------------------------------------------------------------------


class ShrinkNetClassifier(_ShrinkNetBase):
    """The same networks with a Bernoulli (logistic) or categorical (softmax) likelihood.

    Labels may be any values numpy can sort (ints, strings, ...); they are mapped to 0..K-1 for
    the library with numpy.unique and back in predict (classes_). ``likelihood`` is "auto"
    (Bernoulli for two classes, categorical otherwise), "bernoulli" or "categorical". Other
    parameters as ShrinkNetRegressor, without the Gaussian noise precision.

    Fitted attributes: ``model_``, ``n_features_in_``, ``classes_``, ``n_classes_``.
    """

    _estimator_type = "classifier"

    def __init__(self, *, arch="mlp", hidden=50, layers=1, activation="relu",
                 likelihood="auto", method="mc", noise="bernoulli:0.995", noise_raw=False,
                 block_noise=None, placement="units", input_noise=True, objective="lb",
                 samples=10, sigma0=_INF, prior="ard", hyperprior="invgamma:3,3",
                 estimator="local", variant="exact", optimizer="adam", lr=1e-3, momentum=0.0,
                 batch=32, epochs=4500, seed=1, test_samples=1000, predict_seed=1, threads=1):
        self.arch = arch
        self.hidden = hidden
        self.layers = layers
        self.activation = activation
        self.likelihood = likelihood
        self.method = method
        self.noise = noise
        self.noise_raw = noise_raw
        self.block_noise = block_noise
        self.placement = placement
        self.input_noise = input_noise
        self.objective = objective
        self.samples = samples
        self.sigma0 = sigma0
        self.prior = prior
        self.hyperprior = hyperprior
        self.estimator = estimator
        self.variant = variant
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch = batch
        self.epochs = epochs
        self.seed = seed
        self.test_samples = test_samples
        self.predict_seed = predict_seed
        self.threads = threads

    @staticmethod
    def _labels(y, n_rows):
        y = _as_vector(y, n_rows)
        if y.dtype.kind == "c":
            raise ValueError("y: complex class labels are not supported")
        if y.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(y))
            if bad.size:
                raise ValueError("y: row %d: a class label must be finite, found %r"
                                 % (bad[0], y[bad[0]]))
            if np.any(y != np.round(y)):
                raise ValueError("y: the targets look continuous (non-integer values); "
                                 "ShrinkNetClassifier needs class labels (use ShrinkNetRegressor "
                                 "for regression)")
        return y

    def fit(self, X, y):
        """Train on X [n_samples][n_features] and class labels y [n_samples]. Returns self."""
        self._reset()
        X = _as_matrix(X)
        y = self._labels(y, X.shape[0])
        try:
            classes, codes = np.unique(y, return_inverse=True)
        except TypeError as e:
            raise ValueError("y: class labels cannot be sorted (%s)" % e) from None
        K = classes.shape[0]
        if K < 2:
            raise ValueError("y: a classifier needs at least 2 classes, found %d%s"
                             % (K, " (%r)" % (classes[0],) if K else ""))
        lik = self.likelihood
        if lik is None or (isinstance(lik, str) and lik == "auto"):
            lik = "bernoulli" if K == 2 else "categorical"
        elif lik not in ("bernoulli", "categorical"):
            raise ValueError("likelihood must be auto, bernoulli or categorical for a classifier, "
                             "got %r" % (lik,))
        extra = {"likelihood": lik}
        if lik == "categorical":
            extra["classes"] = K
        codes = np.ascontiguousarray(codes.reshape(-1), dtype=np.float64)
        model = self._train(X, codes, extra)
        self._set_model(model, classes)
        return self

    def _set_model(self, model, classes=None):
        K = model.n_classes
        if not K:
            raise ValueError("the model is a regression model; use ShrinkNetRegressor")
        if classes is None:
            classes = np.arange(K)
        classes = np.asarray(classes)
        if classes.ndim != 1 or classes.shape[0] != K or np.unique(classes).shape[0] != K:
            raise ValueError("classes: expected %d distinct labels, got %r" % (K, classes))
        super()._set_model(model)
        self.classes_ = classes
        self.n_classes_ = K

    def predict_proba(self, X):
        """Class probabilities [n_samples][n_classes] averaged over T = test_samples Monte Carlo
        draws, columns in the order of classes_."""
        X = self._check_X(X)
        T, seed = self._draws()
        n = X.shape[0]
        proba = np.empty((n, self.n_classes_))
        err = SnError()
        with _lib.blas_threads(self._threads()):
            st = lib().sn_predict_proba(self.model_.handle, dptr(X), n, T, seed, dptr(proba),
                                        ctypes.byref(err))
        check(st, err)
        return proba

    def predict_log_proba(self, X):
        """log of predict_proba (-inf where a probability underflowed to 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row (the first on ties, as `shrinknet predict`)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy (the weighted fraction of rows predicted correctly)."""
        X = self._check_X(X)
        y = _as_vector(y, X.shape[0])
        # Compared as Python objects: numpy's == on arrays of unlike dtypes (labels "a" against
        # 1) does not compare elementwise.
        correct = np.array([p == t for p, t in zip(self.predict(X).tolist(), y.tolist())],
                           dtype=np.float64)
        if sample_weight is None:
            return float(np.mean(correct))
        w = _as_float_array(_as_vector(sample_weight, X.shape[0]), "sample_weight")
        return float(np.average(correct, weights=w))

    def _codes(self, y, n_rows):
        """Labels y mapped to 0..K-1 through classes_ (as float64 for the library)."""
        y = self._labels(y, n_rows)
        index = {c: k for k, c in enumerate(self.classes_.tolist())}
        codes = np.empty(y.shape[0])
        for i, label in enumerate(y.tolist()):
            k = index.get(label)
            if k is None:
                raise ValueError("y: row %d: label %r is not one of the classes seen in fit %s"
                                 % (i, label, self.classes_.tolist()))
            codes[i] = k
        return codes

    def evaluate(self, X, y):
        """The library's test metrics (sn_evaluate, `shrinknet eval --json`): a dict with n,
        accuracy, ll (mean log predictive probability), brier, ece (15 bins); the regression
        figures are NaN."""
        X = self._check_X(X)
        return self._evaluate(X, self._codes(y, X.shape[0]))

    @classmethod
    def load(cls, path, classes=None, **params):
        """A fitted classifier from a model file written by save() or `shrinknet train`. A model
        file knows only the labels 0..K-1: classes_ is np.arange(K) unless classes gives the
        original labels (in sorted order, as fit's classes_). Other params override the
        constructor parameters recorded in the file."""
        model = Model.load(os.fspath(path))
        if not model.n_classes:
            raise ValueError("%s holds a regression model; load it with ShrinkNetRegressor.load"
                             % os.fspath(path))
        est = cls._from_file(os.fspath(path), params)
        est._set_model(model, classes)
        return est


def load(path, **params):
    """ShrinkNetClassifier.load or ShrinkNetRegressor.load, whichever the model file holds."""
    model = Model.load(os.fspath(path))
    cls = ShrinkNetClassifier if model.n_classes else ShrinkNetRegressor
    classes = params.pop("classes", None)
    if classes is not None and cls is ShrinkNetRegressor:
        raise ValueError("%s holds a regression model, which has no classes" % os.fspath(path))
    est = cls._from_file(os.fspath(path), params)
    if cls is ShrinkNetClassifier:
        est._set_model(model, classes)
    else:
        est._set_model(model)
    return est


def metrics_regression(yhat, y, precision):
    """sn_metrics_regression: metrics of draws yhat [T][n] for targets y [n] with the noise
    precision kappa (original units). Returns a dict as evaluate()."""
    yhat = np.ascontiguousarray(_as_float_array(yhat, "yhat"))
    if yhat.ndim != 2:
        raise ValueError("yhat: expected [T][n] draws, got shape %s" % (yhat.shape,))
    y = np.ascontiguousarray(_as_float_array(_as_vector(y, yhat.shape[1]), "y"))
    m, err = SnMetrics(), SnError()
    check(lib().sn_metrics_regression(dptr(yhat), dptr(y), yhat.shape[0], yhat.shape[1],
                                      float(precision), ctypes.byref(m), ctypes.byref(err)), err)
    return m.as_dict()


def metrics_classification(proba, labels):
    """sn_metrics_classification: accuracy, ll, brier and ece of probabilities proba [n][K] for
    integer labels 0..K-1 [n]. Returns a dict as evaluate()."""
    proba = np.ascontiguousarray(_as_float_array(proba, "proba"))
    if proba.ndim != 2:
        raise ValueError("proba: expected [n][K] probabilities, got shape %s" % (proba.shape,))
    labels = np.ascontiguousarray(_as_float_array(_as_vector(labels, proba.shape[0]), "labels"))
    m, err = SnMetrics(), SnError()
    check(lib().sn_metrics_classification(dptr(proba), dptr(labels), proba.shape[0],
                                          proba.shape[1], ctypes.byref(m), ctypes.byref(err)),
          err)
    return m.as_dict()
