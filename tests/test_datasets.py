"""Tests for optlib.datasets: the shipped data, the split and the mini-batches."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optlib.datasets import (
    DATA_DIR,
    Dataset,
    load_airfoil,
    load_digits,
    load_seattle,
    minibatches,
    train_val_split,
)


def test_airfoil_raw_shapes_and_first_row():
    data = load_airfoil(standardize=False)
    assert data.X.shape == (1503, 5) and data.y.shape == (1503,)
    assert data.X.dtype == np.float64 and data.y.dtype == np.float64
    assert len(data.feature_names) == 5 and data.feature_names[0] == "frequency_hz"
    assert data.target_name == "sound_pressure_level_db"
    np.testing.assert_array_equal(data.X[0], [800, 0, 0.3048, 71.3, 0.00266337])
    assert data.y[0] == 126.201  # dB, first row of the csv
    assert data.x_mean is None and data.y_std is None


def test_airfoil_standardised_x_and_y_and_convertible_back():
    data, raw = load_airfoil(), load_airfoil(standardize=False)
    np.testing.assert_allclose(data.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.X.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(data.y.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(data.y.std(), 1, rtol=1e-12)
    np.testing.assert_allclose(data.X * data.x_std + data.x_mean, raw.X, rtol=1e-12)
    np.testing.assert_allclose(data.y * data.y_std + data.y_mean, raw.y, rtol=1e-12)
    assert 120 < data.y_mean < 130 and 6 < data.y_std < 8  # dB


def test_digits():
    data = load_digits()
    assert data.X.shape == (1797, 64) and data.y.shape == (1797,)
    assert data.X.dtype == np.float64 and np.issubdtype(data.y.dtype, np.integer)
    assert data.X.min() == 0 and data.X.max() == 1  # pixels / 16
    assert np.all(data.X * 16 == np.round(data.X * 16))  # from integer pixels 0..16
    assert set(data.y.tolist()) == set(range(10))
    assert np.bincount(data.y).min() >= 170  # roughly balanced, ~180 per digit
    np.testing.assert_array_equal(data.y[:10], np.arange(10))
    assert data.feature_names[9] == "pixel_1_1"


def test_seattle():
    weather = load_seattle()
    assert len(weather.date) == 1461 and weather.date.dtype == np.dtype("datetime64[D]")
    assert weather.date[0] == np.datetime64("2012-01-01")
    assert weather.date[-1] == np.datetime64("2015-12-31")
    assert np.all(np.diff(weather.date) == np.timedelta64(1, "D"))  # sorted, no gaps
    for column in (weather.temp_max, weather.temp_min, weather.precipitation, weather.wind):
        assert column.shape == (1461,) and column.dtype == np.float64
        assert np.all(np.isfinite(column))
    assert np.all(weather.temp_min <= weather.temp_max)
    assert weather.temp_max[0] == 12.8 and weather.temp_min[0] == 5.0
    assert set(weather.weather.tolist()) == {"sun", "fog", "rain", "drizzle", "snow"}


def test_loaders_work_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_airfoil().X.shape == (1503, 5)
    assert load_digits().X.shape == (1797, 64)
    assert len(load_seattle().date) == 1461


def test_data_files_ship_with_provenance():
    provenance = (DATA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in ("airfoil_self_noise.csv", "digits.csv.gz", "seattle-weather.csv"):
        assert (DATA_DIR / name).is_file()
        assert name in provenance
    assert provenance.count("CC BY 4.0") >= 2 and "BSD-3-Clause" in provenance


def numbered(n_rows):
    """A Dataset whose row i is (i, i) so rows can be traced through a split."""
    ids = np.arange(n_rows)
    return Dataset(ids[:, None].astype(float), ids, ("id",), "id", "numbered")


def test_train_val_split_partitions_the_rows():
    train, val = train_val_split(numbered(1503), val_fraction=0.2, seed=0)
    assert len(val.y) == 301 and len(train.y) == 1202  # round(1503 · 0.2)
    np.testing.assert_array_equal(np.sort(np.concatenate([train.y, val.y])), np.arange(1503))
    np.testing.assert_array_equal(train.X[:, 0], train.y)  # X and y stay paired
    assert train.name == val.name == "numbered"
    assert not np.all(np.diff(train.y) > 0)  # shuffled, not the first 80 %


def test_train_val_split_is_seeded_and_keeps_statistics():
    data = load_airfoil()
    first, again = train_val_split(data, seed=3), train_val_split(data, seed=3)
    other = train_val_split(data, seed=4)
    np.testing.assert_array_equal(first[1].y, again[1].y)
    assert not np.array_equal(first[1].y, other[1].y)
    assert first[0].y_mean == data.y_mean
    np.testing.assert_array_equal(first[1].x_std, data.x_std)


@pytest.mark.parametrize("val_fraction", [0.0, 1.0, -0.1, 1.5, 1e-4])
def test_train_val_split_rejects_bad_fraction(val_fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(numbered(100), val_fraction=val_fraction)


def batch_sizes(n_rows, batch_size, seed=0):
    batches = list(minibatches(n_rows, batch_size, np.random.default_rng(seed)))
    return [len(b) for b in batches]


def test_minibatch_sizes_as_documented():
    assert batch_sizes(10, 3) == [3, 3, 3, 1]  # last batch holds the remainder
    assert batch_sizes(12, 4) == [4, 4, 4]
    assert batch_sizes(7, 7) == [7]  # batch gradient descent: one batch, all rows
    assert batch_sizes(5, 1) == [1] * 5  # SGD: one row per step


@given(
    n_rows=st.integers(1, 300),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_minibatches_cover_every_row_exactly_once(n_rows, data, seed):
    batch_size = data.draw(st.integers(1, n_rows))
    batches = list(minibatches(n_rows, batch_size, np.random.default_rng(seed)))
    assert len(batches) == -(-n_rows // batch_size)  # ⌈n_rows / batch_size⌉
    assert all(np.issubdtype(b.dtype, np.integer) for b in batches)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n_rows))


def test_minibatches_are_seeded_and_shuffled():
    def epoch(seed):
        return np.concatenate(list(minibatches(100, 8, np.random.default_rng(seed))))

    np.testing.assert_array_equal(epoch(1), epoch(1))
    assert not np.array_equal(epoch(1), epoch(2))
    assert not np.array_equal(epoch(1), np.arange(100))
    rng = np.random.default_rng(1)  # one generator: each epoch gets a fresh order
    first, second = (np.concatenate(list(minibatches(100, 8, rng))) for _ in range(2))
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("batch_size", [0, -1, 11, 2.5, True, None])
def test_minibatches_reject_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(10, batch_size, np.random.default_rng(0))


def test_minibatches_reject_bad_rows_and_rng():
    with pytest.raises(ValueError, match="n_rows"):
        minibatches(0, 1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        minibatches(10, 2, 0)
