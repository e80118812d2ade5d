"""Fill hidden entries of a batch of windows before a model reads them."""

import torch


def interpolate_hidden(x, hidden):
    """Replace hidden entries by linear interpolation of the visible ones along time.

    The torch counterpart of ``fill_along_time(..., "linear")`` for
    batches: steps before the first (after the last) visible entry take
    its value; a series with no visible entry becomes 0. Models that
    reconstruct hidden entries then learn a correction of interpolation
    instead of guessing where the gaps are.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
        Windows; hidden entries may hold anything, NaN included.
    hidden : torch.Tensor of bool, same shape as ``x``
        Entries to replace.

    Returns
    -------
    filled : torch.Tensor, same shape as ``x``
        ``x`` with its hidden entries interpolated.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import interpolate_hidden
    >>> x = torch.tensor([1.0, 9.0, 9.0, 4.0, 9.0]).reshape(1, 5, 1, 1)
    >>> hidden = torch.tensor([False, True, True, False, True]).reshape(1, 5, 1, 1)
    >>> interpolate_hidden(x, hidden).flatten().tolist()
    [1.0, 2.0, 3.0, 4.0, 4.0]
    """
    n_steps = x.shape[1]
    index = torch.arange(n_steps, device=x.device).reshape(1, n_steps, 1, 1).expand(x.shape)
    visible = ~hidden
    previous = torch.where(visible, index, -1).cummax(dim=1).values
    following = torch.where(visible, index, n_steps).flip(1).cummin(dim=1).values.flip(1)
    values = torch.where(hidden, 0.0, x)
    before = values.gather(1, previous.clamp(min=0))
    after = values.gather(1, following.clamp(max=n_steps - 1))
    has_before, has_after = previous >= 0, following < n_steps
    weight = (index - previous).to(x.dtype) / (following - previous).clamp(min=1).to(x.dtype)
    inside = before + weight * (after - before)
    edge = torch.where(has_before, before, torch.where(has_after, after, 0.0))
    return torch.where(visible, x, torch.where(has_before & has_after, inside, edge))
