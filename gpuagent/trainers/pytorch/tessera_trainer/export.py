"""models/model.onnx from the best weights, checked in ONNX Runtime."""

import copy
import inspect
import os
import time
import warnings

from .common import STRIDE, say
from .model import MatmulAvgPool, segment


class OnnxExport:
    """Run's ONNX export."""

    def export_onnx(self):
        """models/model.onnx from the best weights: input pixel_values
        [N, 3, S, S] normalised, output logits [N, classes, S, S]. A failure
        is reported and the job goes on: the safetensors are the model."""
        torch = self.torch
        d = self.data
        try:
            import onnx  # noqa: F401
        except Exception as e:
            say("Warning: no ONNX export: the onnx package is missing (%s)" % e)
            return {"error": "onnx package missing"}
        t = time.time()
        path = os.path.join(self.models_dir, "model.onnx")
        model = copy.deepcopy(self.model).float().eval().to(self.device, memory_format=torch.contiguous_format)
        feat = d.canvas // STRIDE
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, torch.nn.AdaptiveAvgPool2d):
                    out = child.output_size if isinstance(child.output_size, int) else child.output_size[0]
                    new = MatmulAvgPool.make(torch, out, feat, feat).to(self.device)
                    setattr(parent, name, new)
                    layers = getattr(parent, "layers", None)
                    if isinstance(layers, list):
                        layers[:] = [new if l is child else l for l in layers]

        class Exported(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, pixel_values):
                return segment(self.m, pixel_values, aux=False)[0]

        wrapper = Exported(model).eval()
        sample = d.val_x[:1].to(self.device).float()
        kwargs = dict(input_names=["pixel_values"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}})
        tries = [("torchscript", dict(kwargs))]
        params = inspect.signature(torch.onnx.export).parameters
        if "dynamo" in params:
            tries[0][1]["dynamo"] = False
            tries.append(("dynamo", dict(kwargs, dynamo=True, opset_version=18)))
            if "external_data" in params:
                tries[1][1]["external_data"] = False
        err = None
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporters' advice on tracing is for their authors
            reference = wrapper(sample).float().cpu()
            for exporter, kw in tries:
                try:
                    if os.path.exists(path):
                        os.remove(path)
                    torch.onnx.export(wrapper, (sample,), path, **kw)
                    err = None
                    break
                except Exception as e:
                    err = "%s exporter: %s" % (exporter, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)
        del model, wrapper
        if err is not None:
            say("Warning: no ONNX export: %s" % err)
            return {"error": err}
        info = {"file": "model.onnx", "input": "pixel_values", "output": "logits", "opset": kw["opset_version"], "exporter": exporter,
                "shape": [None, 3, d.canvas, d.canvas], "seconds": round(time.time() - t, 1)}
        try:
            import onnxruntime as ort
            sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            got = sess.run(["logits"], {"pixel_values": sample.cpu().numpy()})[0]
            agree = float((torch.from_numpy(got).argmax(1) == reference.argmax(1)).float().mean())
            info["onnxruntime_agreement"] = round(agree, 6)
            say("ONNX export (%s, %.1fs): ONNX Runtime agrees with PyTorch on %.2f%% of a validation tile's pixels"
                % (exporter, time.time() - t, 100 * agree))
        except Exception as e:
            say("ONNX export (%s, %.1fs) not checked: %s" % (exporter, time.time() - t, e))
        return info
