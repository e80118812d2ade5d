"""skorch's ``NeuralNet`` and Accelerate's ``Accelerator``, adapted to sk_stfm.

Imported by :mod:`._distributed` only when a fit uses ``device="accelerate"``:
importing accelerate costs a tenth of a second and pulls its command-line
helpers, which ``import sk_stfm`` should not pay for.
"""

from accelerate import Accelerator
from skorch import NeuralNet
from skorch.hf import AccelerateMixin


class _AcceleratedNeuralNet(AccelerateMixin, NeuralNet):
    """skorch's ``NeuralNet`` trained through Hugging Face Accelerate."""

    def _initialize_accelerator(self):
        # Accelerate wraps every module it prepares in DistributedDataParallel,
        # which refuses one without trainable parameters, such as sk_stfm's
        # masked losses: those stay as they are (there is nothing to sync).
        stateless = {
            name: getattr(self, name + "_")
            for name in self._criteria
            if not any(p.requires_grad for p in getattr(self, name + "_").parameters())
        }
        for name in stateless:
            setattr(self, name + "_", None)
        try:
            return super()._initialize_accelerator()
        finally:
            for name, criterion in stateless.items():
                setattr(self, name + "_", criterion)


class _SharedAccelerator(Accelerator):
    """An ``Accelerator`` that survives the copies skorch and scikit-learn make.

    Accelerate's objects keep references to one gradient state; a deep
    copy (``clone``, callbacks) splits them and breaks the last-batch
    handling of distributed evaluation (skorch issue #944). The copy is
    the same object.
    """

    def __deepcopy__(self, memo):
        return self
