"""The graph given on the command line: an edge-list CSV or a ``.npz`` / ``.npy`` matrix."""

from pathlib import Path

import numpy as np

EDGE_COLUMNS = ("source", "target")
WEIGHT_COLUMN = "weight"


def read_adjacency(path, node_names):
    """Read the adjacency of a long table's nodes from a file.

    Parameters
    ----------
    path : str or Path
        An edge list ``.csv`` with columns ``source`` and ``target`` (node
        ids as in the table's ``node`` column) and an optional ``weight``
        (1 when absent): one row per directed edge, so an undirected graph
        lists both directions. Or a ``.npz`` written by
        ``scipy.sparse.save_npz`` or ``numpy.savez`` (a single array), or a
        ``.npy``: an ``(n_nodes, n_nodes)`` matrix whose rows and columns
        follow the nodes in the order they first appear in the table.
    node_names : list of str
        The table's nodes, in order.

    Returns
    -------
    adjacency : scipy.sparse.csr_array or ndarray of shape (n_nodes, n_nodes)
        Edge weights, ``adjacency[i, j]`` from node ``i`` to node ``j``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file has another suffix, lacks a column, names nodes the
        table does not have, repeats an edge, or its matrix is not
        ``(n_nodes, n_nodes)``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--adjacency {path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_edge_list(path, node_names)
    if suffix in (".npz", ".npy"):
        matrix = _read_matrix(path)
        n_nodes = len(node_names)
        if matrix.ndim != 2 or matrix.shape != (n_nodes, n_nodes):
            raise ValueError(
                f"--adjacency {path}: the matrix has shape {matrix.shape}, but the table has "
                f"{n_nodes} nodes; rows and columns follow the nodes in the order they first "
                "appear in the table."
            )
        return matrix
    raise ValueError(
        f"--adjacency {path}: expected an edge list .csv or a matrix .npz / .npy; got "
        f"{suffix or 'no suffix'}."
    )


def _read_matrix(path):
    import scipy.sparse as sp

    if path.suffix.lower() == ".npy":
        return np.load(path, allow_pickle=False)
    try:
        return sp.csr_array(sp.load_npz(path))
    except (ValueError, KeyError, OSError):
        pass  # not a scipy.sparse file: a NumPy archive of one dense matrix
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if len(names) != 1:
                raise ValueError(
                    f"--adjacency {path}: expected a scipy.sparse.save_npz file or a NumPy "
                    f"archive of one matrix; it holds {names}."
                )
            return archive[names[0]]
    except (OSError, ValueError) as exc:
        if str(exc).startswith("--adjacency"):
            raise
        raise ValueError(f"--adjacency {path}: not a readable .npz file ({exc}).") from exc


def _read_edge_list(path, node_names):
    import pandas as pd
    import scipy.sparse as sp

    try:
        edges = pd.read_csv(path, dtype={name: str for name in EDGE_COLUMNS})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"--adjacency {path}: not a readable edge list ({exc}).") from exc
    missing = [name for name in EDGE_COLUMNS if name not in edges]
    if missing:
        raise ValueError(
            f"--adjacency {path}: the edge list lacks columns {missing}; it needs source, "
            f"target and optionally weight; got {list(edges.columns)}."
        )
    if edges[list(EDGE_COLUMNS)].isna().any().any():
        raise ValueError(f"--adjacency {path}: some edges have an empty source or target.")
    index = {name: position for position, name in enumerate(node_names)}
    unknown = sorted(set(edges["source"]).union(edges["target"]).difference(index))
    if unknown:
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise ValueError(
            f"--adjacency {path}: {len(unknown)} nodes of the edge list are not in the "
            f"table's node column: {shown}."
        )
    repeated = edges.duplicated(list(EDGE_COLUMNS))
    if repeated.any():
        source, target = edges.loc[repeated.idxmax(), list(EDGE_COLUMNS)]
        raise ValueError(
            f"--adjacency {path}: the edge {source} -> {target} is listed more than once."
        )
    if WEIGHT_COLUMN in edges:
        weights = pd.to_numeric(edges[WEIGHT_COLUMN], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(
                f"--adjacency {path}: every weight must be a finite number >= 0."
            )
    else:
        weights = np.ones(len(edges))
    rows = edges["source"].map(index).to_numpy()
    columns = edges["target"].map(index).to_numpy()
    n_nodes = len(node_names)
    return sp.csr_array((weights, (rows, columns)), shape=(n_nodes, n_nodes))
