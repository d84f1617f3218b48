"""Error paths: the library's messages reach Python as exceptions; bad arrays give a clear
ValueError or are converted, never a crash."""

import math

import numpy as np
import pytest

import shrinknet
from shrinknet import (NotFittedError, ShrinkNetClassifier, ShrinkNetError, ShrinkNetIOError,
                       ShrinkNetNumericError, ShrinkNetRegressor, ShrinkNetValueError)


@pytest.fixture(scope="module")
def fitted(yacht):
    X_train, y_train, _, _ = yacht
    return ShrinkNetRegressor(epochs=2, test_samples=20).fit(X_train, y_train)


# -- messages of the C library --------------------------------------------------------------------

def test_bad_noise_spec_carries_the_library_message(yacht):
    X, y, _, _ = yacht
    with pytest.raises(ShrinkNetValueError) as e:
        ShrinkNetRegressor(noise="bernoulli:1.5", epochs=1).fit(X, y)
    assert str(e.value) == ('noise: noise "bernoulli:1.5": keep probability pi must be in (0, 1], '
                            "got 1.5")
    assert e.value.status == 1 and e.value.status_name == "invalid argument"
    assert isinstance(e.value, ValueError) and isinstance(e.value, ShrinkNetError)
    with pytest.raises(ShrinkNetValueError, match='unknown family "dropout"'):
        ShrinkNetRegressor(noise="dropout:0.5").fit(X, y)


@pytest.mark.parametrize("params,message", [
    ({"activation": "sigmoid"}, 'activation: expected relu or tanh, found "sigmoid"'),
    ({"hidden": 0}, 'hidden: expected an integer in [1, 100000], found "0"'),
    ({"hidden": 2.5}, 'hidden: expected an integer in [1, 100000], found "2.5"'),
    ({"samples": -1}, 'samples: expected an integer in [1, 100000], found "-1"'),
    ({"sigma0": -1.0}, 'sigma0: expected a number in [1e-300, inf], found "-1.0"'),
    ({"lr": math.nan}, 'lr: expected a number in [1e-300, 1e+300], found "nan"'),
    ({"momentum": 1.0}, 'momentum: expected a number in [0, 0.999999], found "1.0"'),
    ({"precision": "sometimes"},
     'precision: expected learn or a number in [1e-300, 1e+300], found "sometimes"'),
    ({"arch": "resnet:0x2"}, 'arch: expected mlp or resnet, optionally :WxL with W in '
                             '[1, 100000] and L in [1, 1000] (e.g. resnet:50x2), found '
                             '"resnet:0x2"'),
    ({"hyperprior": "gamma:1"}, "hyperprior: "),
    ({"batch": 10000}, "fewer than one minibatch of 10000"),
    ({"objective": "hier", "noise": "bernoulli:0.9"}, "objective hier"),
])
def test_bad_parameters(params, message, yacht):
    X, y, _, _ = yacht
    with pytest.raises(ShrinkNetValueError) as e:
        ShrinkNetRegressor(epochs=1, **params).fit(X, y)
    assert message in str(e.value)


def test_divergence_is_a_runtime_error(yacht):
    X, y, _, _ = yacht
    reg = ShrinkNetRegressor(lr=1e6, epochs=20)
    with pytest.raises(ShrinkNetNumericError, match="diverged in epoch") as e:
        reg.fit(X, y)
    assert isinstance(e.value, RuntimeError) and e.value.status == 6
    assert not hasattr(reg, "model_")


def test_model_files(tmp_path, fitted):
    with pytest.raises(ShrinkNetIOError) as e:
        ShrinkNetRegressor.load(tmp_path / "missing.snm")
    assert isinstance(e.value, OSError) and "missing.snm" in str(e.value)
    bad = tmp_path / "bad.snm"
    bad.write_text("shrinknet-model 1\nnot a model\n")
    with pytest.raises(ShrinkNetValueError) as e:
        shrinknet.load(bad)
    assert e.value.status == 4  # SN_EFORMAT
    good = tmp_path / "good.snm"
    fitted.save(good)
    text = good.read_text().replace("n_hidden 50", "n_hidden 51")
    bad.write_text(text)
    with pytest.raises(ShrinkNetValueError, match="checksum"):
        ShrinkNetRegressor.load(bad)
    with pytest.raises(OSError):
        fitted.save(tmp_path / "no" / "such" / "dir" / "m.snm")


# -- arrays -----------------------------------------------------------------------------------------

def test_nan_and_inf(yacht, fitted):
    X, y, X_test, _ = yacht
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ShrinkNetValueError, match=r"row 3, column 2 .*nan") as e:
        ShrinkNetRegressor(epochs=1).fit(Xn, y)
    assert e.value.status == 2  # SN_EDATA
    yn = y.copy()
    yn[5] = np.inf
    with pytest.raises(ShrinkNetValueError, match="row 5, target"):
        ShrinkNetRegressor(epochs=1).fit(X, yn)
    Xt = X_test.copy()
    Xt[1, 0] = -np.inf
    with pytest.raises(ShrinkNetValueError, match="not a finite number"):
        fitted.predict(Xt)
    with pytest.raises(ValueError, match="must be finite"):
        ShrinkNetClassifier(epochs=1).fit(X, np.where(np.arange(len(y)) == 4, np.nan, 1.0))


def test_shapes(yacht, fitted):
    X, y, X_test, _ = yacht
    reg = ShrinkNetRegressor(epochs=1)
    with pytest.raises(ValueError, match="1-D array"):
        reg.fit(X[:, 0], y)
    with pytest.raises(ValueError, match="scalar"):
        reg.fit(3.0, y)
    with pytest.raises(ValueError, match="3 dimensions"):
        reg.fit(X[:, :, None], y)
    with pytest.raises(ValueError, match="different lengths"):
        reg.fit(X, y[:-1])
    with pytest.raises(ValueError, match="1-D array"):
        reg.fit(X, np.stack([y, y], axis=1))
    with pytest.raises(ValueError, match="at least one feature"):
        reg.fit(X[:, :0], y)
    with pytest.raises(ShrinkNetValueError, match="fewer than one minibatch"):
        reg.fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="X has 5 features, but ShrinkNetRegressor is expecting 6"):
        fitted.predict(X_test[:, :5])
    with pytest.raises(ValueError, match="1-D array"):
        fitted.predict(X_test[0])
    with pytest.raises(ShrinkNetValueError, match="at least one row"):
        fitted.predict(X_test[:0])
    with pytest.raises(ValueError, match="complex"):
        fitted.predict(X_test.astype(complex))
    with pytest.raises(ValueError, match="float64"):
        fitted.predict([["a"] * 6])
    with pytest.raises(ValueError, match="cannot be read|float64"):
        fitted.predict([[1.0] * 6, [1.0] * 5])  # ragged
    # A column of targets [n][1] is taken as y.
    ShrinkNetRegressor(epochs=1).fit(X, y[:, None])


def test_converted_arrays_predict_the_same(yacht, fitted):
    X, y, X_test, _ = yacht
    want = fitted.predict(X_test)
    wide = np.zeros((X_test.shape[0], 2 * X_test.shape[1]))
    wide[:, ::2] = X_test
    view = wide[:, ::2]  # non-contiguous
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(fitted.predict(view), want)
    np.testing.assert_array_equal(fitted.predict(np.asfortranarray(X_test)), want)
    np.testing.assert_array_equal(fitted.predict(X_test.tolist()), want)
    np.testing.assert_array_equal(fitted.predict(X_test.astype(np.float32)),
                                  fitted.predict(X_test.astype(np.float32).astype(np.float64)))
    # Training on a non-contiguous view is training on its values.
    a = ShrinkNetRegressor(epochs=2).fit(np.asfortranarray(X), y[::-1][::-1]).predict(X_test)
    b = ShrinkNetRegressor(epochs=2).fit(X.copy(), y.copy()).predict(X_test)
    np.testing.assert_array_equal(a, b)
    # Integer features are converted.
    Xi = np.rint(X * 10).astype(np.int64)
    ShrinkNetRegressor(epochs=1).fit(Xi, y).predict(Xi[:3])


def test_predict_before_fit():
    for est in (ShrinkNetRegressor(), ShrinkNetClassifier()):
        with pytest.raises(NotFittedError, match="not fitted"):
            est.predict([[1.0, 2.0]])
        with pytest.raises(ValueError):
            est.save("never.snm")
    with pytest.raises(AttributeError):
        ShrinkNetClassifier().predict_proba([[1.0]])


def test_prediction_settings(fitted, yacht):
    _, _, X_test, _ = yacht
    for bad in (0, -3, 2.5, "many", True):
        fitted.set_params(test_samples=bad)
        with pytest.raises(ValueError, match="test_samples"):
            fitted.predict(X_test)
    fitted.set_params(test_samples=20, predict_seed=-1)
    with pytest.raises(ValueError, match="predict_seed"):
        fitted.predict(X_test)
    fitted.set_params(predict_seed=1)
    with pytest.raises(ShrinkNetValueError, match="level must be in"):
        fitted.predict_interval(X_test, level=1.5)
    with pytest.raises(ValueError, match="threads"):
        ShrinkNetRegressor(threads=0).fit(X_test, X_test[:, 0])


def test_classifier_labels(iris):
    X, y = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        ShrinkNetClassifier(epochs=1).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="continuous"):
        ShrinkNetClassifier(epochs=1).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="likelihood must be"):
        ShrinkNetClassifier(likelihood="gaussian", epochs=1).fit(X, y)
    with pytest.raises(ShrinkNetValueError):
        ShrinkNetClassifier(likelihood="bernoulli", epochs=1).fit(X, y)  # three classes


def test_loading_the_other_kind(iris, tmp_path):
    X, y = iris
    path = tmp_path / "reg.snm"
    ShrinkNetRegressor(epochs=1).fit(X, y.astype(float)).save(path)
    with pytest.raises(ValueError, match="holds a regression model"):
        ShrinkNetClassifier.load(path)
    with pytest.raises(ValueError, match="no classes"):
        shrinknet.load(path, classes=[0, 1, 2])


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="invalid parameter 'hiden'"):
        ShrinkNetRegressor().set_params(hiden=10)
    with pytest.raises(TypeError):
        ShrinkNetRegressor(hiden=10)
    with pytest.raises(TypeError):
        ShrinkNetRegressor(50)  # keyword arguments only
