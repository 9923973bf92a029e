"""The GPU's first steps, taken while the tiles load.

The first training step of a shape costs seconds on a GPU (kernels loaded,
convolution plans chosen, torch.compile compiling) and the first validation
batch of another shape a second more. Run does one throwaway step on random
data of the shape training will use, in training and in evaluation mode,
while its loader reads the tiles on the host; the model comes out as it
went in (gradients dropped, batch-norm statistics restored).

TESSERA_WARMUP=0 turns it off, =1 turns it on without a GPU too (it is on
with a GPU): the bench measures both ways.
"""

import os
import time

from .common import say


def batch_for(cfg, n_train):
    """The batch size: the config's, or the whole training split when smaller."""
    return min(cfg["batch_size"], n_train)


def warm_up_wanted(device):
    flag = os.environ.get("TESSERA_WARMUP", "")
    return flag == "1" or (flag != "0" and device.type == "cuda")


class WarmUp:
    """Run's warm-up."""

    def warm_up(self, peeked, loading):
        """peeked: data.peek's (training tiles, classes, canvas) or None;
        loading: the loader's future, whose error ends the warm-up early."""
        if peeked is None or not warm_up_wanted(self.device):
            return
        torch = self.torch
        n_train, n_classes, canvas = peeked
        batch = batch_for(self.cfg, n_train)
        if batch < 2:
            return
        t = time.time()

        def check():
            self.check_stop()
            if loading.done() and loading.exception() is not None:
                raise loading.exception()

        model = self.model
        saved = [(b, b.detach().clone()) for b in model.buffers()]
        g = torch.Generator(device=self.device)
        g.manual_seed(0)
        x = self.to_input(torch.randn((batch, 3, canvas, canvas), generator=g, device=self.device))
        y = torch.randint(0, n_classes, (batch, canvas, canvas), generator=g, device=self.device).to(torch.uint8)
        check()
        model.train()
        loss = self.step_loss(x, y)[0]
        check()
        loss.backward()
        model.zero_grad(set_to_none=True)
        del loss
        check()
        model.eval()
        with torch.inference_mode(), self.autocast():
            self.forward(model, x, aux=False)
        with torch.no_grad():
            for b, v in saved:
                b.copy_(v)
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        say("Warmed up on %d×%d px batches of %d in %.1fs%s"
            % (canvas, canvas, batch, time.time() - t, "" if loading.done() else " (the tiles are still loading)"))
