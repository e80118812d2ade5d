"""sk_stfm: the scikit-learn of spatio-temporal foundation models."""

__version__ = "0.1.0.dev0"
