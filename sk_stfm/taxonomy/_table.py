"""The survey's taxonomy table (data kind x dependency -> backbones), from the registry."""

import pandas as pd

from ..backbones import get_backbone, list_backbones
from ..utils._tags import DATA_KINDS, DEPENDENCIES, TASKS

# A plain series has one node (the data contract), so nothing spatial can
# be modelled on it: the spatial backbones accept series only as a
# degenerate case (a first fit, scikit-learn's checks).
_NOT_APPLICABLE = {("series", "spatial"), ("series", "spatio-temporal"), ("event", "spatial")}
NOT_APPLICABLE_MARK = "n/a"


def _listed(tags, kind, dependency):
    if kind not in tags.data_kinds or dependency not in tags.dependencies:
        return False
    # As in recommend(): a spatial model facing a single-node series has no
    # space to model, so it is not a model *for* series.
    return not (kind == "series" and {"spatial", "spatio-temporal"} & set(tags.dependencies))


def taxonomy_table(task=None):
    """The survey's taxonomy as a table: which backbones model which dependency of which data.

    Built from the tags of the registered backbones (see
    :func:`~sk_stfm.backbones.list_backbones`), so that backbones
    registered later appear in it too.

    Parameters
    ----------
    task : str or None, default=None
        Keep the backbones that serve this task (``"forecasting"``, ...);
        ``None`` keeps all.

    Returns
    -------
    table : pandas.DataFrame
        One row per data kind (``series``, ``graph``, ``grid``, ``video``,
        ``trajectory``, ``event``), one column per dependency
        (``temporal``, ``spatial``, ``spatio-temporal``); each cell is the
        comma-separated, sorted names of the backbones whose tags list
        both, ``""`` when there is none, and ``"n/a"`` where the dependency
        cannot exist (spatial dependence of a single-node series or of
        events without a space). The spatial backbones accept a plain
        series only as a degenerate case (one node, nothing spatial to
        model) and are left out of its row, as :func:`recommend` does.

    Examples
    --------
    >>> from sk_stfm.taxonomy import taxonomy_table
    >>> table = taxonomy_table()
    >>> table.shape
    (6, 3)
    >>> "gwnet" in table.loc["graph", "spatio-temporal"]
    True
    >>> table.loc["series", "spatial"], table.loc["series", "temporal"]
    ('n/a', 'dlinear, mlp, patchtst')
    """
    if task is not None and task not in TASKS:
        from ._recommend import normalize_task

        task = normalize_task(task)
    names = list_backbones(task=task)
    rows = {}
    for kind in DATA_KINDS:
        row = {}
        for dependency in DEPENDENCIES:
            if (kind, dependency) in _NOT_APPLICABLE:
                row[dependency] = NOT_APPLICABLE_MARK
                continue
            row[dependency] = ", ".join(
                name for name in names if _listed(get_backbone(name).tags, kind, dependency)
            )
        rows[kind] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(DEPENDENCIES))
    table.index.name = "data kind"
    table.columns.name = "dependency"
    return table
