"""ShrinkNetClassifier on iris: accuracy on a held-out 20%, labels of any kind, the CLI's bits,
Bernoulli for two classes, save/load."""

import os
import subprocess

import numpy as np
import pytest

from conftest import SHARED
from shrinknet import ShrinkNetClassifier, ShrinkNetRegressor, load

NAMES = np.array(["setosa", "versicolor", "virginica"])


def held_out(y):
    """Every fifth row is a test row: a fixed, stratified 80/20 split of iris (sorted by class)."""
    test = np.arange(y.shape[0]) % 5 == 4
    return ~test, test


def test_iris_accuracy(iris):
    X, y = iris
    train, test = held_out(y)
    labels = NAMES[y]  # strings: fit maps them to 0..K-1 and predict maps back
    clf = ShrinkNetClassifier(epochs=300, test_samples=200)
    assert clf.fit(X[train], labels[train]) is clf
    assert list(clf.classes_) == list(NAMES) and clf.n_classes_ == 3
    proba = clf.predict_proba(X[test])
    assert proba.shape == (test.sum(), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(proba >= 0)
    pred = clf.predict(X[test])
    np.testing.assert_array_equal(pred, NAMES[np.argmax(proba, axis=1)])
    acc = clf.score(X[test], labels[test])
    assert acc >= 0.9, acc
    assert acc == pytest.approx(np.mean(pred == labels[test]))
    m = clf.evaluate(X[test], labels[test])
    assert m["accuracy"] == pytest.approx(acc)
    assert m["ll"] < 0 and 0 <= m["ece"] <= 1 and 0 <= m["brier"] <= 2
    assert np.isnan(m["rmse"])
    np.testing.assert_allclose(clf.predict_log_proba(X[test]), np.log(proba))
    with pytest.raises(ValueError, match="not one of the classes"):
        clf.evaluate(X[test][:2], ["setosa", "rose"])


def test_same_bits_as_cli(iris, cli, tmp_path):
    X, y = iris
    clf = ShrinkNetClassifier(epochs=20, seed=5, test_samples=100).fit(X, y)
    py_model, cli_model = tmp_path / "py.snm", tmp_path / "cli.snm"
    clf.save(py_model)
    subprocess.run([cli, "train", "--data", os.path.join(SHARED, "classification", "iris.csv"),
                    "--target", "label", "--likelihood", "categorical", "--epochs", "20",
                    "--seed", "5", "-q", "-o", str(cli_model)], check=True)
    assert py_model.read_bytes() == cli_model.read_bytes()
    x_csv, out_csv = tmp_path / "x.csv", tmp_path / "p.csv"
    with open(x_csv, "w") as f:
        for row in X:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    subprocess.run([cli, "predict", "-m", str(cli_model), "--input", str(x_csv), "-T", "100",
                    "--header", "no", "-o", str(out_csv)], check=True)
    with open(out_csv) as f:
        assert f.readline().strip() == "p0,p1,p2,label"
        rows = np.array([[float(v) for v in line.split(",")] for line in f])
    np.testing.assert_array_equal(rows[:, :3], clf.predict_proba(X))
    np.testing.assert_array_equal(rows[:, 3], clf.predict(X))


def test_two_classes_use_a_bernoulli_likelihood(iris, tmp_path):
    X, y = iris
    keep = y > 0  # versicolor against virginica, labelled -1 and +1
    Xb, yb = X[keep], np.where(y[keep] == 1, -1, 1)
    clf = ShrinkNetClassifier(epochs=150, test_samples=100).fit(Xb, yb)
    assert list(clf.classes_) == [-1, 1]
    assert clf.model_.n_outputs == 1 and clf.model_.n_classes == 2
    assert clf.predict_proba(Xb).shape == (Xb.shape[0], 2)
    assert clf.score(Xb, yb) >= 0.85
    path = tmp_path / "b.snm"
    clf.save(path)
    with open(path) as f:
        assert "likelihood bernoulli\n" in f.read()
    # A model file knows only 0..K-1; the original labels can be given back.
    back = ShrinkNetClassifier.load(path, test_samples=100)
    assert list(back.classes_) == [0, 1]
    assert back.likelihood == "bernoulli" and back.epochs == 150
    back = ShrinkNetClassifier.load(path, classes=[-1, 1], test_samples=100)
    np.testing.assert_array_equal(back.predict(Xb), clf.predict(Xb))
    np.testing.assert_array_equal(back.predict_proba(Xb), clf.predict_proba(Xb))
    assert isinstance(load(path), ShrinkNetClassifier)
    with pytest.raises(ValueError, match="ShrinkNetClassifier"):
        ShrinkNetRegressor.load(path)
    with pytest.raises(ValueError, match="2 distinct labels"):
        ShrinkNetClassifier.load(path, classes=[1, 2, 3])


def test_categorical_for_two_classes_on_request(iris):
    X, y = iris
    keep = y > 0
    clf = ShrinkNetClassifier(likelihood="categorical", epochs=5, test_samples=10)
    clf.fit(X[keep], y[keep])
    assert clf.model_.n_outputs == 2
    assert list(clf.classes_) == [1, 2]
