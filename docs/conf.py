"""Sphinx configuration of the sk_stfm documentation."""

import os
import sys
import warnings
from pathlib import Path

import torch

import sk_stfm

# The page generators (benchmark results, taxonomy table) live beside the
# docs in sphinxext/, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent / "sphinxext"))

# Gallery examples run in this process on tiny models: one thread avoids
# oversubscribing a busy 2-core machine (which slows them ten-fold).
torch.set_num_threads(1)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")

project = "sk_stfm"
author = "sk_stfm developers"
copyright = "2026, sk_stfm developers"
release = sk_stfm.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "generated/*.examples",
    "sg_execution_times.rst",
    # Written at build time and included by the pages, not pages themselves.
    "user_guide/_generated",
    "_generated_benchmarks",
]
html_static_path = ["_static"]

autosummary_generate = True
# No "inherited-members" default: in Sphinx 9 it would override the
# ``:inherited-members:`` option of the class templates.
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "torch": ("https://pytorch.org/docs/stable", None),
}
# The build machines are offline: resolve cross-references without fetching
# the inventories, so a missing network never becomes a -W failure.
intersphinx_disabled_reftypes = ["*"]
intersphinx_timeout = 1
if os.environ.get("SK_STFM_DOCS_ONLINE") != "1":
    intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    # Backreferences feed the "Examples using ..." minigallery of each API page.
    "doc_module": ("sk_stfm",),
    "backreferences_dir": "generated",
    "reference_url": {"sk_stfm": None},
    "inspect_global_variables": True,
    "show_memory": False,
    "min_reported_time": 1,
}


def _skip_third_party_members(app, what, name, obj, skip, options):
    # Class pages document what sk_stfm defines, including what a class
    # inherits from sk_stfm bases. Members inherited from scikit-learn,
    # PyTorch or skorch (``get_params``, ``set_output``, ``set_fit_request``,
    # ``nn.Module.train``, ...) are documented by those libraries, and their
    # docstrings point to labels that do not exist here.
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not module.startswith("sk_stfm"):
        return True
    return None


def _write_taxonomy_table(app):
    # The "Choosing a model" page includes the survey's taxonomy table built
    # from the backbone registry's tags, so that it cannot drift from the code.
    from taxonomy_page import taxonomy_table_rst

    target = Path(app.srcdir) / "user_guide" / "_generated" / "taxonomy_table.rst"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = taxonomy_table_rst()
    # An unchanged file keeps its timestamp: the page is not rebuilt for nothing.
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def _write_benchmark_pages(app):
    # The Benchmarks page includes tables and plots rendered from the results
    # files, and the Reproducibility page the protocols from the docstrings of
    # the scripts that wrote them: the pages cannot drift from the results.
    from benchmark_pages import write_benchmark_pages

    source = Path(app.srcdir)
    write_benchmark_pages(
        source.parent / "benchmarks" / "results",
        source / "_generated_benchmarks",
        # Images of an included file are found relative to the source folder.
        image_prefix="/_generated_benchmarks/",
    )


def setup(app):
    app.connect("autodoc-skip-member", _skip_third_party_members)
    app.connect("builder-inited", _write_taxonomy_table)
    app.connect("builder-inited", _write_benchmark_pages)


html_theme = "pydata_sphinx_theme"
html_title = "sk_stfm"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
