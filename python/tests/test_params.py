"""scikit-learn's parameter protocol, implemented without scikit-learn: __init__ stores its
keyword arguments unchanged, get_params / set_params, and defaults that are the CLI's."""

import inspect
import math
import subprocess

import pytest

from shrinknet import ShrinkNetClassifier, ShrinkNetRegressor

CLI_NAMES = {"arch", "hidden", "layers", "activation", "method", "noise", "noise_raw",
             "block_noise", "placement", "input_noise", "objective", "samples", "sigma0",
             "prior", "hyperprior", "estimator", "variant", "optimizer", "lr", "momentum",
             "batch", "epochs", "seed"}
PY_NAMES = {"test_samples", "predict_seed", "threads"}


@pytest.mark.parametrize("cls", [ShrinkNetRegressor, ShrinkNetClassifier])
def test_get_set_params(cls):
    names = set(cls().get_params())
    extra = {"precision"} if cls is ShrinkNetRegressor else {"likelihood"}
    assert names == CLI_NAMES | PY_NAMES | extra
    est = cls(hidden=7, noise="gaussian:0.5")
    p = est.get_params()
    assert p["hidden"] == 7 and p["noise"] == "gaussian:0.5" and p["epochs"] == 4500
    assert p == est.get_params(deep=False)
    # A clone in scikit-learn's sense: the same parameters, the very same objects.
    clone = cls(**p)
    assert all(clone.get_params()[k] is v for k, v in p.items())
    assert est.set_params(hidden=9, lr=0.01) is est
    assert est.hidden == 9 and est.lr == 0.01
    assert repr(est) == "%s(hidden=9, lr=0.01, noise='gaussian:0.5')" % cls.__name__
    assert repr(cls()) == cls.__name__ + "()"


@pytest.mark.parametrize("cls", [ShrinkNetRegressor, ShrinkNetClassifier])
def test_init_stores_without_checking(cls):
    # Anything goes into __init__; problems surface in fit, in the library's words.
    weird = {"hidden": "many", "noise": object(), "epochs": -5, "sigma0": None}
    est = cls(**weird)
    for k, v in weird.items():
        assert getattr(est, k) is v
    sig = inspect.signature(cls.__init__)
    assert all(p.kind == p.KEYWORD_ONLY for name, p in sig.parameters.items() if name != "self")


def test_fit_leaves_parameters_alone(iris):
    X, y = iris
    est = ShrinkNetClassifier(epochs=2, test_samples=10)
    before = est.get_params()
    est.fit(X, y)
    assert est.get_params() == before
    assert est.likelihood == "auto"


def test_defaults_match_the_cli(cli):
    """Every default of the estimators is the default `shrinknet train --help` lists."""
    out = subprocess.run([cli, "train", "--help"], capture_output=True, text=True).stdout
    p = ShrinkNetRegressor().get_params()
    assert p["sigma0"] == math.inf and p["precision"] == "learn" and p["block_noise"] is None
    assert p["noise_raw"] is False and p["input_noise"] is True
    for name in ("hidden", "layers", "samples", "batch", "epochs", "seed", "lr"):
        flag = "--" + name
        line = next(l for l in out.splitlines() if l.strip().startswith(flag + " ")
                    or (", " + flag + " ") in l)
        text = line.rsplit("(default ", 1)[1].split(")")[0]
        assert float(text) == float(p[name]), (name, line)
    for name in ("arch", "activation", "method", "noise", "placement", "objective", "prior",
                 "hyperprior", "estimator", "variant", "optimizer"):
        line = next(l for l in out.splitlines() if l.strip().startswith("--" + name + " "))
        assert "(default %s)" % p[name] in line, (name, line)
