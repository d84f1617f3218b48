"""ShrinkNetRegressor: the same bits as the CLI with the same options and seed, save/load,
pickling, and the prediction methods."""

import copy
import os
import pickle
import subprocess

import numpy as np
import pytest

from conftest import SHARED
from shrinknet import ShrinkNetRegressor, load

# Two configurations, each as estimator parameters and the same as CLI options. The second
# exercises the order in which parameters are set (arch after layers), a fixed precision, a
# continuous noise and the tail-adaptive objective.
CONFIGS = [
    ({"epochs": 30}, ["--epochs", "30"]),
    ({"arch": "resnet", "hidden": 20, "layers": 3, "objective": "tail", "precision": 50.0,
      "noise": "gaussian:0.1", "lr": 3e-3, "batch": 16, "samples": 4, "seed": 7, "epochs": 15},
     ["--arch", "resnet", "--hidden", "20", "--layers", "3", "--objective", "tail",
      "--precision", "50", "--noise", "gaussian:0.1", "--lr", "3e-3", "--batch", "16",
      "--samples", "4", "--seed", "7", "--epochs", "15"]),
    ({"method": "vem", "prior": "ard", "hyperprior": "halfcauchy:1", "epochs": 10, "seed": 3},
     ["--method", "vem", "--prior", "ard", "--hyperprior", "halfcauchy:1", "--epochs", "10",
      "--seed", "3"]),
]


def write_csv(path, X):
    # repr gives the shortest text that reads back to the same double, so the CLI's strtod sees
    # exactly the values Python predicts on.
    with open(path, "w") as f:
        for row in X:
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def read_predictions(path):
    with open(path) as f:
        header = f.readline().strip()
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    return header, np.array(rows)


@pytest.mark.parametrize("params,options", CONFIGS, ids=["default", "resnet-tail", "vem"])
def test_same_bits_as_cli(params, options, yacht, cli, tmp_path):
    X_train, y_train, X_test, y_test = yacht
    reg = ShrinkNetRegressor(**params).fit(X_train, y_train)
    py_model = tmp_path / "py.snm"
    reg.save(py_model)

    cli_model = tmp_path / "cli.snm"
    subprocess.run([cli, "train", "--data", os.path.join(SHARED, "uci", "yacht"), "--split", "0",
                    "-q", "-o", str(cli_model)] + options, check=True)
    assert py_model.read_bytes() == cli_model.read_bytes()

    x_csv, out_csv = tmp_path / "x.csv", tmp_path / "pred.csv"
    write_csv(x_csv, X_test)
    subprocess.run([cli, "predict", "-m", str(cli_model), "--input", str(x_csv), "--header",
                    "no", "-o", str(out_csv)], check=True)
    header, pred = read_predictions(out_csv)
    assert header == "mean,std,lower,upper"
    mean, std = reg.predict(X_test, return_std=True)
    lower, upper = reg.predict_interval(X_test)
    # Bit for bit: %.17g in the CLI's output reads back to the same double.
    np.testing.assert_array_equal(pred[:, 0], mean)
    np.testing.assert_array_equal(pred[:, 1], std)
    np.testing.assert_array_equal(pred[:, 2], lower)
    np.testing.assert_array_equal(pred[:, 3], upper)
    # The CLI's model file, loaded in Python, predicts the same.
    np.testing.assert_array_equal(ShrinkNetRegressor.load(cli_model).predict(X_test), mean)


def test_fit_predict_and_score(yacht):
    X_train, y_train, X_test, y_test = yacht
    reg = ShrinkNetRegressor(epochs=60, test_samples=200)
    assert reg.fit(X_train, y_train) is reg
    assert reg.n_features_in_ == X_train.shape[1]
    assert reg.precision_ > 0
    mean = reg.predict(X_test)
    assert mean.shape == (X_test.shape[0],) and mean.dtype == np.float64
    mean2, std = reg.predict(X_test, return_std=True)
    np.testing.assert_array_equal(mean, mean2)
    assert np.all(std > 0)
    lower, upper = reg.predict_interval(X_test, level=0.9)
    assert np.all(lower < mean) and np.all(mean < upper)
    draws = reg.predict_samples(X_test)
    assert draws.shape == (200, X_test.shape[0])
    np.testing.assert_allclose(draws.mean(axis=0), mean, rtol=1e-12, atol=1e-12)
    r2 = reg.score(X_test, y_test)
    assert 0.5 < r2 <= 1.0
    resid = y_test - mean
    assert r2 == pytest.approx(1 - resid @ resid / np.sum((y_test - y_test.mean()) ** 2))
    m = reg.evaluate(X_test, y_test)
    assert m["n"] == X_test.shape[0]
    assert m["rmse"] == pytest.approx(np.sqrt(np.mean(resid ** 2)))
    assert np.isnan(m["accuracy"])


def test_prediction_seed_and_draws(yacht):
    X_train, y_train, X_test, _ = yacht
    reg = ShrinkNetRegressor(epochs=5, noise="bernoulli:0.9", test_samples=50).fit(X_train,
                                                                                     y_train)
    a = reg.predict(X_test)
    np.testing.assert_array_equal(a, reg.predict(X_test))
    reg.set_params(predict_seed=2)
    assert not np.array_equal(a, reg.predict(X_test))
    reg.set_params(predict_seed=1, test_samples=10)
    assert reg.predict_samples(X_test).shape == (10, X_test.shape[0])


def test_save_load_round_trip(yacht, tmp_path):
    X_train, y_train, X_test, _ = yacht
    params = {"hidden": 16, "noise": "beta:3,2", "objective": "iw", "samples": 5,
              "sigma0": 2.5, "lr": 2e-3, "batch": 20, "epochs": 8, "seed": 11,
              "activation": "tanh", "precision": 30.0}
    reg = ShrinkNetRegressor(**params).fit(X_train, y_train)
    path = tmp_path / "m.snm"
    assert reg.save(path) is reg
    back = ShrinkNetRegressor.load(path, test_samples=300)
    np.testing.assert_array_equal(back.predict(X_test, return_std=True),
                                  ShrinkNetRegressor(**params, test_samples=300)
                                  .fit(X_train, y_train).predict(X_test, return_std=True))
    got = back.get_params()
    for k, v in params.items():
        assert got[k] == v, k
    assert got["test_samples"] == 300
    assert back.n_features_in_ == reg.n_features_in_
    assert back.precision_ == reg.precision_
    # Saved again, the loaded model is the same file; refitting from the restored
    # parameters trains the same model.
    again = tmp_path / "again.snm"
    back.save(again)
    assert again.read_bytes() == path.read_bytes()
    refit = tmp_path / "refit.snm"
    ShrinkNetRegressor(**back.get_params()).fit(X_train, y_train).save(refit)
    assert refit.read_bytes() == path.read_bytes()
    # The module-level load picks the class.
    assert isinstance(load(path), ShrinkNetRegressor)


def test_pickle_and_deepcopy(yacht):
    X_train, y_train, X_test, _ = yacht
    reg = ShrinkNetRegressor(epochs=3, test_samples=20).fit(X_train, y_train)
    want = reg.predict(X_test)
    for other in (pickle.loads(pickle.dumps(reg)), copy.deepcopy(reg)):
        assert other.model_.handle.value != reg.model_.handle.value
        np.testing.assert_array_equal(other.predict(X_test), want)
    del reg  # the copies own their models
    np.testing.assert_array_equal(other.predict(X_test), want)


def test_refit_replaces_the_model(yacht):
    X_train, y_train, X_test, _ = yacht
    reg = ShrinkNetRegressor(epochs=3, test_samples=20).fit(X_train, y_train)
    reg.fit(X_train[:, :3], y_train)
    assert reg.n_features_in_ == 3
    assert reg.predict(X_test[:, :3]).shape == (X_test.shape[0],)
