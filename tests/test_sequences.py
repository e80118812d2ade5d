"""The irregular-data contract: sequences, their padded and flat layouts, SequenceData."""

import numpy as np
import pandas as pd
import pytest

from sk_stfm.data import (
    SequenceData,
    check_sequences,
    flatten_sequences,
    padded_to_sequences,
    sequences_from_frame,
    sequences_to_padded,
    unflatten_sequences,
)


def _ragged(seed=0):
    rng = np.random.default_rng(seed)
    sequences = []
    for length in (5, 1, 9):
        times = np.cumsum(rng.exponential(size=length))
        sequences.append(np.column_stack([times, rng.normal(size=(length, 2))]))
    return sequences


def test_the_three_layouts_convert_into_each_other_exactly():
    sequences = _ragged()
    padded = sequences_to_padded(sequences)
    assert padded.shape == (3, 9, 1, 4)
    assert np.isnan(padded[1, 1:]).all() and not np.isnan(padded[2]).any()
    # Channel 0 is the time since the previous point.
    np.testing.assert_allclose(padded[0, 1:5, 0, 0], np.diff(sequences[0][:, 0]))
    assert padded[0, 0, 0, 0] == 0.0
    for back in (padded_to_sequences(padded), unflatten_sequences(*flatten_sequences(sequences))):
        assert len(back) == 3
        for a, b in zip(back, sequences, strict=True):
            np.testing.assert_array_equal(a, b)
    # check_sequences reads the padded layout as well.
    np.testing.assert_array_equal(check_sequences(padded)[2], sequences[2])


@pytest.mark.parametrize(
    "sequences, error, message",
    [
        ("abc", TypeError, "sequences must be a list"),
        ([], ValueError, "at least one sequence"),
        ([[0.0, 1.0], np.zeros((0, 1))], ValueError, r"sequences\[1\] has no points"),
        ([[[0.0, 1.0]], [[0.0, 1.0, 2.0]]], ValueError, r"sequences\[1\] must have 2 columns"),
        ([np.zeros((2, 2, 2))], ValueError, r"sequences\[0\] must be 1-D"),
        ([[0.0, np.nan]], ValueError, r"sequences\[0\] must be finite; row 1"),
        ([[0.0, np.inf]], ValueError, "must be finite"),
        ([[3.0, 1.0]], ValueError, r"non-decreasing; row 1 \(t=1.0\) follows t=3.0"),
        ([["a", "b"]], TypeError, r"sequences\[0\] must hold numbers"),
        (["ab"], TypeError, "got a string"),
    ],
)
def test_malformed_sequences_are_named(sequences, error, message):
    with pytest.raises(error, match=message):
        check_sequences(sequences)


def test_strict_increase_refuses_ties_and_empty_ones_are_allowed_on_request():
    with pytest.raises(ValueError, match="strictly increasing"):
        check_sequences([[0.0, 1.0, 1.0]], strictly_increasing=True)
    assert check_sequences([[0.0, 1.0, 1.0]])[0].shape == (3, 1)
    assert check_sequences([np.zeros((0, 1))], allow_empty=True)[0].shape == (0, 1)
    with pytest.raises(ValueError, match="must have 3 columns"):
        check_sequences([[0.0]], n_columns=3)


def test_padding_refuses_to_cut_and_padding_must_come_last():
    with pytest.raises(ValueError, match="shorter than the longest"):
        sequences_to_padded(_ragged(), max_length=4)
    padded = sequences_to_padded(_ragged(), max_length=12)
    assert padded.shape[1] == 12
    padded[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"padded\[0\] has padding"):
        padded_to_sequences(padded)
    with pytest.raises(ValueError, match="time-delta channel"):
        padded_to_sequences(np.zeros((2, 3, 2, 2)))


def test_unflatten_checks_offsets():
    with pytest.raises(ValueError, match="offsets"):
        unflatten_sequences(np.zeros((3, 1)), [0, 2])
    with pytest.raises(ValueError, match="offsets"):
        unflatten_sequences(np.zeros((3, 1)), [0, 2.0, 3.0])


def test_sequences_from_frame_sorts_within_id_and_converts_datetimes():
    frame = pd.DataFrame(
        {
            "user": ["b", "a", "b", "a"],
            "t": pd.to_datetime(
                [
                    "2020-01-01 00:00:10",
                    "2020-01-01 00:00:00",
                    "2020-01-01 00:00:05",
                    "2020-01-01 00:01:00",
                ],
                utc=True,
            ),
            "lat": [1.0, 2.0, 3.0, 4.0],
            "name": ["x", "y", "z", "w"],  # not numeric: left out by default
        }
    )
    sequences, ids = sequences_from_frame(frame, "user", "t")
    assert ids.tolist() == ["b", "a"]
    start = pd.Timestamp("2020-01-01").timestamp()
    np.testing.assert_allclose(sequences[0], [[start + 5, 3.0], [start + 10, 1.0]])
    np.testing.assert_allclose(sequences[1], [[start, 2.0], [start + 60, 4.0]])
    with pytest.raises(ValueError, match="no column 'lon'"):
        sequences_from_frame(frame, "user", "t", columns=["lon"])
    with pytest.raises(TypeError, match="DataFrame"):
        sequences_from_frame(frame.to_numpy())


def test_sequence_data_validates_columns_ids_and_marks():
    data = SequenceData(_ragged(), columns=("time", "x", "y"), kind="trajectory", ids=[7, 8, 9])
    assert (data.n_sequences, data.n_points) == (3, 15)
    assert data.subset([2, 0]).ids.tolist() == [9, 7]
    assert data.to_padded().shape == (3, 9, 1, 4)
    values, offsets = data.flat()
    assert values.shape == (15, 3) and offsets.tolist() == [0, 5, 6, 15]
    with pytest.raises(ValueError, match="kind"):
        SequenceData(_ragged(), columns=("time", "x", "y"), kind="video")
    with pytest.raises(ValueError, match="start with 'time'"):
        SequenceData(_ragged(), columns=("x", "y", "time"))
    with pytest.raises(ValueError, match="must have 2 columns"):
        SequenceData(_ragged(), columns=("time", "x"))
    with pytest.raises(ValueError, match="ids must have shape"):
        SequenceData(_ragged(), columns=("time", "x", "y"), ids=[1])
    with pytest.raises(ValueError, match="integer codes"):
        SequenceData([[[0.0, 2.0]]], columns=("time", "mark"), n_marks=2)
