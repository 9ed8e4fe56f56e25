"""Loaders for the real data shipped in ``optlib/data`` and mini-batch helpers.

The files live inside the package (see ``optlib/data/PROVENANCE.md``), so the
loaders work from any working directory and never download anything.
"""

import csv
import gzip
from pathlib import Path
from typing import NamedTuple

import numpy as np

DATA_DIR = Path(__file__).parent / "data"


class Dataset(NamedTuple):
    """A supervised data set: rows of X (n, d) with targets y (n,).

    If the loader standardised the data, the statistics are kept so a reader can
    convert back: x_raw = X · x_std + x_mean, y_raw = y · y_std + y_mean.
    They are None when nothing was standardised.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    name: str
    x_mean: np.ndarray | None = None
    x_std: np.ndarray | None = None
    y_mean: float | None = None
    y_std: float | None = None


class Weather(NamedTuple):
    """Daily weather in Seattle, one entry per day, sorted by date."""

    date: np.ndarray  # datetime64[D]
    temp_max: np.ndarray  # °C
    temp_min: np.ndarray  # °C
    precipitation: np.ndarray
    wind: np.ndarray
    weather: np.ndarray  # str tag: sun, fog, rain, drizzle, snow (see PROVENANCE.md)


def _read_csv(filename):
    """All rows of a csv file in DATA_DIR as lists of strings; .gz is decompressed."""
    path = DATA_DIR / filename
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as file:
        return list(csv.reader(file))


def load_airfoil(standardize=True):
    """NASA airfoil self-noise: 5 physical features → sound pressure level in dB.

    1503 rows. With standardize=True (the default, as in d2l) every column of X
    *and* the target y is shifted and scaled: x' = (x − mean) / std, with the
    population std (ddof=0). The statistics are stored in the Dataset, so
    dB = y' · y_std + y_mean. The statistics come from all 1503 rows.

    Args:
        standardize: if False, X and y are returned in physical units.
    """
    header, *rows = _read_csv("airfoil_self_noise.csv")
    table = np.array(rows, dtype=np.float64)
    X, y = table[:, :-1], table[:, -1]
    data = Dataset(X, y, tuple(header[:-1]), header[-1], "airfoil")
    if not standardize:
        return data
    x_mean, x_std = X.mean(axis=0), X.std(axis=0)
    y_mean, y_std = float(y.mean()), float(y.std())
    return data._replace(
        X=(X - x_mean) / x_std,
        y=(y - y_mean) / y_std,
        x_mean=x_mean,
        x_std=x_std,
        y_mean=y_mean,
        y_std=y_std,
    )


def load_digits():
    """UCI 8×8 handwritten digits: X (1797, 64) in [0, 1], y int labels 0..9.

    Pixels are scaled x = pixel / 16 (the raw values are 0..16). Feature
    "pixel_r_c" is row r, column c of the image: X[i].reshape(8, 8) is image i.
    """
    rows = _read_csv("digits.csv.gz")  # no header row: 64 pixels, then the label
    table = np.array(rows, dtype=np.int64)
    X = table[:, :-1] / 16.0
    y = table[:, -1]
    names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    return Dataset(X, y, names, "digit", "digits")


def load_seattle():
    """Daily Seattle weather 2012-01-01 … 2015-12-31 (1461 days) as a Weather tuple."""
    header, *rows = _read_csv("seattle-weather.csv")
    columns = dict(zip(header, zip(*rows, strict=True), strict=True))
    dates = [d.replace("/", "-") for d in columns["date"]]  # 2012/01/01 → ISO
    return Weather(
        date=np.array(dates, dtype="datetime64[D]"),
        temp_max=np.array(columns["temp_max"], dtype=np.float64),
        temp_min=np.array(columns["temp_min"], dtype=np.float64),
        precipitation=np.array(columns["precipitation"], dtype=np.float64),
        wind=np.array(columns["wind"], dtype=np.float64),
        weather=np.array(columns["weather"], dtype=str),
    )


def train_val_split(data, val_fraction=0.2, seed=0):
    """Split a Dataset into (train, val) by a seeded random permutation of the rows.

    n_val = round(n · val_fraction); both parts must be non-empty. Everything
    except X and y (names, standardisation statistics) is copied unchanged.

    Args:
        data: a Dataset.
        val_fraction: share of rows that go to the validation set, in (0, 1).
        seed: seed of the permutation; the same seed gives the same split.
    """
    n_rows = len(data.y)
    n_val = round(n_rows * val_fraction)
    if not 0 < val_fraction < 1 or not 0 < n_val < n_rows:
        raise ValueError(
            f"val_fraction must be in (0, 1) and leave both parts non-empty "
            f"for {n_rows} rows, got {val_fraction!r}"
        )
    order = np.random.default_rng(seed).permutation(n_rows)
    val_rows, train_rows = order[:n_val], order[n_val:]
    train = data._replace(X=data.X[train_rows], y=data.y[train_rows])
    val = data._replace(X=data.X[val_rows], y=data.y[val_rows])
    return train, val


def minibatches(n_rows, batch_size, rng):
    """One epoch of mini-batches: index arrays over a random permutation of the rows.

    Every row appears exactly once. There are ⌈n_rows / batch_size⌉ batches; all
    have batch_size rows except possibly the last, which holds the remainder.
    batch_size = n_rows is batch gradient descent (one batch with every row),
    batch_size = 1 is stochastic gradient descent (one row per step).

    Args:
        n_rows: number of rows in the data set, ≥ 1.
        batch_size: rows per batch, an integer in [1, n_rows].
        rng: a numpy Generator (np.random.default_rng(seed)); it draws the order
            when minibatches is called, not when the iterator is consumed.

    Returns:
        an iterator of int index arrays; use them as X[idx], y[idx].
    """
    if not _is_int(n_rows) or n_rows < 1:
        raise ValueError(f"n_rows must be an integer ≥ 1, got {n_rows!r}")
    if not _is_int(batch_size) or not 1 <= batch_size <= n_rows:
        raise ValueError(
            f"batch_size must be an integer in [1, n_rows={n_rows}], got {batch_size!r}"
        )
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
    order = rng.permutation(n_rows)  # drawn now, so the epoch is fixed at the call
    return (order[start : start + batch_size] for start in range(0, n_rows, batch_size))


def _is_int(value):
    """True for Python and numpy integers, False for bool, float and everything else."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
