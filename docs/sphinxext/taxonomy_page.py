"""The survey's taxonomy table of the "Choosing a model" page, as reStructuredText."""

from sk_stfm.taxonomy import taxonomy_table
from sk_stfm.taxonomy._table import NOT_APPLICABLE_MARK


def taxonomy_table_rst(task=None):
    """The taxonomy table as a reStructuredText ``list-table``, for the docs.

    ``docs/conf.py`` writes it at every build into the "Choosing a model"
    page, so the page shows the registry as it is, never a hand-kept copy.

    Parameters
    ----------
    task : str or None, default=None
        As in :func:`sk_stfm.taxonomy.taxonomy_table`.

    Returns
    -------
    text : str
        The directive and its rows.
    """
    table = taxonomy_table(task)

    def cell(text):
        if text == NOT_APPLICABLE_MARK:
            return "n/a"
        if not text:
            return "(none)"
        return ", ".join(f"``{name}``" for name in text.split(", "))

    lines = [
        ".. list-table:: Registered backbones by data kind and dependency (from their tags)",
        "   :header-rows: 1",
        "   :stub-columns: 1",
        "   :widths: 12 30 30 28",
        "",
        "   * - Data kind",
    ]
    lines += [f"     - {dependency.capitalize()}" for dependency in table.columns]
    for kind, row in table.iterrows():
        lines.append(f"   * - {kind}")
        lines += [f"     - {cell(value)}" for value in row]
    return "\n".join(lines) + "\n"
